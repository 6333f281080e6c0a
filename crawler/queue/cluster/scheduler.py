"""The cluster's scheduler (``SCHEDULER`` of a cluster worker): the shared queue, leases, reclaim of dead workers.

A pop moves the request into the worker's lease hash in one Lua script (:mod:`.leases`); the lease ends when
Scrapy has finished with the request (callback run, what it yielded queued), and a worker whose heartbeat stops
is reclaimed by a survivor: its leased requests go back to the queue. Round trips are few: the requests Scrapy
queues wait in memory for the next trip to Redis (a pop, the 0.1 s poll or the heartbeat) and go with it in one
pipeline; so do the ends of leases, but only once what their callbacks yielded is in Redis, so a killed worker
loses nothing. The pop's answer also says whether another worker paused the request's host (crawler.pace.cluster).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from crawler.net.redisclient import UNAVAILABLE, Call, Outage, call_async, redis_url, run_calls, sync_client
from crawler.net.rediskeys import Keys, keys_for
from crawler.options import default
from crawler.pace.cluster import host_paused
from crawler.queue.cluster.leases import LeasedQueue
from crawler.queue.cluster.scripts import BEAT, FORGET, IS_STALE, PENDING, RECLAIM
from crawler.queue.cluster.sweep import LeaseSweeper

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

PUSH_BATCH = 200  # queued requests kept in memory at most before a trip to Redis of their own
TRIES = 4  # partitions a pop looks at before it reports nothing to take


class ClusterScheduler:
    """Scrapy's scheduler interface on the cluster's Redis (``CIVIL_REDIS_URL``): shared queue, leases, reclaim."""

    def __init__(self, crawler: Crawler, url: str, keys: Keys, *, stale: float, host_prefetch: int,
                 idle_poll: float = 0.1):
        self.crawler, self.stats, self.keys, self.url = crawler, crawler.stats, keys, url
        self.server = sync_client(url)
        self.outage = Outage(url)
        self.stale_ms, self.host_prefetch, self.idle_poll = int(stale * 1000), host_prefetch, idle_poll
        self._beat, self._reclaim = self.server.register_script(BEAT), self.server.register_script(RECLAIM)
        self._is_stale, self._forget = self.server.register_script(IS_STALE), self.server.register_script(FORGET)
        self._pending = self.server.register_script(PENDING)
        self.queue: LeasedQueue | None = None
        self._halted = False
        self.leases = LeaseSweeper(crawler, self._finished)
        self._pushes: list[Request] = []  # queued by Scrapy, not yet in Redis
        self._acks: list[str] = []  # leases to end: what their callbacks yielded is in Redis
        self._acks_after: list[str] = []  # leases to end once the pushes waiting now are in Redis
        self._held: Counter[str] = Counter()  # requests per host this worker holds (leased, not finished)
        self._cursor = 0
        self._empty_until: dict[int, float] = {}  # partitions found empty, not looked at again before then
        self._stale_since: dict[str, float] = {}
        self._heart = LoopingCall(self._heartbeat)
        self._starved = False  # the last look at the shared queue found nothing this worker could take
        self._poll = LoopingCall(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        return cls(crawler, redis_url(s, cls), keys_for(s), stale=s.getfloat("CIVIL_CLUSTER_WORKER_TIMEOUT", default("CIVIL_CLUSTER_WORKER_TIMEOUT")),
                   host_prefetch=s.getint("CIVIL_CLUSTER_HOST_PREFETCH", default("CIVIL_CLUSTER_HOST_PREFETCH")),
                   idle_poll=s.getfloat("CIVIL_CLUSTER_IDLE_POLL", default("CIVIL_CLUSTER_IDLE_POLL")))

    # -- life cycle ----------------------------------------------------------------------------------------

    def open(self, spider: Spider) -> Any:
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, self.keys,
                                 lambda r: self.crawler.request_fingerprinter.fingerprint(r).hex())
        return deferred_from_coro(self._open())

    async def _open(self) -> None:
        k = self.keys

        async def join() -> list[Any]:
            self._beat(keys=[k.workers], args=[k.worker, self.stale_ms])
            self.server.hsetnx(k.meta, "partitions", k.partitions)
            pipe = self.server.pipeline(transaction=False)
            pipe.hget(k.meta, "partitions")
            for p in range(k.partitions):
                pipe.scard(k.seen(p))
            return list(pipe.execute()) + [self.pending()]

        stored, *seen_counts, pending = await call_async(self.outage, "joining the cluster", join)
        if int(stored) != k.partitions:
            self._halt(f"the cluster {k.cluster} on {self.outage.url} was started with {int(stored)} partitions, "
                       f"this worker has {k.partitions}: set CIVIL_CLUSTER_PARTITIONS = {int(stored)} (every worker of "
                       "a cluster must split its keys the same way); this worker stops without fetching anything")
            return
        if sum(seen_counts) and not pending:
            logger.warning("cluster %s has already finished a crawl (%d URLs seen): its seeds count as seen, so "
                           "nothing new is fetched; use a new --cluster name for a new crawl", k.cluster,
                           sum(seen_counts))
        self._heart.start(1.0, now=False)
        if self.idle_poll > 0:
            self._poll.start(self.idle_poll, now=False)

    def _halt(self, message: str) -> None:
        """Take nothing from the cluster and give it nothing; close the crawl (a worker that cannot join)."""
        logger.error("%s", message)
        self.queue, self._halted = None, True

        def close(spider: Spider) -> None:  # once the engine has opened: closing it sooner breaks its set-up
            engine = self.crawler.engine
            asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(engine.close_spider_async(reason="cluster-partitions")))

        self.crawler.signals.connect(close, signal=signals.spider_opened, weak=False)

    def close(self, reason: str) -> None:
        for loop in (self._heart, self._poll):
            if loop.running:
                loop.stop()
        if self._halted:  # forget the URLs its seen-set claimed (under keys of the wrong split) before it stopped
            try:
                self._reclaim_worker(self.keys.worker, -1)
            except UNAVAILABLE:
                pass
        if self.queue is None:
            return
        self.leases.sweep(collect=True)
        try:
            self._trip([])
            # hand back whatever this worker still holds (a stop mid-crawl), so the others finish it
            n = self._reclaim_worker(self.keys.worker, -1)
            if n:
                logger.info("handed %d unfinished requests back to the cluster", n)
        except UNAVAILABLE as exc:
            logger.warning("could not leave the cluster cleanly (%s); a survivor will reclaim this worker's "
                           "requests after %.0f s", exc, self.stale_ms / 1000)

    # -- queue ---------------------------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        """Keep ``request`` for the next trip to Redis; a duplicate is reported then (``request_dropped``)."""
        if self._halted:
            return True  # the crawl is closing: nothing is sent, nothing recorded
        self._pushes.append(request)
        if len(self._pushes) >= PUSH_BATCH:
            try:
                self._trip([])
            except UNAVAILABLE as exc:
                self.outage.failed("queueing requests (kept in memory until Redis answers)", exc)
        return True

    def next_request(self) -> Request | None:
        if self.queue is None:
            return None
        self.leases.sweep()
        if self._pushes:
            self._empty_until.clear()  # they go with the first look, and may fill any partition
        now = time.monotonic()
        parts = [(self._cursor + i) % self.keys.partitions for i in range(self.keys.partitions)]
        parts = [p for p in parts if self._empty_until.get(p, 0.0) <= now][:TRIES]
        if not parts:
            self._starved = True
            return None
        for part in parts:
            claim, lease = self.queue.claim(part, self._held, self.host_prefetch, [])
            try:
                got = self.queue.claimed(self._trip([claim], claim_part=part)[-1])
            except UNAVAILABLE as exc:
                self.outage.failed("taking a request from the shared queue", exc)
                self._starved = True
                return None
            self.outage.ok()
            if got is not None:
                break
            self._empty_until[part] = now + self.idle_poll / 2  # the poll looks again after idle_poll
        else:
            self._cursor = (parts[-1] + 1) % self.keys.partitions  # the next look starts with the others
            self._starved = True
            return None
        self._starved = False
        self._cursor = (part + 1) % self.keys.partitions
        request, host, paused, reason = got
        if paused > 0:
            self.crawler.signals.send_catch_log(host_paused, host=host, seconds=paused, reason=reason)
        self._held[host] += 1
        self.leases.hold(request, lease, host)
        request.meta["cluster_lease"] = lease
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """True while anything is queued or leased anywhere in the cluster (or Redis cannot say)."""
        self.leases.sweep()
        if self._halted or self.queue is None:
            return False
        if self._pushes:
            return True
        try:
            return self.pending()
        except UNAVAILABLE as exc:
            self.outage.failed("checking for pending requests", exc)
            return True

    def pending(self) -> bool:
        """Anything queued or leased in the cluster (in the trip that ends the leases this worker is done with)."""
        k = self.keys
        return any(int(n) for n in self._trip([Call(self._pending, [k.queue(p), k.in_flight(p)], [])
                                               for p in range(k.partitions)]))

    def __len__(self) -> int:
        try:
            pipe = self.server.pipeline(transaction=False)
            for p in range(self.keys.partitions):
                pipe.zcard(self.keys.queue(p))
            return sum(pipe.execute()) + len(self._pushes)
        except UNAVAILABLE:
            return len(self._pushes)

    def keep_stopped(self, request: Request) -> None:
        """A request the stop caught before it left: never fetched, so its lease is not ended; close() hands it
        back to the cluster for the others."""
        self.leases.drop(request.meta.get("cluster_lease", ""))

    # -- one trip to Redis ---------------------------------------------------------------------------------

    def _trip(self, calls: list[Call], claim_part: int | None = None) -> list[Any]:
        """Run ``calls`` after the waiting pushes and lease ends, in one round trip; returns their answers.

        A lease ends only in a trip after the one that carried what its callback yielded. The ends of leases of
        ``claim_part`` go inside the claim (the last call) when there is one; on an outage everything is kept.
        """
        assert self.queue is not None
        pushes, self._pushes = self._pushes, []
        acks, later = (self._acks, self._acks_after) if pushes else (self._acks + self._acks_after, [])
        self._acks, self._acks_after = [], []
        by_part: dict[int, list[str]] = defaultdict(list)
        for lease in acks:
            by_part[int(lease.split(".", 1)[0])].append(lease)
        if claim_part is not None and calls:
            claim = calls[-1]
            mine = by_part.pop(claim_part, [])
            calls = calls[:-1] + [Call(claim.script, claim.keys, [claim.args[0], claim.args[1], len(mine), *mine,
                                                                  *claim.args[3:]])]
        push_calls = self.queue.pushes(pushes)
        ack_calls = [self.queue.acks(p, leases) for p, leases in by_part.items()]
        try:
            answers = run_calls(self.server, [c for c, _ in push_calls] + ack_calls + calls) if (
                push_calls or ack_calls or calls) else []
        except BaseException:
            self._pushes[:0] = pushes
            self._acks[:0], self._acks_after[:0] = acks, later
            raise
        self._acks += later  # what their callbacks yielded went in this trip
        for (_, batch), answer in zip(push_calls, answers, strict=False):
            for request, pushed in zip(batch, answer, strict=True):
                if pushed:
                    self.stats.inc_value("scheduler/enqueued/redis")
                else:
                    self.stats.inc_value("dupefilter/filtered")
                    self.crawler.signals.send_catch_log(signals.request_dropped, request=request, spider=self.spider)
        return answers[len(push_calls) + len(ack_calls):]

    def _tick(self) -> None:
        """Every CIVIL_CLUSTER_IDLE_POLL s: send the requests that wait, and if the last look at the shared queue found nothing,
        ask the engine to look again (it looks on its own only when a request finishes, or every 5 s)."""
        if self.queue is not None and self._pushes:  # others may be waiting for them; lease ends can wait
            try:
                self._trip([])
            except UNAVAILABLE as exc:
                self.outage.failed("queueing requests (kept in memory until Redis answers)", exc)
        if not self._starved:
            return
        self._starved = False  # next_request sets it again if there is still nothing to take
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _finished(self, lease: str, host: str) -> None:
        """Scrapy holds the request no more: its callback ran and what it yielded is queued (GC-safe: no I/O)."""
        self._acks_after.append(lease)
        self._held[host] -= 1

    # -- heartbeat and reclaim -----------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        if self.queue is None:
            return
        self.leases.sweep()
        k = self.keys
        try:
            self._trip([])
            stale = [w.decode() for w in self._beat(keys=[k.workers], args=[k.worker, self.stale_ms])]
        except UNAVAILABLE as exc:
            self.outage.failed("sending this worker's heartbeat", exc)
            self._stale_since.clear()  # a worker is only dead if it stays silent while Redis answers us
            return
        self.outage.ok()
        now = time.monotonic()
        self._stale_since = {w: self._stale_since.get(w, now) for w in stale if w != k.worker}
        for w, since in self._stale_since.items():
            if now - since >= self.stale_ms / 1000:
                try:
                    n = self._reclaim_worker(w, self.stale_ms)
                except UNAVAILABLE:
                    return
                if n >= 0:
                    logger.warning("worker %s stopped answering: %d of its requests are back in the queue", w, n)
                    self.stats.inc_value("civil/cluster/reclaimed", n)

    def _reclaim_worker(self, worker: str, stale_ms: int) -> int:
        """Put ``worker``'s leased requests back in the queue, if its heartbeat is (still) stale or ``stale_ms`` is
        -1; returns how many, or -1 if it beat again. Every step can run twice: survivors may reclaim together."""
        k = self.keys
        if not self._is_stale(keys=[k.workers], args=[worker, stale_ms]):
            return -1
        answers = run_calls(self.server, [
            Call(self._reclaim, [k.leases_of(p, worker), k.queue(p), k.in_flight(p), k.pending_of(p, worker),
                                 k.seen(p)], []) for p in range(k.partitions)])
        self._forget(keys=[k.workers], args=[worker, stale_ms])
        return sum(int(n) for n in answers)
