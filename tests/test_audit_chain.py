"""The tamper-evident audit log: hash chain, signatures, resumed runs, merged cluster logs, ``audit verify``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from crawler.audit import read
from crawler.audit.log import AuditLog
from crawler.audit.merge import merge
from crawler.audit.report.build import load
from crawler.audit.verify import verify_file
from crawler.net.keys import KeyStore, thumbprint


def _log(path: Path, n: int, run: str = "test run", signer=None, start: int = 0) -> None:
    log = AuditLog(path, run=run, signer=signer)
    for i in range(start, start + n):
        log.record(f"http://a.test/p{i}", "a.test", "fetched", "ok", status=200)
    log.close()


def _verify(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler", "audit", "verify", *args], capture_output=True, text=True)


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines(keepends=True)


def test_first_line_names_the_run_and_every_line_chains_to_the_previous(tmp_path):
    audit = tmp_path / "audit.jsonl"
    _log(audit, 5)
    recs = [json.loads(x) for x in _lines(audit)]
    assert recs[0]["prev"] is None and recs[0]["run"] == "test run" and recs[0]["run_started"]
    import hashlib

    for before, line in zip(_lines(audit), recs[1:], strict=False):
        assert line["prev"] == hashlib.sha256(before.rstrip("\n").encode()).hexdigest()
    v = verify_file(audit)
    assert v.intact and v.lines == 5 and [c.run for c in v.chains] == ["test run"]


def test_verify_names_a_removed_an_edited_and_a_moved_line(tmp_path):
    audit = tmp_path / "audit.jsonl"
    _log(audit, 6)
    lines = _lines(audit)
    removed, edited, moved = (tmp_path / f"{n}.jsonl" for n in ("removed", "edited", "moved"))
    removed.write_text("".join(lines[:2] + lines[3:]))
    edited.write_text("".join(lines[:3] + [lines[3].replace('"status":200', '"status":404')] + lines[4:]))
    moved.write_text("".join(lines[:2] + [lines[3], lines[2]] + lines[4:]))
    assert verify_file(audit).intact
    r = _verify(str(removed))
    assert r.returncode == 1 and "line 3:" in r.stdout and "removed" in r.stdout, r.stdout
    r = _verify(str(edited))
    assert r.returncode == 1 and "line 5:" in r.stdout and "line 4 was edited" in r.stdout, r.stdout
    r = _verify(str(moved))
    assert r.returncode == 1 and "line 3:" in r.stdout and "reordered" in r.stdout, r.stdout
    r = _verify(str(audit))
    assert r.returncode == 0 and "intact: 6 lines" in r.stdout, r.stdout


def test_signature_pins_the_end_and_is_checked_against_the_published_keys(tmp_path):
    audit, state = tmp_path / "audit.jsonl", tmp_path / "state"
    key = KeyStore(state).current()
    _log(audit, 4, signer=key)
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    entry = json.loads((tmp_path / "audit.jsonl.sig").read_text())
    assert entry["keyid"] == thumbprint(entry["jwk"]) == key.keyid
    v = verify_file(audit)
    assert v.intact and v.signatures == 1 and v.chains[0].signed_at == 4 and not v.notes
    # the last line cut off: only the signature can tell
    short = tmp_path / "short.jsonl"
    short.write_text("".join(_lines(audit)[:-1]))
    (tmp_path / "short.jsonl.sig").write_bytes((tmp_path / "audit.jsonl.sig").read_bytes())
    r = _verify(str(short))
    assert r.returncode == 1 and "removed from the end" in r.stdout, r.stdout
    # a forged signature line
    forged = dict(entry, hash="0" * 64)
    (tmp_path / "short.jsonl.sig").write_text(json.dumps(forged) + "\n")
    assert "does not verify" in _verify(str(short)).stdout
    # --jwks: the key must be one of the published ones
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(KeyStore(state).jwks()))
    assert _verify("--jwks", str(jwks), str(audit)).returncode == 0
    other = tmp_path / "other.json"
    other.write_text(json.dumps(KeyStore(tmp_path / "other-state").jwks() if KeyStore(tmp_path / "other-state").current() else {}))
    r = _verify("--jwks", str(other), str(audit))
    assert r.returncode == 1 and "not in the published key set" in r.stdout


def test_a_resumed_run_goes_on_with_the_chain_even_after_a_cut_line(tmp_path):
    audit, key = tmp_path / "audit.jsonl", KeyStore(tmp_path / "s").current()
    _log(audit, 3, run="job run-0001", signer=key)
    import hashlib

    tip = hashlib.sha256(_lines(audit)[-1].rstrip("\n").encode()).hexdigest()
    with open(audit, "ab") as f:  # a process killed mid-write (in the middle of the prev hash)
        f.write(f'{{"prev":"{tip}","ts":"2026-'.encode()[:60])
    _log(audit, 3, run="ignored: the file names its run", signer=key, start=3)
    recs = list(read.records(audit))  # the reader skips the cut line
    assert len(recs) == 6 and recs[3]["run"] == "job run-0001" and recs[3]["resumed"]
    v = verify_file(audit)
    assert v.intact, v.problems
    assert v.signatures == 2 and v.chains[0].lines == 7 and any("cut short" in n for n in v.notes)
    assert load(audit).records == 6 and load(audit).bad_lines == 1  # the report counts the cut line apart


def test_merged_cluster_logs_keep_every_workers_chain_verifiable(tmp_path):
    key = KeyStore(tmp_path / "s").current()
    files = []
    for w in ("w1", "w2", "w3"):
        path = tmp_path / f"audit.{w}.jsonl"
        _log(path, 5, run=f"cluster {w}", signer=key)
        files.append(path)
    out = tmp_path / "merged.jsonl"
    counts = merge(files, out)
    assert counts["records"] == 15
    v = verify_file(out)
    assert v.intact and len(v.chains) == 3 and v.signatures == 3, v.problems
    lines = _lines(out)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:7] + lines[8:]))
    (tmp_path / "cut.jsonl.sig").write_bytes((tmp_path / "merged.jsonl.sig").read_bytes())
    assert not verify_file(cut).intact
    # a whole worker's chain dropped from the merge: its signature names lines that are gone
    drop = tmp_path / "drop.jsonl"
    drop.write_text("".join(x for x in lines if '"cluster w2"' not in x and json.loads(x)["prev"] not in
                            {__import__("hashlib").sha256(y.rstrip("\n").encode()).hexdigest() for y in lines
                             if '"cluster w2"' in y}))
    (tmp_path / "drop.jsonl.sig").write_bytes((tmp_path / "merged.jsonl.sig").read_bytes())
    assert not verify_file(drop).intact


def test_keys_rotation_keeps_old_keys_published(tmp_path):
    state = str(tmp_path / "state")
    run = lambda *a: subprocess.run([sys.executable, "-m", "crawler", "keys", "--state", state, *a],  # noqa: E731
                                    capture_output=True, text=True)
    first = json.loads(run("--jwks").stdout)["keys"]
    assert len(first) == 1 and first[0]["kty"] == "OKP" and first[0]["kid"] == thumbprint(first[0])
    both = json.loads(run("--new", "--jwks").stdout)["keys"]
    assert len(both) == 2 and both[1]["kid"] == first[0]["kid"]  # newest first, the old one still there
    assert KeyStore(state).current().keyid == both[0]["kid"]
    assert json.loads(run("--retire", first[0]["kid"], "--jwks").stdout)["keys"] == both[:1]
    r = run("--retire", "nope")
    assert r.returncode == 2 and "no such key" in r.stderr
    r = run("--retire", "-nope")  # a key id may begin with '-' (base64url): still read as the value
    assert r.returncode == 2 and "no such key" in r.stderr, r.stderr
    assert oct(os.stat(Path(state) / "keys").st_mode & 0o777) == "0o700"
    bare = subprocess.run([sys.executable, "-m", "crawler", "keys", "--jwks"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert bare.returncode == 2 and "pass --state DIR" in bare.stderr and not (tmp_path / "keys").exists()


def test_crawl_with_sign_audit_verifies_and_usage_errors(tmp_path):
    from crawler.cli.localsite import LocalServer
    from tests.sites import SITES

    audit = tmp_path / "audit.jsonl"
    with LocalServer({"ok.test": SITES["ok.test"]}) as srv:  # its own server: the session's counts hits per test
        r = subprocess.run([sys.executable, "-m", "crawler", "crawl", srv.url("ok.test"), "--contact", "mailto:a@b.org",
                            "--resolve", "ok.test=127.0.0.1", "--allow-network", "127.0.0.1/32", "--audit", str(audit),
                            "--sign-audit", "--state", str(tmp_path / "state"), "--delay", "0.05"],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    v = _verify(str(audit))
    assert v.returncode == 0 and "1 valid signature" in v.stdout, v.stdout
    recs = list(read.records(audit))
    assert recs[0]["prev"] is None and all(x["prev"] for x in recs[1:])
    bad = subprocess.run([sys.executable, "-m", "crawler", "crawl", "http://ok.test/", "--contact", "mailto:a@b.org",
                          "--sign-audit"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--sign-audit needs --audit" in bad.stderr
    assert _verify(str(tmp_path / "missing.jsonl")).returncode == 2


def test_an_inserted_line_and_a_cut_line_not_followed_by_a_resume_are_caught(tmp_path):
    audit = tmp_path / "audit.jsonl"
    _log(audit, 4)
    lines = _lines(audit)
    inserted = tmp_path / "inserted.jsonl"
    inserted.write_text("".join(lines[:2] + ['{"url":"http://a.test/added","decision":"fetched"}\n'] + lines[2:]))
    v = verify_file(inserted)
    assert not v.intact and v.problems[0].startswith("line 3: no 'prev' field")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("".join(lines[:2] + ["not json at all\n"] + lines[2:]))
    assert verify_file(garbage).problems[0].startswith("line 3: not a JSON object")
    # a 'cut' line in the middle must be followed by a resumed process's first line
    import hashlib

    tip = hashlib.sha256(lines[1].rstrip("\n").encode()).hexdigest()
    cut = f'{{"prev":"{tip}","ts":"20'
    fake = tmp_path / "fake-cut.jsonl"
    nxt = json.loads(lines[2])
    nxt["prev"] = hashlib.sha256(cut.encode()).hexdigest()
    fake.write_text("".join(lines[:2] + [cut + "\n", json.dumps(nxt, separators=(",", ":")) + "\n"]))
    v = verify_file(fake)
    assert not v.intact and "line 4: follows the cut line 3, but is not the first line of a resumed process" in v.problems[0]
