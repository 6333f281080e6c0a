"""The cluster's frontier: scrapy-redis's scheduler and queue, adapted to Scrapy 2.19, with leases.

scrapy-redis 0.9.1 pops destructively, so a killed worker loses what it had taken. Here a pop moves the
request into the worker's lease hash (``<prefix>leases-of:<worker>``) in one Lua script; the lease ends
when Scrapy has finished with the request (callback run, new requests pushed), and a worker whose
heartbeat stops is reclaimed by a survivor: its leased requests go back to the queue. The seen-set is
shared too (:class:`SharedSeen`): the first worker to see a URL is the only one to decide on it.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import time
import weakref
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.distributed import key_prefix, worker_id
from crawler.distributed.connection import UNAVAILABLE, Outage, call_async, call_blocking, sync_client
from crawler.net.urls import BadURL, host_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

#: KEYS: dupefilter set, queue zset, this worker's pending set. ARGV: fingerprint ('' = don't filter), score,
#: member, url. Filter and push in one step, so a kill cannot leave a request "seen" but never queued.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[4]) return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('SREM', KEYS[3], ARGV[4])
return 1
"""

#: KEYS: queue zset, lease hash, in-flight counter. ARGV: lease id, window, key prefix, number of acks n, n lease
#: ids to end first, then this worker's hosts as "host count" with the host prefetch last. One round trip per pop:
#: end the finished leases, then look at the first ``window`` queued requests and move the best one into this
#: worker's lease hash: first a host whose turn has come (per-host gate: gap passed, no pause, nothing out) and
#: that this worker holds nothing of, then one whose turn has come, then any host it holds nothing of, then any
#: host it holds fewer than the prefetch of. Only a preference: the gate still decides when a request leaves.
CLAIM_NEXT = _NOW + """
local n = tonumber(ARGV[4])
local done = 0
for i = 5, 4 + n do done = done + redis.call('HDEL', KEYS[2], ARGV[i]) end
if done > 0 then redis.call('DECRBY', KEYS[3], done) end
local held, prefetch = {}, tonumber(ARGV[#ARGV])
for i = 5 + n, #ARGV - 1 do
  local sp = string.find(ARGV[i], ' ', 1, true)
  held[string.sub(ARGV[i], 1, sp - 1)] = tonumber(string.sub(ARGV[i], sp + 1))
end
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local best, best_rank, ready = nil, 99, {}
for i = 1, #members, 2 do
  local m = members[i]
  local head = string.sub(m, 1, (string.find(m, '\\n', 1, true) or (#m + 1)) - 1)
  local sp = string.find(head, ' ', 1, true)
  local host = sp and string.sub(head, sp + 1) or ''
  local h = held[host] or 0
  if h < prefetch then
    if ready[host] == nil then
      local st = redis.call('HMGET', ARGV[3] .. 'host:' .. host, 'next', 'paused')
      ready[host] = (tonumber(st[1]) or 0) <= now and (tonumber(st[2]) or 0) <= now
        and redis.call('ZCOUNT', ARGV[3] .. 'leases:' .. host, now, '+inf') == 0
    end
    local rank = (ready[host] and 0 or 2) + (h > 0 and 1 or 0)
    if rank < best_rank then best, best_rank = i, rank end
    if rank == 0 then break end
  end
end
if not best then return false end
local m = members[best]
redis.call('ZREM', KEYS[1], m)
redis.call('HSET', KEYS[2], ARGV[1], members[best + 1] .. '\\n' .. m)
redis.call('INCR', KEYS[3])
return m
"""

#: KEYS: lease hash, in-flight counter. ARGV: lease ids.
ACK = """
local n = 0
for i = 1, #ARGV do n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
if n > 0 then redis.call('DECRBY', KEYS[2], n) end
return n
"""

#: KEYS: workers zset. ARGV: worker, stale ms. Beat, and list the workers whose heartbeat is stale.
BEAT = _NOW + """
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
"""

#: KEYS: workers zset, lease hash, queue zset, in-flight counter, pending set, seen set.
#: ARGV: worker, stale ms (-1: reclaim unconditionally, for a worker closing itself).
RECLAIM = _NOW + """
local hb = redis.call('ZSCORE', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) >= 0 and hb and tonumber(hb) > now - tonumber(ARGV[2]) then return -1 end
local items = redis.call('HVALS', KEYS[2])
for _, v in ipairs(items) do
  local i = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[3], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
end
if #items > 0 then redis.call('DECRBY', KEYS[4], #items) end
for _, u in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('SREM', KEYS[6], u) end
redis.call('DEL', KEYS[2], KEYS[5])
redis.call('ZREM', KEYS[1], ARGV[1])
return #items
"""

#: KEYS: seen set, this worker's pending set. ARGV: url. First sight marks the URL pending until decided.
MARK = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""


#: Sent (with ``request=``) when Scrapy is done with a request that failed for good (no callback will run).
request_failed = object()


class Keys:
    """The Redis keys of one cluster, as seen by one worker."""

    def __init__(self, cluster: str, worker: str):
        p = self._p = self.prefix = key_prefix(cluster)
        self.queue, self.dupefilter, self.seen = p + "requests", p + "dupefilter", p + "seen"
        self.workers, self.in_flight = p + "workers", p + "in-flight"
        self.worker = worker
        self.leases, self.pending = self.leases_of(worker), self.pending_of(worker)

    def leases_of(self, worker: str) -> str:
        return f"{self._p}leases-of:{worker}"

    def pending_of(self, worker: str) -> str:
        return f"{self._p}pending-of:{worker}"


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
        keys = Keys(s.get("CIVIL_CLUSTER") or "civilcrawl", s.get("CIVIL_WORKER") or worker_id())
        return cls(sync_client(url), crawler, keys, url, stale=s.getfloat("CIVIL_CLUSTER_WORKER_TIMEOUT", 5.0),
                   host_prefetch=s.getint("CIVIL_CLUSTER_HOST_PREFETCH", 2),
                   idle_poll=s.getfloat("CIVIL_CLUSTER_IDLE_POLL", 0.1))

    # -- life cycle ----------------------------------------------------------------------------------------

    def open(self, spider: Spider) -> Any:
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, self.queue_key, self.serializer, keys=self.keys)
        if hasattr(spider, "seen"):
            spider.seen = SharedSeen(self.server, self.keys, self.outage)
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
        self.crawler.signals.connect(self._failed, signal=request_failed)

    def _failed(self, request: Request) -> None:
        """A final failure runs no callback, so nothing it yields can be lost: end its lease now."""
        finalizer = self._live.get(request.meta.pop("cluster_lease", None))
        if finalizer is not None:
            finalizer()  # runs _finished once; the garbage collector will not run it again

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
