"""``civilcrawl run``: job files, the lock, graceful stops, incremental re-crawls, outputs and exit statuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from crawler.cli.localsite import LocalServer, Reply, Site, html
from crawler.jobs.config import JobError, load_job
from crawler.jobs.lock import JobLock
from crawler.jobs.progress import render
from tests.jobs_support import page_hits, read_jsonl, run_job, start_job, summary, tree_site, write_job
from tests.sites import meta_page

OWN = {"/.well-known/tdmrep.json", "/ai.txt"}
BAD_MOVES = {"/to-file": "file:///etc/passwd", "/to-ftp": "ftp://badmove.test/f", "/to-data": "data:text/plain,hi",
             "/to-v6": "http://[bad", "/to-port": "http://badmove.test:99999/"}  # redirects no job may follow  # the gate's own files, kept in the state folder like robots.txt


@pytest.fixture(scope="module")
def srv():
    pages = {f"/p{i}": Reply(body=html(f"page {i}", "text " * 100, ["/", f"/p{(i + 1) % 8}"])) for i in range(8)}
    sites = {
        "inc.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                          "/": Reply(body=html("home", "x", [f"/p{i}" for i in range(8)])), **pages}),
        "slow.test": tree_site(pages=20, sections=2),
        "sitecap.test": tree_site(pages=20, sections=2),
        "moves.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                            "/": Reply(body=html("home", "x", ["/out", "/a"])), "/a": Reply(body=html("a")),
                            "/out": Reply(302, headers={"Location": "http://away.test/"})}),
        "badmove.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                              "/": Reply(body=html("home", "x", [*BAD_MOVES, "/a", "/spaced"])),
                              "/a": Reply(body=html("a")), "/a%20b": Reply(body=html("a b")),
                              "/spaced": Reply(302, headers={"Location": "/a b"}),  # followed as Scrapy spells it
                              **{path: Reply(302, headers={"Location": to}) for path, to in BAD_MOVES.items()}}),
        "nf.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                         "/": meta_page("home", links='<a href="/a">a</a><a rel="nofollow" href="/only-nf">n</a>'
                                                      '<a rel="nofollow" href="/both">b</a>'),
                         "/a": meta_page("a", '<meta name="robots" content="nofollow">',
                                         '<a href="/behind-nofollow-page">x</a><a href="/both">b</a>'),
                         "/both": meta_page("both")}),
        "lock.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                           "/": Reply(body=html("home"))}),
    }
    with LocalServer(sites) as server:
        yield server


# -- job files ---------------------------------------------------------------------------------------------------

def test_job_file_problems_name_file_line_and_field(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: st\n"
                   "limits:\n  delay: -1\n  max_pagez: 3\nnetwork:\n  allow_networks: [not-a-net]\n"
                   "outputz: {}\n", "utf-8")
    with pytest.raises(JobError) as err:
        load_job(job)
    text = str(err.value)
    assert f"{job}:5: limits.delay: must be a number >= 0" in text
    assert f"{job}:6: limits.max_pagez: unknown key — did you mean 'max_pages'?" in text
    assert f"{job}:8: network.allow_networks: 'not-a-net'" in text
    assert f"{job}:9: outputz: unknown key — did you mean 'outputs'?" in text


@pytest.mark.parametrize("text,message", [
    ("seeds: [https://example.org/]\nstate: s\n", ":1: contact: required"),
    ("seeds: [ftp://example.org/]\ncontact: mailto:a@example.org\nstate: s\n", ":1: seeds: item 1:"),
    ("seeds: [https://example.org/]\ncontact: nobody\nstate: s\n", ":2: contact:"),
    ("seeds: [https://example.org/\ncontact: x\n", "not valid YAML"),
    ("- just a list\n", "a job file is a mapping"),
    ("seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: s\npurpose: spying\n",
     ":4: purpose: must be one of search, archive, research, ai-train"),
    ("seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: s\nredis: localhost\n", ":4: redis:"),
    ("seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: s\npolicies: [pol]\n", "pol"),
])
def test_bad_job_file_exits_2_and_touches_nothing(tmp_path, text, message):
    job = tmp_path / "job.yaml"
    job.write_text(text, "utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    p = subprocess.run([sys.executable, "-m", "crawler", "run", str(job)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr and str(job) in p.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_relative_paths_resolve_against_the_job_file(tmp_path):
    folder = tmp_path / "jobs"
    folder.mkdir()
    (folder / "job.yaml").write_text("seeds: https://example.org/\ncontact: mailto:a@example.org\nstate: ../state\n"
                                     "outputs: {dir: out, report: true}\npolicies: [pol]\npurpose: research\n"
                                     "images: {dir: img}\nredis: {url: 'redis://127.0.0.1:6379/0', cluster: c1}\n"
                                     "terms: discover\nart3: true\n", "utf-8")
    job = load_job(folder / "job.yaml")
    assert job.state == tmp_path / "state" or job.state.resolve() == (tmp_path / "state").resolve()
    assert job.outputs == folder.resolve() / "out"
    assert job.policies == [folder.resolve() / "pol"] and job.purpose == "research" and job.report
    assert job.images and job.images_dir == folder.resolve() / "img"
    assert (job.redis_url, job.cluster, job.terms, job.art3) == ("redis://127.0.0.1:6379/0", "c1", "discover", True)


# -- one at a time --------------------------------------------------------------------------------------------

def test_second_run_while_one_runs_exits_75_touching_nothing(tmp_path, srv):
    job = write_job(tmp_path, srv, "lock.test")
    state = tmp_path / "state"
    with JobLock(state):  # as a running job holds it
        before = {p: p.stat().st_mtime_ns for p in state.rglob("*")}
        t = time.monotonic()
        p = run_job(job, timeout=30)
        took = time.monotonic() - t
        assert p.returncode == 75, p.stderr
        assert "another run of this job is in progress" in p.stderr and f"pid {os.getpid()}" in p.stderr
        assert {p: p.stat().st_mtime_ns for p in state.rglob("*")} == before, "nothing created or changed"
    assert took < 10
    assert not srv.hits_for("lock.test")
    assert run_job(job).returncode == 0, "the lock is free again once its holder is gone"


def test_lock_message_is_json_with_json_logs(tmp_path, srv):
    job = write_job(tmp_path, srv, "lock.test")
    with JobLock(tmp_path / "state"):
        p = run_job(job, "--log-format", "json", timeout=30)
    assert p.returncode == 75, p.stderr
    lines = [json.loads(line) for line in p.stderr.splitlines() if line.strip()]  # every line is one JSON object
    assert len(lines) == 1 and lines[0]["level"] == "WARNING"
    assert "another run of this job is in progress" in lines[0]["message"]


def test_lock_held_by_a_real_run(tmp_path, srv):
    job = write_job(tmp_path, srv, "slow.test", delay=0.5)
    first = start_job(job)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "state" / "frontier.sqlite3").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_job(job, timeout=30)
        assert second.returncode == 75 and "in progress" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)


# -- graceful stop, then resume ------------------------------------------------------------------------------

def test_sigterm_stops_within_seconds_and_the_next_run_resumes(tmp_path, srv):
    job = write_job(tmp_path, srv, "slow.test", delay=0.4)
    audit = tmp_path / "state" / "runs" / "run-0001" / "audit.jsonl"
    p = start_job(job)
    deadline = time.monotonic() + 30
    while len(read_jsonl(audit)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - t < 5, "a graceful stop does not drain the queue at crawl-delay pace"
    assert p.returncode == 3, err
    first = summary(job, 1)
    assert first["status"] == "interrupted" and first["pages"]["pending"] > 0
    r = run_job(job)
    assert r.returncode == 0, r.stderr
    done = summary(job, 1)
    assert done["status"] == "complete" and done["resumes"] == 1 and done["pages"]["new"] == 23
    hits = page_hits(srv, "slow.test")
    assert len(hits) - len(OWN & set(hits)) == 23
    assert all(n == 1 for path, n in hits.items() if path not in OWN), "no page fetched twice"
    items = read_jsonl(tmp_path / "state" / "runs" / "run-0001" / "items.jsonl")
    assert len(items) == len({i["url"] for i in items}) == 23


def test_a_sites_page_budget_holds_across_a_stop_and_resume(tmp_path, srv):
    """A policy's crawl.max_pages counts the pages the job's earlier processes fetched (from their audit log)."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "sitecap.yaml").write_text("site: sitecap.test\ncrawl:\n  max_pages: 8\n", "utf-8")
    job = write_job(tmp_path, srv, "sitecap.test", delay=0.3, extra="policies: [policies]\n")
    audit = tmp_path / "state" / "runs" / "run-0001" / "audit.jsonl"
    p = start_job(job)
    deadline = time.monotonic() + 30
    while len([r for r in read_jsonl(audit) if r["decision"] == "fetched" and r["reason"] in ("ok", "rate")]) < 4 \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 3, err
    r = run_job(job)
    assert r.returncode in (0, 4), r.stderr
    hits = page_hits(srv, "sitecap.test")
    assert sum(n for path, n in hits.items() if path not in OWN) == 8, hits
    records = read_jsonl(audit)
    assert any(x["decision"] == "skipped" and "site budget of 8 pages" in x["detail"] for x in records)


