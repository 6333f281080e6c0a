"""Pick up a run where a killed or stopped process left it, using the run's own output files as evidence.

The audit and items files are append-only (one write per line), so they say exactly which URLs got
their final decision and which items were written. Rows not yet 'done' are settled against them:

* a decision is in the audit log: the URL is done (a refusal, an error) or its stored answer is replayed;
* 'queued': sent as the first process would have;
* 'received': its stored answer is processed again, no new fetch (the item is not written twice);
* 'sent' with no decision: the request was in flight at the kill and may have reached the server.
  ``resend`` (default) sends it again, at most once per kill, so no URL is lost; ``skip`` records it as
  ``skipped``/``interrupted`` and leaves it to the next run, so no page is ever fetched twice.

The pages the earlier processes spent of the budgets are what their audit records say they spent
(:meth:`crawler.gate.budget.Budgets.spent_by`): images, the gate's own files and second records of a URL spend none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from crawler.audit import log as A
from crawler.audit import read
from crawler.audit.log import AuditLog
from crawler.gate.budget import Budgets
from crawler.net.urls import BadURL, host_of, origin
from crawler.queue.journal import QUEUED, RECEIVED, SENT, Journal, Row

logger = logging.getLogger(__name__)

RESEND, SKIP = "resend", "skip"


@dataclass
class ResumePlan:
    """What the resumed process must do before following new links."""

    send: list[Row] = field(default_factory=list)  # queued, or resent after a kill
    replay: list[Row] = field(default_factory=list)  # answered already: process the stored answer
    resent: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    settled: int = 0  # rows whose decision was already in the audit log
    recovered_records: int = 0  # audit records written from the stored answer
    items_written: set[str] = field(default_factory=set)
    pages_fetched: int = 0  # for the page budget
    origin_pages: dict[str, int] = field(default_factory=dict)  # origin -> pages fetched: for the sites' budgets

    def count_pages(self, url: str, n: int = 1) -> None:
        """Pages an earlier process spent on ``url``: they count against the crawl's budget and its site's."""
        if n <= 0:
            return
        self.pages_fetched += n
        try:
            key = origin(url)
        except BadURL:
            return
        self.origin_pages[key] = self.origin_pages.get(key, 0) + n


def reconcile(journal: Journal, audit_path: str | None, items_path: str | None,
              in_flight: str = RESEND, run: str | None = None) -> ResumePlan:
    """Settle this run's unfinished rows against its audit and items files; return what is left to do."""
    plan = ResumePlan()
    decisions: dict[str, dict] = {}
    new_log, fetched = False, []
    for rec in read.records(audit_path, missing_ok=True):
        if rec.get("reason") in A.OWN_FILES:
            continue
        decisions[rec["url"]] = rec
        plan.count_pages(rec["url"], Budgets.spent_by(rec))
        new_log = new_log or "spent" in rec
        if rec.get("decision") == A.FETCHED:
            fetched.append(rec["url"])
    if not new_log:  # written before records said what they spent: every page record counts, as it did then
        for url in fetched:
            plan.count_pages(url)
    plan.items_written = {i["url"] for i in read.records(items_path, missing_ok=True) if "url" in i}
    journal.remember(decisions)
    log = AuditLog(audit_path, run=run) if audit_path else None  # appends go on with the file's hash chain
    try:
        with journal.batch():
            for row in journal.rows(QUEUED, SENT, RECEIVED):
                _settle(row, decisions.get(row.url), journal, plan, log, in_flight)
    finally:
        if log:
            log.close()
    return plan


def _settle(row: Row, rec: dict | None, journal: Journal, plan: ResumePlan, log: AuditLog | None,
            in_flight: str) -> None:
    if row.state == RECEIVED:
        if rec is None and log is not None:
            stored = journal.stored_response(row.url)
            log.record(row.url, _host(row.url), A.FETCHED, "ok", "record written on resume: the answer was stored "
                       "before the previous process stopped", status=stored[0] if stored else None, spent=1)
            plan.recovered_records += 1
            plan.count_pages(row.url)
        plan.replay.append(row)
        return
    if rec is not None:  # decided before the kill, the row just had not caught up
        outcome = "error" if rec.get("decision") == A.FETCHED else "refused"
        journal.done(row.url, outcome)
        plan.settled += 1
        return
    if row.state == QUEUED:
        plan.send.append(row)
    elif in_flight == SKIP:
        if log is not None:
            log.record(row.url, _host(row.url), A.SKIPPED, "interrupted",
                       "in flight when the previous process stopped; not sent again (resume: skip), "
                       "the next run fetches it", spent=1)  # 'sent': it spent its page as it left the gate
        plan.count_pages(row.url)
        journal.done(row.url, "interrupted")
        plan.interrupted.append(row.url)
    else:
        journal.mark_resent(row.url)
        plan.resent.append(row.url)
        plan.send.append(row)
        logger.warning("re-sending %s: it was in flight when the previous process stopped", row.url)


def _host(url: str) -> str:
    try:
        return host_of(url)
    except BadURL:
        return ""
