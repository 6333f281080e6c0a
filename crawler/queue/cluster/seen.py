"""The seen-set of a cluster (``CIVIL_SEEN_SET`` backend): the first worker to see a URL decides on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from crawler.net.redisclient import UNAVAILABLE, Outage, call_blocking, redis_url, sync_client
from crawler.net.rediskeys import Keys, worker_id
from crawler.options import default
from crawler.queue.cluster.scripts import MARK
from crawler.queue.seen import SeenSet

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler


class SharedSeen(SeenSet):
    """URLs seen by any worker of the cluster. A URL claimed here stays in this worker's pending set until it is
    queued or refused, so that a survivor of this worker decides on it again if it dies first."""

    def __init__(self, client: Redis, keys: Keys, outage: Outage):
        super().__init__()
        self.client, self.keys, self.outage = client, keys, outage
        self._mark = client.register_script(MARK)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        url = redis_url(s, cls)
        keys = Keys(s.get("CIVIL_CLUSTER") or default("CIVIL_CLUSTER"), s.get("CIVIL_WORKER") or worker_id())
        return cls(sync_client(url), keys, Outage(url))

    def claim(self, url: str) -> bool:
        # Blocking on an outage is the fail-closed choice here: the spider's link loop is synchronous.
        return bool(call_blocking(self.outage, "checking the shared seen-set",
                                  lambda: self._mark(keys=[self.keys.seen, self.keys.pending], args=[url])))

    def decided(self, url: str) -> None:
        try:
            self.client.srem(self.keys.pending, url)
        except UNAVAILABLE:
            pass  # only matters if this worker dies before Redis is back; then a refusal may be logged twice
