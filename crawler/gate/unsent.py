"""URLs a plain crawl took in but never sent when it stopped (``--max-time``, a stop): one ``skipped`` record each.

They come from the gate, where the stop caught them waiting for their host's turn, and from the scheduler's memory
queue (crawler.queue.hosts; Scrapy drops what is left in it): the records are written as the spider closes, when
the finish reason is known.
A job's journal, JOBDIR's disk queue and a cluster's queue keep such requests for the next run: no record then.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from crawler.audit import log as A
from crawler.gate.state import RequestState
from crawler.net.urls import host_or_blank

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from crawler.audit.log import AuditLog


class Unsent:
    """The requests left unsent at the stop, recorded as skipped once the crawl closes."""

    def __init__(self, audit: AuditLog, settings: BaseSettings, kept: bool):
        self.audit = audit
        self.kept = kept  # a job, or a cluster: the next run (or another worker) sends them
        self.max_time = settings.getfloat("CLOSESPIDER_TIMEOUT")
        self.option = "--max-time" if settings.getbool("CIVIL_CLI") else "CLOSESPIDER_TIMEOUT ="
        self._left: dict[str, str | None] = {}  # url -> how it was found (RequestState.via)

    def note(self, requests: Iterable[Request]) -> None:
        """Requests that will not be sent by this run."""
        if self.kept:
            return
        for request in requests:
            state = RequestState.of(request)
            if state.recorded:
                self._left.setdefault(request.url, state.via)

    def record(self, finish_reason: str, crawler: Crawler) -> None:
        """A skipped record for each, and for each request left in the scheduler's memory queue, saying why the
        crawl stopped."""
        if not self.kept:
            self.note(_left_in_queue(crawler))
        if finish_reason == "closespider_timeout":
            reason = "max-time"
            detail = f"the crawl's time limit ({self.option} {self.max_time:g} s) was reached before it was sent"
        else:
            reason, detail = "stopped", f"the crawl stopped ({finish_reason}) before it was sent"
        for url, via in self._left.items():
            self.audit.record(url, host_or_blank(url), A.SKIPPED, reason, detail, via=via)
        self._left.clear()


def _left_in_queue(crawler: Crawler) -> list[Request]:
    slot = getattr(crawler.engine, "_slot", None)  # the scheduler has no public accessor
    scheduler = getattr(slot, "scheduler", None)
    drain = getattr(getattr(scheduler, "mqs", None), "drain", None)  # crawler.queue.hosts.HostAwarePriorityQueue
    return drain() if drain is not None else []
