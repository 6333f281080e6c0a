"""Requests a stop catches waiting for their host's turn go back to Scrapy's scheduler, so JOBDIR keeps them.

They have left the scheduler but not the machine; without this a paused crawl (SIGINT with JOBDIR) would drop
them and the resumed run would never fetch them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http.request import NO_CALLBACK

from crawler.gate.reads import AUX_META, ROBOTS_META, Refused

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: civilcrawl meta that says what a request is (kept); the rest is the state of one attempt (dropped)
_KEEP = {"civil_admitted", "civil_image_of", "civil_image_url", "civil_via"}


class Stopping(Refused):
    """The crawl stopped before the request left: no decision was taken on it (no audit record)."""


def stopped(crawler: Crawler, request: Request) -> None:
    """Mark a request the stop caught before it left, and keep it for a resumed run when there is a JOBDIR."""
    request.meta["civil_refused"] = "shutdown"
    hand_back(crawler, request)


def hand_back(crawler: Crawler, request: Request) -> bool:
    """Put ``request`` back into the scheduler's disk queue (JOBDIR); False when there is none to keep it."""
    if request.callback is NO_CALLBACK or any(k in request.meta for k in (ROBOTS_META, AUX_META)):
        return False  # the gate's own reads and media pipelines' downloads were never the scheduler's
    if crawler.settings.get("CIVIL_REDIS_URL"):
        return False  # a cluster hands its leased requests back itself (crawler.queue.cluster)
    try:
        scheduler = crawler.engine._slot.scheduler  # noqa: SLF001 - the scheduler has no public accessor
    except (AttributeError, RuntimeError):
        return False
    if getattr(scheduler, "dqs", None) is None:  # not Scrapy's scheduler with a JOBDIR: nothing outlives the run
        return False
    meta = {k: v for k, v in request.meta.items() if not k.startswith("civil_") or k in _KEEP}
    # dont_filter: the dupefilter has seen it already; it was never fetched
    scheduler.enqueue_request(request.replace(meta=meta, dont_filter=True))
    crawler.stats.inc_value("civil/handed_back")
    logger.debug("kept for the resumed run: %s", request.url)
    return True
