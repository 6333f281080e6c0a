"""The seen-set of a cluster (``CIVIL_SEEN_SET`` backend): the first worker to see a URL decides on it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

from crawler.net.redisclient import UNAVAILABLE, Call, Outage, call_blocking, redis_url, run_calls, sync_client
from crawler.net.rediskeys import Keys, keys_for
from crawler.net.urls import BadURL, host_of
from crawler.queue.cluster.scripts import MARK
from crawler.queue.seen import SeenSet

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.net.redisclient import SyncClient


class SharedSeen(SeenSet):
    """URLs seen by any worker of the cluster, in the partition of their host. A URL claimed here stays in this
    worker's pending set until it is queued or refused, so that a survivor decides on it again if this one dies."""

    def __init__(self, client: SyncClient, keys: Keys, outage: Outage):
        super().__init__()
        self.client, self.keys, self.outage = client, keys, outage
        self._mark = client.register_script(MARK)
        self._claimed: dict[str, bool] = {}  # first sights claimed ahead by expect(), not asked about yet
        self._split_ok: bool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = redis_url(crawler.settings, cls)
        return cls(sync_client(url), keys_for(crawler.settings), Outage(url))

    def _part(self, url: str) -> int:
        try:
            return self.keys.part(host_of(url))
        except BadURL:
            return 0

    def expect(self, urls: Iterable[str]) -> None:
        self._forget_unasked()
        new = [url for url in dict.fromkeys(urls) if url not in self]
        if new:
            self._claimed = dict(zip(new, self.claim_all(new), strict=True))

    def claim(self, url: str) -> bool:
        if url in self._claimed:
            return self._claimed.pop(url)
        return self.claim_all([url])[0]

    def _forget_unasked(self) -> None:
        """URLs claimed by :meth:`expect` that nobody asked about (a callback that failed half-way): not decided,
        so they are no longer this worker's to decide on."""
        unasked = [url for url, first in self._claimed.items() if first]
        self._claimed = {}
        for url in unasked:
            part = self._part(url)
            try:
                self.client.srem(self.keys.seen(part), url)
                self.client.srem(self.keys.pending_of(part), url)
            except UNAVAILABLE:
                pass  # this worker's close() or death hands them back

    def claim_all(self, urls: list[str]) -> list[bool]:
        """:meth:`claim` for each of ``urls``, in one round trip."""
        if self._split_ok is None:  # a worker splitting keys another way stops (crawler.queue.cluster.scheduler)
            stored = call_blocking(self.outage, "joining the cluster",
                                   lambda: self.client.hget(self.keys.meta, "partitions"))
            self._split_ok = stored is None or int(stored) == self.keys.partitions
        if not self._split_ok:
            return [False] * len(urls)
        parts: dict[int, list[str]] = {}
        for url in urls:
            parts.setdefault(self._part(url), []).append(url)
        k = self.keys
        calls = [Call(self._mark, [k.seen(p), k.pending_of(p)], batch) for p, batch in parts.items()]
        # Blocking on an outage is the fail-closed choice here: the spider's link loop is synchronous.
        answers = call_blocking(self.outage, "checking the shared seen-set", lambda: run_calls(self.client, calls))
        first = {url: bool(n) for batch, answer in zip(parts.values(), answers, strict=True)
                 for url, n in zip(batch, answer, strict=True)}
        return [first[url] for url in urls]

    def decided(self, url: str) -> None:
        try:
            self.client.srem(self.keys.pending_of(self._part(url)), url)
        except UNAVAILABLE:
            pass  # only matters if this worker dies before Redis is back; then a refusal may be logged twice