def test_a_redirect_out_of_scope_is_a_decision_the_job_completes_with(tmp_path, srv):
    job = write_job(tmp_path, srv, "moves.test")
    r = run_job(job)
    assert r.returncode == 0, r.stderr
    assert summary(job, 1)["status"] == "complete"
    records = read_jsonl(tmp_path / "state" / "runs" / "run-0001" / "audit.jsonl")
    away = [x for x in records if x["url"] == "http://away.test/"]
    assert [(x["decision"], x["reason"]) for x in away] == [("skipped", "scope")]
    assert set(page_hits(srv, "moves.test")) - OWN == {"/", "/a", "/out"}


def test_a_redirect_to_a_bad_url_is_one_refusal_and_the_job_completes(tmp_path, srv):
    """Locations that are not http(s) or that no parser takes: the source is a redirect, its target one bad-url
    refusal; nothing is left queued (the run was left interrupted, or hung on ``http://[bad``). A Location with a
    space is queued as it is followed (``%20``), not as written (that row stayed queued: interrupted every run)."""
    job = write_job(tmp_path, srv, "badmove.test")
    for run in (1, 2):
        before = len(srv.hits)
        r = run_job(job, timeout=60)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-3000:]
        s = summary(job, run)
        assert (s["status"], s["exit_status"]) == ("complete", 0)
        assert {k: s["pages"][k] for k in ("redirects", "errors", "pending", "refused")} == \
            {"redirects": 6, "errors": 0, "pending": 0, "refused": 5}, s["pages"]
        records = read_jsonl(tmp_path / "state" / "runs" / f"run-{run:04d}" / "audit.jsonl")
        bad = [x for x in records if x["reason"] == "bad-url"]
        assert sorted(x["url"] for x in bad) == sorted(BAD_MOVES.values()), bad
        assert all(x["decision"] == "refused" and "redirect from" in x["detail"] for x in bad)
        hits = [h.path for h in srv.hits[before:] if h.host == "badmove.test" and h.path not in OWN]
        assert sorted(hits) == sorted(["/", "/a", "/spaced", "/a%20b", *BAD_MOVES]
                                      + (["/robots.txt"] if run == 1 else [])), hits


