"""A site's page budget spent across a stop and resume: the resumed job fetches exactly the pages an
uninterrupted one does (images, the gate's own files and a reused answer spend nothing; a retry spends again)."""

from __future__ import annotations

import io
import signal
import time

import pytest
from PIL import Image

from crawler.audit import log as A
from crawler.cli.localsite import LocalServer, Reply, Site, html
from crawler.jobs.resume import reconcile
from crawler.queue.journal import Journal
from tests.jobs_support import read_jsonl, run_job, start_job, write_job

BUDGET = 8
OWN = {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}


def png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 255 - shade, 90)).save(out, "PNG")
    return out.getvalue()


def once_unavailable(body: str):
    """A route that answers 503 (Retry-After: 0) the first time, then the page: the retry spends a page again."""
    seen: list[object] = []

    def route(hit):
        seen.append(hit)
        if len(seen) == 1:
            return Reply(503, body="busy", headers={"Retry-After": "0"})
        return Reply(body=body)

    return route


def gallery_site() -> Site:
    """``/`` and ``/p0``..``/p19``, each page linking on and showing two images of its own."""
    def page(i: int) -> str:
        imgs = f'<img src="/img/{i}a.png" alt="a"><img src="/img/{i}b.png" alt="b">'
        return html(f"page {i}", "text " * 50 + imgs, [f"/p{(i + 1) % 20}", f"/p{(i + 7) % 20}"])

    routes: dict = {"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                    "/": once_unavailable(html("home", "x", [f"/p{i}" for i in range(3)]))}
    for i in range(20):
        routes[f"/p{i}"] = Reply(body=page(i))
        for k, shade in (("a", 3 * i), ("b", 200 - 3 * i)):
            routes[f"/img/{i}{k}.png"] = Reply(body=png(shade), content_type="image/png")
    return Site(routes)


@pytest.fixture(scope="module")
def srv():
    with LocalServer({"whole.test": gallery_site(), "halves.test": gallery_site()}) as server:
        yield server


def _job(tmp_path, srv, host: str):
    (tmp_path / "policies").mkdir(parents=True)
    (tmp_path / "policies" / "cap.yaml").write_text(f"site: {host}\ncrawl:\n  max_pages: {BUDGET}\n", "utf-8")
    return write_job(tmp_path, srv, host, delay=0.15, extra="policies: [policies]\nimages: true\n")


def _page_hits(srv, host: str) -> int:
    """Requests for pages that reached the server, retries included: what the live budget spends."""
    return sum(1 for h in srv.hits_for(host) if h.path not in OWN and not h.path.startswith("/img/"))


def test_a_resumed_site_budget_counts_what_the_live_budget_counts(tmp_path, srv):
    whole = _job(tmp_path / "whole", srv, "whole.test")
    r = run_job(whole)
    assert r.returncode in (0, 4), r.stderr
    uninterrupted = _page_hits(srv, "whole.test")
    assert uninterrupted == BUDGET, "the live budget: one page per request sent, the retried home page twice"
    images = [h for h in srv.hits_for("whole.test") if h.path.startswith("/img/")]
    assert images, "the pages' images were fetched (and spend no page)"

    job = _job(tmp_path / "halves", srv, "halves.test")
    audit = tmp_path / "halves" / "state" / "runs" / "run-0001" / "audit.jsonl"
    p = start_job(job)
    deadline = time.monotonic() + 30

    def enough() -> bool:
        recs = [x for x in read_jsonl(audit) if x["decision"] == "fetched"]
        return sum("/img/" in x["url"] for x in recs) >= 4 and sum("/p" in x["url"] for x in recs) >= 3

    while not enough() and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 3, err
    before_resume = _page_hits(srv, "halves.test")
    assert before_resume < BUDGET, "stopped midway"
    r = run_job(job)
    assert r.returncode in (0, 4), r.stderr
    resumed = _page_hits(srv, "halves.test")
    print(f"\n[budget] uninterrupted {uninterrupted} pages, stopped at {before_resume}, resumed to {resumed}")
    assert resumed == uninterrupted == BUDGET
    assert any(x["decision"] == "skipped" and f"site budget of {BUDGET} pages" in x["detail"]
               for x in read_jsonl(audit))


def _plan(tmp_path, records: list[tuple[str, str, str, dict]]):
    journal = Journal(tmp_path)
    journal.open_run()
    log = A.AuditLog(tmp_path / "audit.jsonl")
    for url, decision, reason, extra in records:
        log.record(url, "a.test", decision, reason, **extra)
    log.close()
    return reconcile(journal, str(tmp_path / "audit.jsonl"), None)


def test_resume_counts_the_pages_the_records_say_they_spent(tmp_path):
    plan = _plan(tmp_path, [
        ("http://a.test/robots.txt", A.FETCHED, "robots-txt", {}),
        ("http://a.test/", A.FETCHED, "terms", {"spent": 1}),  # read for terms discovery: a page
        ("http://a.test/", A.FETCHED, "ok", {}),  # the same answer reused: nothing spent again
        ("http://a.test/a", A.FETCHED, "retry-after", {"spent": 2}),  # a 503, then its retry
        ("http://a.test/a.png", A.FETCHED, "ok", {}),  # an accepted image
        ("http://a.test/big", A.REFUSED, "too-large", {"spent": 1}),  # sent, then cut at the size cap
        ("http://a.test/b", A.FETCHED, "error", {}),  # a spider callback's error: a second record
    ])
    assert plan.pages_fetched == 4 and plan.origin_pages == {"http://a.test": 4}


def test_resume_of_a_log_from_before_spent_counts_page_records_as_it_did(tmp_path):
    plan = _plan(tmp_path, [("http://a.test/robots.txt", A.FETCHED, "robots-txt", {}),
                            ("http://a.test/", A.FETCHED, "ok", {}), ("http://a.test/a.png", A.FETCHED, "ok", {}),
                            ("http://a.test/x", A.REFUSED, "robots", {})])
    assert plan.pages_fetched == 2, "never fewer than before: a site budget stops early, never late"
