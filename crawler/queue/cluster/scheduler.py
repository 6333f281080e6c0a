"""The cluster's scheduler: scrapy-redis's, adapted to Scrapy 2.19, with leases and reclaim of dead workers.

scrapy-redis 0.9.1 pops destructively, so a killed worker loses what it had taken. Here a pop moves the
request into the worker's lease hash (``<prefix>leases-of:<worker>``) in one Lua script; the lease ends
when Scrapy has finished with the request (callback run, new requests pushed), and a worker whose
heartbeat stops is reclaimed by a survivor: its leased requests go back to the queue.
"""

from __future__ import annotations

import gc
import logging
import time
import weakref
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.net.redisclient import UNAVAILABLE, Outage, call_async, sync_client
from crawler.net.rediskeys import Keys, worker_id
from crawler.options import default
from crawler.queue.cluster.leases import LeasedQueue, SharedDupeFilter
from crawler.queue.cluster.scripts import ACK, BEAT, RECLAIM

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

class ClusterScheduler(Scheduler):
    """scrapy-redis's scheduler for Scrapy 2.19: no deprecated calls, leases, reclaim of dead workers."""

    def __init__(self, server: Any, crawler: Crawler, keys: Keys, url: str, *, stale: float, host_prefetch: int,
                 idle_poll: float = 0.1):
        dupefilter = SharedDupeFilter(server, keys.dupefilter, crawler)
        super().__init__(server, persist=True, queue_key=keys.queue, dupefilter=dupefilter,
                         dupefilter_key=keys.dupefilter)
        self.crawler, self.stats, self.keys, self.url = crawler, crawler.stats, keys, url
        self.outage = Outage(url)
        self.stale_ms, self.host_prefetch = int(stale * 1000), host_prefetch
        self._ack, self._beat = server.register_script(ACK), server.register_script(BEAT)
        self._reclaim = server.register_script(RECLAIM)
        self._done: list[str] = []  # leases whose request Scrapy has finished with, to ack
        self._live: dict[str, weakref.finalize] = {}
        self._backlog: list[Request] = []  # requests that could not be pushed during an outage
        self._stale_since: dict[str, float] = {}
        self._held: Counter[str] = Counter()  # requests per host this worker holds (leased, not finished)
        self._heart = LoopingCall(self._heartbeat)
        self._last_gc = 0.0
        self.idle_poll = idle_poll
        self._starved = False  # the last look at the shared queue found nothing this worker could take
        self._poll = LoopingCall(self._wake_if_starved)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterScheduler:
        s = crawler.settings
        url = s.get("CIVIL_REDIS_URL")
        if not url:
            raise ValueError("ClusterScheduler needs CIVIL_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
        keys = Keys(s.get("CIVIL_CLUSTER") or default("CIVIL_CLUSTER"), s.get("CIVIL_WORKER") or worker_id())
        return cls(sync_client(url), crawler, keys, url,
                   stale=s.getfloat("CIVIL_CLUSTER_WORKER_TIMEOUT", default("CIVIL_CLUSTER_WORKER_TIMEOUT")),
                   host_prefetch=s.getint("CIVIL_CLUSTER_HOST_PREFETCH", default("CIVIL_CLUSTER_HOST_PREFETCH")),
                   idle_poll=s.getfloat("CIVIL_CLUSTER_IDLE_POLL", default("CIVIL_CLUSTER_IDLE_POLL")))

    # -- life cycle ----------------------------------------------------------------------------------------

    def open(self, spider: Spider) -> Any:
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, self.queue_key, self.serializer, keys=self.keys)
        return deferred_from_coro(self._open())

    async def _open(self) -> None:
        async def join() -> list[int]:
            self._beat(keys=[self.keys.workers], args=[self.keys.worker, self.stale_ms])
            return [self.server.scard(self.keys.seen), self.server.zcard(self.keys.queue),
                    int(self.server.get(self.keys.in_flight) or 0)]

        seen, queued, in_flight = await call_async(self.outage, "joining the cluster", join)
        if seen and not queued and not in_flight:
            logger.warning("cluster %s has already finished a crawl (%d URLs seen): its seeds count as seen, so "
                           "nothing new is fetched; use a new --cluster name for a new crawl", self.keys.queue, seen)
        self._heart.start(1.0, now=False)
        if self.idle_poll > 0:
            self._poll.start(self.idle_poll, now=False)

    def close(self, reason: str) -> None:
        for loop in (self._heart, self._poll):
            if loop.running:
                loop.stop()
        self._sweep(collect=True)
        try:
            self._flush_backlog()
            self._flush_acks()
            # hand back whatever this worker still holds (a stop mid-crawl), so the others finish it
            n = self._reclaim(keys=self._reclaim_keys(self.keys.worker), args=[self.keys.worker, -1])
            if n:
                logger.info("handed %d unfinished requests back to the cluster", n)
        except UNAVAILABLE as exc:
            logger.warning("could not leave the cluster cleanly (%s); a survivor will reclaim this worker's "
                           "requests after %.0f s", exc, self.stale_ms / 1000)

    def _reclaim_keys(self, worker: str) -> list[str]:
        k = self.keys
        return [k.workers, k.leases_of(worker), k.queue, k.in_flight, k.pending_of(worker), k.seen]

    # -- queue ---------------------------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        fp = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            pushed = self.queue.push_new(request, fp)
        except UNAVAILABLE as exc:
            self.outage.failed("queueing a request (kept in memory until Redis answers)", exc)
            self._backlog.append(request)
            return True
        if not pushed:
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        self._sweep()
        done, self._done = self._done, []
        try:
            self._flush_backlog()  # first: a lease ends only once what its callback yielded is in Redis
            got = self.queue.pop_leased(self._held, self.host_prefetch, done)
        except UNAVAILABLE as exc:
            self._done[:0] = done  # ending a lease twice is harmless (HDEL), losing the ack is not
            self.outage.failed("taking a request from the shared queue", exc)
            self._starved = True
            return None
        for lease in done:
            self._live.pop(lease, None)
        self.outage.ok()
        if got is None:
            self._starved = True
            return None
        self._starved = False
        request, lease, host = got
        self._held[host] += 1
        self._live[lease] = weakref.finalize(request, self._finished, lease, host)
        request.meta["cluster_lease"] = lease
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """True while anything is queued or leased anywhere in the cluster (or Redis cannot say)."""
        self._sweep()
        try:
            self._flush_backlog()
            if self._backlog:
                return True
            self._flush_acks()
            pipe = self.server.pipeline(transaction=False)
            pipe.zcard(self.keys.queue)
            pipe.get(self.keys.in_flight)
            queued, in_flight = pipe.execute()
        except UNAVAILABLE as exc:
            self.outage.failed("checking for pending requests", exc)
            return True
        return bool(queued or int(in_flight or 0))

    # -- when Scrapy is done with a request ----------------------------------------------------------------

    def _in_progress(self) -> set[Request] | None:
        """The engine's requests not yet finished: from the download until its callback's output is handled.

        Scrapy's engine adds a request when it starts downloading it and removes it once the scraper has
        handled what its callback (or errback) returned: yielded requests are queued (here: in Redis), items
        have passed the pipelines. None if this Scrapy has no such set (then the garbage collector decides).
        """
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        return inprogress if isinstance(inprogress, set) else None

    def _sweep(self, collect: bool = False) -> None:
        """End the leases of the requests the engine has finished with (no garbage collection on the hot path).

        Every request this scheduler hands out enters the engine's in-progress set in the same synchronous
        step (``ExecutionEngine._start_scheduled_request``), and this runs only from later reactor steps, so
        a leased request that is not in the set is done. A request dropped because the crawl is stopping keeps
        its lease: :meth:`close` hands it back to the cluster.
        """
        inprogress = self._in_progress()
        if inprogress is None:
            if collect:
                gc.collect()
            else:
                self._collect()
            return
        for lease, finalizer in list(self._live.items()):
            info = finalizer.peek()  # None once finished (its ack may still be on the way)
            if info is None or info[0] in inprogress:
                continue
            if info[0].meta.get("civil_refused") == "shutdown":
                finalizer.detach()  # not done: never fetched; close() re-queues it for the others
                del self._live[lease]
                continue
            finalizer()  # runs _finished once

    def _collect(self) -> None:
        """Fallback without the engine's in-progress set: end the leases of finished requests caught in
        reference cycles (at most once a second)."""
        if self._live and time.monotonic() - self._last_gc > 1.0:
            self._last_gc = time.monotonic()
            gc.collect()

    def _wake_if_starved(self) -> None:
        """Scrapy looks at the scheduler again only when one of its own requests finishes, or on its 5 s
        heartbeat; work other workers queue meanwhile would wait. While the last look found nothing this
        worker could take, ask the engine to look again now (every ``CIVIL_CLUSTER_IDLE_POLL`` seconds)."""
        if not self._starved:
            return
        self._starved = False  # next_request sets it again if there is still nothing to take
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def __len__(self) -> int:
        return len(self.queue) if hasattr(self, "queue") else 0

    def _finished(self, lease: str, host: str) -> None:
        """Scrapy holds the request no more: its callback ran and what it yielded is queued (GC-safe: no I/O)."""
        self._done.append(lease)
        self._held[host] -= 1

    def _flush_acks(self) -> None:
        if self._done:
            done, self._done = self._done, []
            try:
                self._ack(keys=[self.keys.leases, self.keys.in_flight], args=done)
            except UNAVAILABLE:
                self._done[:0] = done
                raise
            for lease in done:
                self._live.pop(lease, None)

    def _flush_backlog(self) -> None:
        while self._backlog:
            request = self._backlog[0]
            fp = "" if request.dont_filter else self.df.request_fingerprint(request)
            self.queue.push_new(request, fp)
            self._backlog.pop(0)

    # -- heartbeat and reclaim -----------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        self._sweep()
        try:
            self._flush_backlog()
            self._flush_acks()
            stale = [w.decode() for w in self._beat(keys=[self.keys.workers], args=[self.keys.worker, self.stale_ms])]
        except UNAVAILABLE as exc:
            self.outage.failed("sending this worker's heartbeat", exc)
            self._stale_since.clear()  # a worker is only dead if it stays silent while Redis answers us
            return
        self.outage.ok()
        now = time.monotonic()
        self._stale_since = {w: self._stale_since.get(w, now) for w in stale if w != self.keys.worker}
        for w, since in self._stale_since.items():
            if now - since >= self.stale_ms / 1000:
                try:
                    n = self._reclaim(keys=self._reclaim_keys(w), args=[w, self.stale_ms])
                except UNAVAILABLE:
                    return
                if n >= 0:
                    logger.warning("worker %s stopped answering: %d of its requests are back in the queue", w, n)
                    self.stats.inc_value("civil/cluster/reclaimed", n)
