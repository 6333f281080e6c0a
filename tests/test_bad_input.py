"""A battery of bad input: each one is a clear message and exit 2 (or a clear non-zero), no traceback, and no
request reaches the local listener. Output paths are checked before anything starts and nothing is made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli.localsite import Reply, Site, html
from tests.conftest import CONTACT

HOST = "badinput.test"


@pytest.fixture(scope="module")
def site(server):
    server.sites[HOST] = Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                               "/": Reply(body=html("home", "hello", ["/a"])), "/a": Reply(body=html("a", "aaa"))})
    return server


def civilcrawl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def crawl_args(site) -> list[str]:
    return ["crawl", site.url(HOST), "--contact", CONTACT, "--resolve", f"{HOST}=127.0.0.1",
            "--allow-network", "127.0.0.1/32", "--delay", "0"]


def tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def assert_refused_cleanly(p: subprocess.CompletedProcess, *words: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr
    for word in words:
        assert word in p.stderr, (word, p.stderr)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "plain.txt").write_text("a regular file\n")
    (tmp_path / "adir").mkdir()
    return tmp_path


OUTPUT_CASES = {
    "out under a regular file": (["--out", "plain.txt/items.jsonl"], "--out plain.txt/items.jsonl", "is a file"),
    "out is a folder": (["--out", "adir"], "--out adir", "is a folder; a file is wanted"),
    "out in /proc": (["--out", "/proc/version"], "--out /proc/version", "kernel file system"),
    "audit under a regular file": (["--audit", "plain.txt/a/audit.jsonl"], "--audit plain.txt/a/audit.jsonl",
                                   "is a file"),
    "audit is a folder": (["--audit", "adir"], "--audit adir", "a file is wanted"),
    "state is a file": (["--state", "plain.txt"], "--state plain.txt", "a folder is wanted"),
    "state in /proc": (["--state", "/proc/self/state"], "--state /proc/self/state", "kernel file system"),
    "audit to stdout": (["--out", "-", "--audit", "-"], "--audit -", "must be a file"),
    "images-dir under a file": (["--images", "--images-dir", "plain.txt/img"], "--images-dir plain.txt/img",
                                "is a file"),
}


@pytest.mark.parametrize("case", list(OUTPUT_CASES))
def test_bad_output_path(site, folder, case):
    args, names, why = OUTPUT_CASES[case]
    before, hits = tree(folder), len(site.hits_for(HOST))
    p = civilcrawl(*crawl_args(site), *args, cwd=folder)
    assert_refused_cleanly(p, names, why, "Nothing was fetched or written")
    assert tree(folder) == before, "nothing made or changed"
    assert len(site.hits_for(HOST)) == hits, "no request sent"


def test_output_folder_that_cannot_be_written(site, folder):
    """Root ignores permission bits: an immutable folder (chattr +i) is one even root cannot write in."""
    locked = folder / "locked"
    locked.mkdir()
    if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        hits = len(site.hits_for(HOST))
        p = civilcrawl(*crawl_args(site), "--out", "locked/items.jsonl", "--state", "locked", cwd=folder)
        assert_refused_cleanly(p, "--out locked/items.jsonl", "--state locked", "not writable")
        assert len(site.hits_for(HOST)) == hits
        assert not list(locked.iterdir())
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=True)


JOB_CASES = {
    "state is a file": ("state: plain.txt\n", "job.yaml:3: state:", "a folder is wanted"),
    "outputs in /proc": ("state: st\noutputs:\n  dir: /proc/version/runs\n", "job.yaml:5: outputs.dir:",
                         "kernel file system"),
    "outputs under a file": ("state: st\noutputs:\n  dir: plain.txt/runs\n", "job.yaml:5: outputs.dir:", "is a file"),
    "images under a file": ("state: st\nimages: {dir: plain.txt/img}\n", "job.yaml:4: images.dir:", "is a file"),
}


@pytest.mark.parametrize("case", list(JOB_CASES))
def test_bad_job_paths(site, folder, case):
    body, where, why = JOB_CASES[case]
    (folder / "job.yaml").write_text(f"seeds: [{site.url(HOST)}]\ncontact: {CONTACT}\n{body}"
                                     f"network:\n  allow_networks: [127.0.0.1/32]\n  resolve: {{{HOST}: 127.0.0.1}}\n")
    before, hits = tree(folder), len(site.hits_for(HOST))
    p = civilcrawl("run", "job.yaml", "--progress", "off", cwd=folder)
    assert_refused_cleanly(p, where, why)
    assert tree(folder) == before, "no state folder, lock or run folder made"
    assert len(site.hits_for(HOST)) == hits


@pytest.mark.parametrize("option,value,wants", [("--max-pages", "abc", "whole number >= 0"),
                                                ("--max-depth", "-1", "whole number >= 0"),
                                                ("--delay", "soon", "number >= 0"),
                                                ("--host-concurrency", "0", "whole number >= 1"),
                                                ("--timeout", "inf", "finite number >= 0")])
def test_bad_option_values_name_the_option(site, folder, option, value, wants):
    hits = len(site.hits_for(HOST))
    p = civilcrawl(*crawl_args(site), option, value, cwd=folder)
    assert_refused_cleanly(p, f"argument {option}: expected a {wants}")
    assert "_nonneg" not in p.stderr and "_pos_int" not in p.stderr
    assert len(site.hits_for(HOST)) == hits


def test_out_dash_writes_items_to_stdout(site, folder):
    p = civilcrawl(*crawl_args(site), "--out", "-", "--audit", "audit.jsonl", cwd=folder)
    assert p.returncode == 0, p.stderr
    items = [json.loads(line) for line in p.stdout.splitlines()]  # every line of stdout is an item
    assert sorted(i["url"] for i in items) == [site.url(HOST), site.url(HOST, "/a")]
    assert "crawl finished" in p.stderr and "items on standard output" in p.stderr, "the summary goes to stderr"
    assert not (folder / "-").exists()


def test_report_on_a_page_that_is_not_an_audit_log(folder):
    (folder / "page.html").write_text("<!doctype html>\n<html><body><p>hello</p></body></html>\n")
    p = civilcrawl("report", "page.html", "-o", "report.html", cwd=folder)
    assert_refused_cleanly(p, "page.html: is not an audit log", "line 1 reads '<!doctype html>'")
    assert not (folder / "report.html").exists()


def test_report_counts_lines_that_are_not_records(folder):
    good = {"ts": "2026-01-01T00:00:00Z", "url": "http://a.test/", "host": "a.test", "decision": "fetched",
            "reason": "ok", "detail": ""}
    (folder / "audit.jsonl").write_text(json.dumps(good) + "\n<html>\n" + json.dumps({"x": 1}) + "\n{torn")
    p = civilcrawl("report", "audit.jsonl", "-o", "report.html", cwd=folder)
    assert p.returncode == 0, p.stderr
    assert "3 lines are not audit records" in p.stderr and "the first is line 2" in p.stderr
    assert "1 records" in p.stdout and "3 lines not counted" in p.stdout


def test_report_to_an_unwritable_path_blames_the_output(folder):
    good = {"url": "http://a.test/", "host": "a.test", "decision": "fetched", "reason": "ok"}
    (folder / "audit.jsonl").write_text(json.dumps(good) + "\n")
    for out, why in (("plain.txt/report.html", "is a file"), ("/proc/version", "kernel file system"),
                     ("adir", "is a folder")):
        p = civilcrawl("report", "audit.jsonl", "-o", out, cwd=folder)
        assert_refused_cleanly(p, f"-o {out}", why)
        assert "audit.jsonl" not in p.stderr, "the input is not blamed"


def test_image_check_on_a_loopback_url(site, folder):
    hits = len(site.hits)
    p = civilcrawl("image-check", "--contact", CONTACT, site.url("127.0.0.1", "/img.png"), cwd=folder)
    assert p.returncode == 1 and "not fetched: private-network" in p.stderr and "Traceback" not in p.stderr
    assert len(site.hits) == hits, "the loopback listener received no request"


def test_pillow_bomb_warning_does_not_leak(folder):
    from PIL import Image

    Image.new("1", (10_000, 9_000)).save(folder / "bomb.png")  # 90 Mpx: over Pillow's own warning level
    p = civilcrawl("image-check", "bomb.png", cwd=folder)
    assert p.returncode == 0 and "REFUSED (too-large)" in p.stdout
    assert "DecompressionBombWarning" not in p.stderr and not p.stderr.strip(), p.stderr


def test_tos_write_under_a_file(site, folder):
    hits = len(site.hits_for(HOST))
    p = civilcrawl("tos", site.url(HOST), "--contact", CONTACT, "--resolve", f"{HOST}=127.0.0.1",
                   "--allow-network", "127.0.0.1/32", "--write", "plain.txt/policies", cwd=folder)
    assert_refused_cleanly(p, "--write plain.txt/policies", "is a file")
    assert len(site.hits_for(HOST)) == hits