# -- incremental ----------------------------------------------------------------------------------------------

def test_incremental_run_records_the_same_decisions(tmp_path, srv):
    """Run 2 (every page 304) records the nofollow-only links too, and reads no decision file again."""
    job = write_job(tmp_path, srv, "nf.test", delay=0)
    kinds = []
    for run in (1, 2):
        before = len(srv.hits)
        assert run_job(job).returncode == 0
        recs = read_jsonl(tmp_path / "state" / "runs" / f"run-{run:04d}" / "audit.jsonl")
        kinds.append(sorted((r["url"].split(str(srv.port), 1)[-1], r["decision"], r["reason"]) for r in recs
                            if r["reason"] not in ("robots-txt", "tdmrep", "ai-txt")))
        own = [h.path for h in srv.hits[before:] if h.host == "nf.test" and (h.path in OWN or h.path == "/robots.txt")]
        assert own == ([] if run == 2 else ["/robots.txt", "/.well-known/tdmrep.json"]), own
    assert ("/only-nf", "skipped", "nofollow") in kinds[0] and ("/behind-nofollow-page", "skipped", "nofollow") in kinds[0]
    assert kinds[1] == kinds[0], "the same URLs get the same kinds of decision"
    assert summary(job, 2)["pages"]["unchanged"] == 2  # / and /a


