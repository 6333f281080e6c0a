"""Resume after SIGKILL: every page fetched once (checked at the server), items and audit log complete."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter

import pytest

from crawler.audit import log as A
from crawler.cli.localsite import LocalServer, Reply, html
from crawler.jobs.resume import reconcile
from crawler.queue.journal import Journal
from tests.jobs_support import page_hits, read_jsonl, run_job, start_job, summary, tree_site, write_job

OWN = {"/.well-known/tdmrep.json", "/ai.txt"}  # the gate's own files, kept in the state folder like robots.txt
PAGES = 300 + 10 + 1  # pages, section pages, home


def stall_once(body: str):
    """A route whose first answer takes 3 s (the kill lands while it is in flight), later ones are quick."""
    hits = []

    def route(hit):
        hits.append(hit)
        return Reply(body=body, delay=3.0 if len(hits) == 1 else 0.0)

    return route


@pytest.fixture(scope="module")
def srv():
    stalled = tree_site(pages=40, sections=4)
    stalled.routes["/s1"] = stall_once(html("section 1", "pages", [f"/s1/p{i}" for i in range(10)] + ["/"]))
    skipped = tree_site(pages=40, sections=4)
    skipped.routes["/s1"] = stall_once(html("section 1", "pages", [f"/s1/p{i}" for i in range(10)] + ["/"]))
    sites = {"tree.test": tree_site(), "stall.test": stalled, "skip.test": skipped, "six.test": tree_site(100, 5),
             "replay.test": tree_site(pages=40, sections=4)}
    with LocalServer(sites) as server:
        yield server


def wait_for(pred, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_random_sigkills_lose_nothing_and_fetch_nothing_twice(tmp_path, srv, capsys):
    seed = int(os.environ.get("CIVIL_KILL_SEED") or int.from_bytes(os.urandom(4), "big"))  # to replay a failure
    rng = random.Random(seed)
    job = write_job(tmp_path, srv, "tree.test", delay=0.01)
    run_dir = tmp_path / "state" / "runs" / "run-0001"
    audit, items = run_dir / "audit.jsonl", run_dir / "items.jsonl"
    kills = 0
    for _ in range(5):
        before = max(len(read_jsonl(audit)), 2)  # robots.txt and tdmrep.json are read (and kept) before any page
        p = start_job(job)
        wait_for(lambda before=before, p=p: len(read_jsonl(audit)) > before or p.poll() is not None)
        time.sleep(rng.uniform(0.0, 0.8))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.communicate(timeout=30)
    r = run_job(job)
    assert r.returncode == 0, r.stderr
    s = summary(job, 1)
    hits = page_hits(srv, "tree.test")
    resent = {u.split(str(srv.port), 1)[1] for u in s["resent_urls"]}
    with capsys.disabled():
        print(f"\n[kill test] seed {seed}: {kills} SIGKILLs survived, {s['resumes']} resumes, "
              f"{len(resent)} in-flight requests re-sent {sorted(resent)}")
    assert kills >= 3, f"seed {seed}: the crawl should still be running at most kill moments"
    pages = {path: n for path, n in hits.items() if path not in OWN}
    assert len(pages) == PAGES, f"seed {seed}: every page reached"
    # the resume rule: a page in flight at a kill is sent once more, so a page is fetched at most once per kill
    # that caught it in flight (and not at all more if the kill came before its request reached the server)
    resends = resent_counts(tmp_path / "state", srv.port)
    assert {path for path, n in pages.items() if n != 1} <= resent, f"seed {seed}: a page was fetched twice"
    assert all(pages[path] <= 1 + resends[path] for path in resent), f"seed {seed}: {resends}"
    assert sum(resends.values()) <= kills, f"seed {seed}: at most one re-send per kill (one host)"
    own = Counter(h.path for h in srv.hits_for("tree.test") if h.path in OWN | {"/robots.txt"})
    assert own == {"/robots.txt": 1, "/.well-known/tdmrep.json": 1}, "decision reads kept in the state folder"
    item_urls = Counter(i["url"] for i in read_jsonl(items))
    assert len(item_urls) == PAGES and max(item_urls.values()) == 1, f"seed {seed}: items complete, none twice"
    finals = Counter(rec["url"] for rec in read_jsonl(audit) if rec["reason"] not in ("tdmrep", "ai-txt"))
    assert len(finals) == PAGES + 1 and max(finals.values()) == 1, f"seed {seed}: one final decision per URL"
    assert s["status"] == "complete" and s["pages"]["new"] == PAGES and s["pages"]["pending"] == 0
    # the audit log is one hash chain across every kill and resume, and the last process signed its end
    from crawler.audit.verify import verify_file

    v = verify_file(audit)
    assert v.intact, f"seed {seed}: {v.problems}"
    assert len(v.chains) == 1 and v.chains[0].signed_at == v.lines, f"seed {seed}: {v.notes}"
    assert sum(1 for r in read_jsonl(audit) if r.get("resumed")) >= s["resumes"]  # each process marks its start


def resent_counts(state, port: int) -> Counter:
    """Per path: how often the journal re-sent it after a kill."""
    journal = Journal(state)
    try:
        return Counter({url.split(str(port), 1)[1]: n for url, n in
                        journal.db.execute("SELECT url, resent FROM urls WHERE resent > 0")})
    finally:
        journal.close()


def test_six_sigkills_with_in_flight_skip_fetch_nothing_twice(tmp_path, srv):
    """Six SIGKILLs, each followed by a new run: no page and no decision read fetched twice, items once."""
    job = write_job(tmp_path, srv, "six.test", delay=0.05, extra="resume: {in_flight: skip}\n")  # paced: 6 kills fit
    audit = tmp_path / "state" / "runs" / "run-0001" / "audit.jsonl"
    stderr = []
    for kill in range(6):
        before = max(len(read_jsonl(audit)), 2)
        p = start_job(job)
        wait_for(lambda before=before, p=p: len(read_jsonl(audit)) >= before + 5 or p.poll() is not None)
        assert p.poll() is None, f"kill {kill + 1}: the crawl ended before it (make the site bigger)"
        p.send_signal(signal.SIGKILL)
        stderr.append(p.communicate(timeout=30)[1])
    r = run_job(job)
    assert r.returncode == 0, r.stderr
    assert not any("Traceback" in e for e in stderr + [r.stderr]), "no traceback"
    hits = Counter(h.path for h in srv.hits_for("six.test"))
    assert max(hits.values()) == 1, f"fetched twice: {[p for p, n in hits.items() if n > 1]}"
    assert hits["/robots.txt"] == hits["/.well-known/tdmrep.json"] == 1
    recs = read_jsonl(audit)
    per_url = Counter(rec["url"] for rec in recs)
    assert max(per_url.values()) == 1, [u for u, n in per_url.items() if n > 1]
    fetched = {rec["url"] for rec in recs if rec["decision"] == "fetched" and rec["reason"] not in ("robots-txt", "tdmrep")}
    assert len(fetched) == sum(n for p, n in hits.items() if p not in OWN | {"/robots.txt"})
    items = Counter(i["url"] for i in read_jsonl(audit.with_name("items.jsonl")))
    assert set(items) == fetched and max(items.values()) == 1, "an item for every fetched page, once"
    s = summary(job, 1)
    assert s["status"] == "complete" and s["resumes"] == 6 and not s["resent_urls"]


def _kill_while_in_flight(tmp_path, srv, host: str, extra: str = ""):
    job = write_job(tmp_path, srv, host, delay=0.01, extra=extra)
    p = start_job(job)
    wait_for(lambda: any(h.path == "/s1" for h in srv.hits_for(host)))
    time.sleep(0.3)  # the server is holding its answer
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    r = run_job(job)
    assert r.returncode == 0, r.stderr
    return job, summary(job, 1)


def test_in_flight_at_the_kill_is_resent_by_default(tmp_path, srv):
    job, s = _kill_while_in_flight(tmp_path, srv, "stall.test")
    hits = page_hits(srv, "stall.test")
    assert hits["/s1"] == 2 and s["resent_urls"] == [f"http://stall.test:{srv.port}/s1"]
    assert all(n == 1 for path, n in hits.items() if path not in OWN | {"/s1"})
    assert s["pages"]["new"] == 45, "no URL lost: the section's pages were crawled"
    recs = [r for r in read_jsonl(tmp_path / "state" / "runs" / "run-0001" / "audit.jsonl") if r["url"].endswith("/s1")]
    assert len(recs) == 1 and recs[0]["status"] == 200


def test_in_flight_at_the_kill_can_be_left_to_the_next_run(tmp_path, srv):
    job, s = _kill_while_in_flight(tmp_path, srv, "skip.test", extra="resume: {in_flight: skip}\n")
    hits = page_hits(srv, "skip.test")
    assert hits["/s1"] == 1 and all(n == 1 for path, n in hits.items() if path not in OWN), "nothing fetched twice"
    recs = [r for r in read_jsonl(tmp_path / "state" / "runs" / "run-0001" / "audit.jsonl") if r["url"].endswith("/s1")]
    assert [(r["decision"], r["reason"]) for r in recs] == [("skipped", "interrupted")]
    assert s["skipped_by_reason"] == {"interrupted": 1} and not s["resent_urls"]
    r = run_job(job)
    assert r.returncode == 0
    assert summary(job, 2)["pages"]["new"] >= 1 and page_hits(srv, "skip.test")["/s1"] == 2, "the next run fetches it"


def test_answer_stored_but_not_recorded_is_recorded_and_replayed_not_refetched(tmp_path):
    """The narrow window between 'received' and the audit write, and between the item write and 'done'."""
    journal = Journal(tmp_path)
    journal.open_run()
    for url in ("http://a.test/1", "http://a.test/2", "http://a.test/3"):
        journal.queue(url, 1)
        journal.sent(url, 1)
    journal.received("http://a.test/1", 200, {"Content-Type": ["text/html"]}, b"<title>one</title>")
    journal.received("http://a.test/2", 200, {}, b"two")
    audit, items = tmp_path / "audit.jsonl", tmp_path / "items.jsonl"
    log = A.AuditLog(audit)
    log.record("http://a.test/2", "a.test", A.FETCHED, "ok", status=200)
    log.close()
    items.write_text('{"url":"http://a.test/2"}\n')
    journal.close()
    journal = Journal(tmp_path)
    _, resumed = journal.open_run()
    plan = reconcile(journal, str(audit), str(items))
    assert resumed and [r.url for r in plan.replay] == ["http://a.test/1", "http://a.test/2"]
    assert plan.resent == ["http://a.test/3"] and plan.recovered_records == 1
    assert plan.items_written == {"http://a.test/2"}
    recs = read_jsonl(audit)
    assert [r["url"] for r in recs] == ["http://a.test/2", "http://a.test/1"] and recs[1]["status"] == 200
    assert journal.stored_response("http://a.test/1")[2] == b"<title>one</title>"


def test_page_received_before_the_kill_is_replayed_from_the_store(tmp_path, srv):
    """A kill after /s2's answer was stored and recorded but before its links were taken: no refetch, no loss."""
    job = write_job(tmp_path, srv, "replay.test", delay=0)
    assert run_job(job).returncode == 0
    run_dir = tmp_path / "state" / "runs" / "run-0001"
    base = f"http://replay.test:{srv.port}"
    children = {f"{base}/s2/p{i}" for i in range(10)}
    hits_before = page_hits(srv, "replay.test")
    # rewind the state to the moment of such a kill
    page = srv.sites["replay.test"].routes["/s2"].body.encode()
    journal = Journal(tmp_path / "state")
    journal.db.execute("UPDATE runs SET finished = NULL, status = NULL")
    journal.db.execute("DELETE FROM urls WHERE url LIKE ?", (f"{base}/s2/p%",))
    journal.db.execute("UPDATE urls SET state = 'received', status = 200, headers = ?, body = ?, digest = NULL, "
                        "links = NULL, etag = NULL, last_modified = NULL WHERE url = ?",
                        ('{"Content-Type": ["text/html; charset=utf-8"]}', page, f"{base}/s2"))
    journal.close()
    for name, keep in (("audit.jsonl", lambda r: r["url"] not in children),
                       ("items.jsonl", lambda r: r["url"] not in children | {f"{base}/s2"})):
        kept = [line for line in (run_dir / name).read_text().splitlines() if keep(json.loads(line))]
        (run_dir / name).write_text("".join(line + "\n" for line in kept))
    for h in list(srv.hits):  # the children were never fetched in this story
        if h.host == "replay.test" and h.path.startswith("/s2/p"):
            srv.hits.remove(h)
    r = run_job(job)
    assert r.returncode == 0, r.stderr
    hits = page_hits(srv, "replay.test")
    assert hits["/s2"] == hits_before["/s2"] == 1, "the stored answer was used, not a new fetch"
    assert all(hits[f"/s2/p{i}"] == 1 for i in range(10)), "its links were followed"
    items = {i["url"]: i for i in read_jsonl(run_dir / "items.jsonl")}
    assert children | {f"{base}/s2"} <= set(items) and items[f"{base}/s2"]["title"] == "section 2"
    assert len(read_jsonl(run_dir / "items.jsonl")) == len(items) == 45
    finals = Counter(rec["url"] for rec in read_jsonl(run_dir / "audit.jsonl"))
    assert finals[f"{base}/s2"] == 1 and all(finals[u] == 1 for u in children)
