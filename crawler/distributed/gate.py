"""The gate of a cluster worker: :class:`crawler.gate.CivilGate` with its state shared through Redis.

Every decision is still taken by the one gate (same checks, same audit records); only where the state
lives changes: the per-host pace and the page budget (:mod:`.politeness`) and the robots.txt cache
(:mod:`.robots`). The add-on puts this class in the gate's place when ``CIVIL_REDIS_URL`` is set.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from crawler.distributed import key_prefix, worker_id
from crawler.distributed.connection import UNAVAILABLE
from crawler.distributed.frontier import request_failed
from crawler.distributed.politeness import ClusterBudget, ClusterPoliteness
from crawler.distributed.robots import SharedRobots
from crawler.gate import CivilGate
from crawler.handback import Stopping
from crawler.politeness import GAP_MARGIN, ShutdownError
from crawler.robots import RobotsRecord

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class ClusterGate(CivilGate):
    """The civil gate for one worker of the cluster ``CIVIL_CLUSTER`` on ``CIVIL_REDIS_URL``."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        s = crawler.settings
        url = s.get("CIVIL_REDIS_URL")
        if not url:
            raise ValueError("ClusterGate needs CIVIL_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
        self.cluster = s.get("CIVIL_CLUSTER") or "civilcrawl"
        prefix = key_prefix(self.cluster)
        stopping = self.politeness.stopping
        lease = s.getfloat("DOWNLOAD_TIMEOUT", 30.0) + 30.0  # a dead worker's turn frees itself after this
        self.politeness = ClusterPoliteness(url, prefix, s.get("CIVIL_WORKER") or worker_id(), stopping=stopping,
                                            margin=s.getfloat("CIVIL_CLUSTER_GAP_MARGIN", 2 * GAP_MARGIN),
                                            lease_seconds=lease)
        self.budget = ClusterBudget(s.getint("CIVIL_MAX_PAGES", 0), url, prefix + "budget")
        self.shared_robots = SharedRobots(url, prefix)

    def _stopping(self) -> bool:
        return self.politeness._closing or bool(self.politeness.stopping and self.politeness.stopping())

    async def _fetch_robots(self, url_origin: str, previous: RobotsRecord | None) -> RobotsRecord:
        """Fetch robots.txt only if no worker of the cluster has a fresh copy or is fetching it now."""
        fetch = super()._fetch_robots
        try:
            return await self.shared_robots.fetch_once(url_origin, lambda shared: fetch(url_origin, shared or previous),
                                                       lambda r: r.fresh(time.time()), self._stopping)
        except (ShutdownError, *UNAVAILABLE):
            raise Stopping("crawl stopping") from None  # the requests waiting for it keep their leases

    def admit(self, url: str, *, depth: int, scope: set[str] | None = None) -> bool:
        if super().admit(url, depth=depth, scope=scope):
            return True
        seen = getattr(self.crawler.spider, "seen", None)
        if hasattr(seen, "decided"):
            seen.decided(url)  # its refusal is recorded: a survivor of this worker must not record it again
        return False

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        retry = super().process_exception(request, exception)
        if retry is None and "cluster_lease" in request.meta:
            self.crawler.signals.send_catch_log(request_failed, request=request)
        return retry