def test_incremental_run_asks_conditionally_and_counts_changes(tmp_path, srv, capsys):
    job = write_job(tmp_path, srv, "inc.test", delay=0, extra="outputs: {report: true}\n")
    site = srv.sites["inc.test"]

    def run_and_measure() -> tuple[dict, int, int]:
        before = len(srv.hits)
        r = run_job(job)
        assert r.returncode == 0, r.stderr
        hits = [h for h in srv.hits[before:] if h.host == "inc.test" and h.path not in OWN]
        result = json.loads((tmp_path / "state" / "runs" / "latest" / "summary.json").read_text("utf-8"))
        return result, len(hits), sum(h.bytes for h in hits)

    s1, req1, bytes1 = run_and_measure()
    assert s1["pages"]["new"] == 9 and s1["exit_status"] == 0
    s2, req2, bytes2 = run_and_measure()
    assert s2["run"] == 2 and s2["pages"] == {**s2["pages"], "new": 0, "changed": 0, "unchanged": 9}
    assert s2["requests"]["not_modified"] == 9
    assert bytes2 == 0, "no body downloaded again"
    assert req2 == req1 - 1, "robots.txt comes from the cache (< 24 h); every page asked once, conditionally"
    assert read_jsonl(tmp_path / "state" / "runs" / "run-0002" / "items.jsonl") == []
    with capsys.disabled():
        print(f"\n[incremental] run 1: {req1} requests, {bytes1} body bytes; "
              f"run 2: {req2} requests, {bytes2} body bytes ({s2['requests']['not_modified']} x 304)")
    site.routes["/p3"] = Reply(body=html("page 3", "new text", ["/", "/p4", "/extra"]))
    site.routes["/extra"] = Reply(body=html("extra", "brand new"))
    s3, _, _ = run_and_measure()
    assert (s3["pages"]["new"], s3["pages"]["changed"], s3["pages"]["unchanged"]) == (1, 1, 8)
    items = read_jsonl(tmp_path / "state" / "runs" / "run-0003" / "items.jsonl")
    assert sorted((i["url"].rsplit("/", 1)[1], i["change"]) for i in items) == [("extra", "new"), ("p3", "changed")]
    runs = tmp_path / "state" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == ["latest", "run-0001", "run-0002", "run-0003"]
    assert os.readlink(runs / "latest") == "run-0003"
    assert {p.name for p in (runs / "run-0003").iterdir()} == {"items.jsonl", "audit.jsonl", "audit.jsonl.sig",
                                                              "summary.json", "report.html"}


def test_json_logs_are_one_object_per_line(tmp_path, srv):
    job = write_job(tmp_path, srv, "lock.test", delay=0)
    p = subprocess.run([sys.executable, "-m", "crawler", "run", str(job), "--log-format", "json", "-v"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines)
    assert any("progress" in json.loads(line)["message"] for line in lines), "a final progress record"


def test_progress_line_names_refusals_and_waiting_hosts():
    snap = {"fetched": 12, "refused": {"robots": 3, "private-network": 1}, "pending": 40,
            "hosts_waiting": {"a.test": "2 waiting, gap 1 s from Crawl-delay 1", "b.test": "paused 30 s: HTTP 429"}}
    line = render(snap, 400)
    assert line.startswith("fetched 12 | refused/skipped robots 3, private-network 1 | pending 40 | waiting a.test")
    assert "b.test (paused 30 s: HTTP 429)" in line
    assert len(render(snap, 40)) == 40
