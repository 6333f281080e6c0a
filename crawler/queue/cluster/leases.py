"""The cluster's shared queue: pushes filtered atomically, pops that take a lease (scrapy-redis's queue and
dupefilter, adapted)."""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from crawler.net.rediskeys import Keys
from crawler.net.urls import BadURL, host_of
from crawler.queue.cluster.scripts import CLAIM_NEXT, PUSH

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue; members carry a shuffle tag and the host, pops take a lease."""

    WINDOW = 64  # queued requests looked at per pop, to skip hosts this worker already has enough of

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None, *, keys: Keys):
        super().__init__(server, spider, key, serializer)
        self.keys = keys
        self._push, self._claim = server.register_script(PUSH), server.register_script(CLAIM_NEXT)
        self._ids = itertools.count()

    def encode(self, request: Request) -> bytes:
        try:
            host = host_of(request.url)
        except BadURL:
            host = ""
        # random tag first: equal priorities then pop in shuffled order, spreading work across hosts
        return b"%s %s\n%s" % (os.urandom(4).hex().encode(), host.encode(), self._encode_request(request))

    def push_new(self, request: Request, fingerprint: str) -> bool:
        """Push unless the fingerprint was seen; atomic with the duplicate check."""
        return bool(self._push(keys=[self.keys.dupefilter, self.key, self.keys.pending],
                               args=[fingerprint, -request.priority, self.encode(request), request.url]))

    def pop_leased(self, held: dict[str, int], prefetch: int, acks: list[str]) -> tuple[Request, str, str] | None:
        """End the leases ``acks``, then take the best queued request (see CLAIM_NEXT) under a new lease, skipping
        hosts of which this worker ``held`` ``prefetch`` already: one round trip, the window is scanned inside
        Redis and only the chosen request comes back."""
        lease = f"{next(self._ids)}"
        member = self._claim(keys=[self.key, self.keys.leases, self.keys.in_flight],
                             args=[lease, self.WINDOW, self.keys.prefix, len(acks), *acks,
                                   *(f"{h} {n}" for h, n in held.items() if n > 0), prefetch])
        if not member:
            return None
        head, _, data = member.partition(b"\n")
        host = head.split(b" ", 1)[1].decode() if b" " in head else ""
        return self._decode_request(data), lease, host


class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter keyed by Scrapy's own request fingerprinter (not a SHA-1 of its own)."""

    def __init__(self, server: Any, key: str, crawler: Crawler):
        super().__init__(server, key)
        self.fingerprinter = crawler.request_fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        pass  # the cluster's fingerprints outlive any one worker
