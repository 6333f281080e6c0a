"""The gate of a cluster worker: :class:`crawler.gate.middleware.CivilGate` with its state shared through Redis.

Every decision is still taken by the one gate (same checks, same audit records); only where the state
lives changes: the per-host pace and the page budget (:mod:`.politeness`) and the decision reads
(robots.txt, tdmrep.json, ai.txt: :mod:`.reads`, fetched once for the cluster). The add-on puts this class in the gate's place when ``CIVIL_REDIS_URL`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.distributed.reads import RedisStore
from crawler.gate.middleware import CivilGate
from crawler.gate.readcache import ReadCache
from crawler.net.rediskeys import key_prefix, worker_id
from crawler.pace.cluster import ClusterBudget, ClusterPoliteness
from crawler.pace.local import GAP_MARGIN
from crawler.queue.cluster import request_failed

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
        self.reads = ReadCache(RedisStore(url, prefix, self._stopping))

    def _stopping(self) -> bool:
        return self.politeness._closing or bool(self.politeness.stopping and self.politeness.stopping())

    def admit(self, url: str, *, depth: int, scope: Any = None, via: str | None = None) -> bool:
        if super().admit(url, depth=depth, scope=scope, via=via):
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
