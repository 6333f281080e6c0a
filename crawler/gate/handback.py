"""Requests a stop catches waiting for their host's turn go back to the scheduler, so JOBDIR (or the cluster) keeps them.

They have left the scheduler but not the machine; without this a paused crawl (SIGINT with JOBDIR) would drop
them and the resumed run would never fetch them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http.request import NO_CALLBACK

from crawler.gate.state import STATE_META, RequestState

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def stopped(crawler: Crawler, request: Request) -> bool:
    """Keep a request the stop caught before it left for a resumed run: in JOBDIR's disk queue, or in the
    cluster's queue. True when one of them keeps it; False when nothing does (a plain crawl)."""
    state = RequestState.of(request)
    if request.callback is NO_CALLBACK or state.is_read:
        return False  # the gate's own reads and media pipelines' downloads were never the scheduler's
    try:
        scheduler = crawler.engine.scheduler
    except (AttributeError, RuntimeError):
        return False
    if scheduler is None:
        return False  # the engine has not started
    if (keep := getattr(scheduler, "keep_stopped", None)) is not None:
        keep(request)  # a cluster: its lease is not ended, so the cluster's queue gets it back (crawler.queue.cluster)
        return True
    if getattr(scheduler, "dqs", None) is None:  # not Scrapy's scheduler with a JOBDIR: nothing outlives the run
        return False
    meta = {**request.meta, STATE_META: state.kept()}  # what it is; not the state of the attempt the stop caught
    meta.pop("retry_times", None)  # the resumed run makes its own attempts
    # dont_filter: the dupefilter has seen it already; it was never fetched
    scheduler.enqueue_request(request.replace(meta=meta, dont_filter=True))
    crawler.stats.inc_value("civil/handed_back")
    logger.debug("kept for the resumed run: %s", request.url)
    return True
