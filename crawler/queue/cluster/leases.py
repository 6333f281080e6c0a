"""The cluster's shared queue, one sorted set per partition: pushes filtered atomically, pops that take a lease.

A queued request is ``<shuffle tag> <host>\\n<pickled request dict>`` (the form scrapy-redis used): the host lets the
claim script prefer hosts whose turn has come, the random tag spreads equal priorities over hosts. A pop moves the
request into the worker's lease hash, so a killed worker's requests can be put back (:mod:`.scheduler`).
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.request import request_from_dict

from crawler.net.redisclient import Call
from crawler.net.urls import BadURL, host_of
from crawler.queue.cluster.scripts import ACK, CLAIM_NEXT, PUSH

if TYPE_CHECKING:
    from scrapy.spiders import Spider

    from crawler.net.redisclient import SyncClient
    from crawler.net.rediskeys import Keys


class LeasedQueue:
    """The queue of the cluster ``keys`` names, as one worker uses it."""

    WINDOW = 64  # queued requests looked at per pop, to skip hosts this worker already has enough of

    def __init__(self, server: SyncClient, spider: Spider, keys: Keys, fingerprint: Any):
        self.server, self.spider, self.keys, self.fingerprint = server, spider, keys, fingerprint
        self._push, self._claim = server.register_script(PUSH), server.register_script(CLAIM_NEXT)
        self._ack = server.register_script(ACK)
        self._ids = itertools.count()

    def encode(self, request: Request, host: str) -> bytes:
        # random tag first: equal priorities then pop in shuffled order, spreading work across hosts
        data = pickle.dumps(request.to_dict(spider=self.spider), protocol=pickle.HIGHEST_PROTOCOL)
        return b"%s %s\n%s" % (os.urandom(4).hex().encode(), host.encode(), data)

    def decode(self, data: bytes) -> Request:
        return request_from_dict(pickle.loads(data), spider=self.spider)

    def pushes(self, requests: Iterable[Request]) -> list[tuple[Call, list[Request]]]:
        """The calls that queue ``requests`` (one per partition), each unless its fingerprint was seen: atomic with
        the duplicate check. Each call answers a 0/1 per request of its list (0: a duplicate)."""
        parts: dict[int, tuple[list[Any], list[Request]]] = {}
        for request in requests:
            try:
                host = host_of(request.url)
            except BadURL:
                host = ""
            args, batch = parts.setdefault(self.keys.part(host), ([], []))
            fp = "" if request.dont_filter else self.fingerprint(request)
            args += [fp, -request.priority, self.encode(request, host), request.url]
            batch.append(request)
        k = self.keys
        return [(Call(self._push, [k.dupefilter(p), k.queue(p), k.pending_of(p)], args), batch)
                for p, (args, batch) in parts.items()]

    def acks(self, part: int, leases: list[str]) -> Call:
        """The call that ends ``leases`` (all of partition ``part``)."""
        return Call(self._ack, [self.keys.leases_of(part), self.keys.in_flight(part)], leases)

    def claim(self, part: int, held: dict[str, int], prefetch: int, acks: list[str]) -> tuple[Call, str]:
        """The call that ends the leases ``acks`` of ``part``, then takes its best queued request (see CLAIM_NEXT)
        under a new lease, skipping hosts of which this worker ``held`` ``prefetch`` already; and the lease's id.
        The window is scanned inside Redis and only the chosen request comes back."""
        lease = f"{part}.{next(self._ids)}"
        k = self.keys
        mine = [f"{h} {n}" for h, n in held.items() if n > 0 and k.part(h) == part]
        return Call(self._claim, [k.queue(part), k.leases_of(part), k.in_flight(part), k.ready(part)],
                    [lease, self.WINDOW, len(acks), *acks, *mine, prefetch]), lease

    def claimed(self, answer: Any) -> tuple[Request, str, float, str] | None:
        """The request a claim answered, its host, and how long (s) and why the host stays paused."""
        if not answer:
            return None
        member, paused_ms, reason = answer
        head, _, data = member.partition(b"\n")
        host = head.split(b" ", 1)[1].decode() if b" " in head else ""
        return self.decode(data), host, int(paused_ms) / 1000, reason.decode() if isinstance(reason, bytes) else reason
