"""The spider's seen-set, shared by a cluster: the first worker to see a URL is the only one to decide on it."""

from __future__ import annotations

from typing import Any

from crawler.net.redisclient import UNAVAILABLE, Outage, call_blocking
from crawler.net.rediskeys import Keys
from crawler.queue.cluster.scripts import MARK


class SharedSeen(set):
    """The spider's seen-set, shared by the cluster: ``add_new`` is true for exactly one worker per URL."""

    def __init__(self, client: Any, keys: Keys, outage: Outage):
        super().__init__()
        self.client, self.keys, self.outage = client, keys, outage
        self._mark = client.register_script(MARK)

    def add_new(self, url: str) -> bool:
        if url in self:
            return False
        self.add(url)
        # Blocking on an outage is the fail-closed choice here: the spider's link loop is synchronous.
        return bool(call_blocking(self.outage, "checking the shared seen-set",
                                  lambda: self._mark(keys=[self.keys.seen, self.keys.pending], args=[url])))

    def decided(self, url: str) -> None:
        """``url`` has its final audit record (a refusal): no survivor needs to decide on it again."""
        try:
            self.client.srem(self.keys.pending, url)
        except UNAVAILABLE:
            pass  # only matters if this worker dies before Redis is back; then a refusal may be logged twice
