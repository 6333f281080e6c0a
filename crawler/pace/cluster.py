"""The cluster-wide per-host gate and page budget: permission comes from Redis, on the Redis server's clock.

:class:`ClusterPoliteness` is a drop-in for :class:`crawler.pace.local.Politeness`. Requests still queue
locally per host (asyncio), but the one allowed to go first asks an atomic Lua script, which reads
``TIME`` on the server (worker clocks may disagree) and grants a turn only when the host's gap since the
last start *by any worker* has passed, no pause is running and fewer than ``concurrency`` leases are out.
Back-off (consecutive 5xx/429) and Retry-After pauses live in the same Redis hash, so they bind every worker.
The scripts also keep the claim's view of the host (its partition's ``ready`` hash: crawler.net.rediskeys), so the
shared queue can hand out requests of hosts whose turn has come; every key a script touches is one of its KEYS, in
the host's partition (one hash slot: the scripts run on a Redis Cluster too).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import math
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Self

from crawler.net.redisclient import (
    UNAVAILABLE,
    Outage,
    async_client,
    call_async,
    call_blocking,
    redis_url,
    sync_client,
)
from crawler.net.rediskeys import Keys, keys_for
from crawler.options import default
from crawler.pace.local import GAP_MARGIN, HostState, PageBudget, Politeness, ShutdownError, backed_off, backoff_steps

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

#: Writes the claim's view of a host (crawler.net.rediskeys.Keys.ready): ``mark(ready key, host, ready at ms,
#: paused until ms, reason)``.
_MARK_READY = """
local function mark(key, host, ready_at, paused, reason)
  redis.call('HSET', key, host, string.format('%d %d %s', ready_at, paused, reason or ''))
end
"""

#: KEYS: host hash, host lease zset, partition's ready hash. ARGV: margin ms, concurrency, lease ms, token, ttl ms,
#: host, then the gap in ms for 0, 1, 2, ... consecutive errors (crawler.pace.local.backoff_steps: the back-off
#: formula is Python's, not repeated here). Returns {granted, wait ms, errors, pause ms left, busy}.
#: When nothing is out at the host and no pause runs, the turn is granted at once, to start after ``wait ms`` (when
#: the gap since the last start or answer has passed): a reservation, so the worker does not ask again. Nobody can
#: pause the host meanwhile (nothing else is out there, and a worker releasing a turn sends its pause with it), and
#: later turns count their gap from this start. Otherwise it is refused: ``wait ms`` until the pause ends, until the
#: gap has passed (others are out), or when all leases are out (``busy``), until the latest of them starts.
ACQUIRE = _NOW + _MARK_READY + """
local h = redis.call('HMGET', KEYS[1], 'last', 'paused', 'errors', 'reason')
local last, paused, errors = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
local gap, margin, lease = tonumber(ARGV[7 + math.min(errors, #ARGV - 7)]), tonumber(ARGV[1]), tonumber(ARGV[3])
local held = gap > 0 and gap + margin or 0
local left = math.max(0, paused - now)
if left > 0 then return {0, left, errors, left, 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local out = redis.call('ZCARD', KEYS[2])
local start = math.max(now, (last or now) + held)
if out >= tonumber(ARGV[2]) then
  local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  return {0, math.max(0, tonumber(latest[2]) - lease - now), errors, 0, 1}
end
if out > 0 and start > now then return {0, start - now, errors, 0, 0} end
redis.call('HSET', KEYS[1], 'last', start, 'gap', held)
redis.call('ZADD', KEYS[2], start + lease, ARGV[4])
mark(KEYS[3], ARGV[6], start + lease, paused, h[4])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return {1, start - now, errors, 0, 0}
"""

#: KEYS: host hash, host lease zset, partition's ready hash. ARGV: token, error delta (1: server error, -1: success,
#: 0: neither), host, pause ms (-1: none), pause reason, ttl ms. The gap then counts from this finish too: a start
#: that left its worker late cannot shorten it. A pause the answer asked for (Retry-After) lands with the release,
#: so no other worker's turn can fall between the two.
RELEASE = _NOW + _MARK_READY + """
redis.call('ZREM', KEYS[2], ARGV[1])
local pause = tonumber(ARGV[4])
if pause >= 0 then
  local untl = now + pause
  if untl > (tonumber(redis.call('HGET', KEYS[1], 'paused')) or 0) then
    redis.call('HSET', KEYS[1], 'paused', untl, 'reason', ARGV[5])
  end
  redis.call('PEXPIRE', KEYS[1], pause + tonumber(ARGV[6]))
end
local h = redis.call('HMGET', KEYS[1], 'last', 'gap', 'paused', 'reason', 'errors')
if (tonumber(h[1]) or 0) < now then redis.call('HSET', KEYS[1], 'last', now) end
local d = tonumber(ARGV[2])
if d > 0 then redis.call('HINCRBY', KEYS[1], 'errors', 1)
elseif d < 0 and (tonumber(h[5]) or 0) > 0 then redis.call('HINCRBY', KEYS[1], 'errors', -1) end
if redis.call('ZCOUNT', KEYS[2], now, '+inf') == 0 then
  local paused = tonumber(h[3]) or 0
  mark(KEYS[3], ARGV[3], math.max(math.max(now, tonumber(h[1]) or 0) + (tonumber(h[2]) or 0), paused), paused, h[4])
end
return 1
"""

#: KEYS: host hash, partition's ready hash. ARGV: pause ms, reason, ttl ms, host. A pause never shortens one already
#: running.
PAUSE = _NOW + _MARK_READY + """
local untl = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused') or '0')
if untl > paused then
  redis.call('HSET', KEYS[1], 'paused', untl, 'reason', ARGV[2])
  local seen = redis.call('HGET', KEYS[2], ARGV[4])
  mark(KEYS[2], ARGV[4], math.max(untl, seen and tonumber(string.match(seen, '^%d+')) or 0), untl, ARGV[2])
end
for i = 1, 2 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]) + tonumber(ARGV[3])) end
return 1
"""

#: KEYS: budget counter. ARGV: limit. Returns {taken, used}.
TAKE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used} end
return {1, redis.call('INCR', KEYS[1])}
"""

#: KEYS: a site's budget counter. ARGV: pages an earlier run took. Never lowers the count.
AT_LEAST = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""

#: Sent by the cluster's scheduler (with ``host``, ``seconds``, ``reason``) when the request it hands out is of a host
#: another worker paused: the gate then knows of the pause before it asks for a turn, without asking Redis.
host_paused = object()


@functools.lru_cache(maxsize=256)
def _steps_ms(gap: float) -> tuple[int, ...]:
    return tuple(round(step * 1000) for step in backoff_steps(gap))


BUSY_POLL = 0.02  # all leases out at a host without a gap: ask again this soon
KEY_TTL_MS = 7 * 24 * 3600 * 1000


class ClusterPoliteness(Politeness):
    """Per-host gap, concurrency, pauses and back-off held across every worker of a cluster."""

    def __init__(self, url: str, keys: Keys, *, stopping: Callable[[], bool] | None = None,
                 margin: float = GAP_MARGIN, lease_seconds: float = 60.0):
        super().__init__(stopping=stopping)
        self.keys, self.worker = keys, keys.worker
        self.margin_ms, self.lease_ms = round(margin * 1000), round(lease_seconds * 1000)
        self.redis = async_client(url)
        self.outage = Outage(url)
        self._acquire = self.redis.register_script(ACQUIRE)
        self._release = self.redis.register_script(RELEASE)
        self._pause = self.redis.register_script(PAUSE)
        self._tokens: dict[str, deque[str]] = defaultdict(deque)
        self._pause_with_release: dict[str, list[Any]] = {}  # host -> [pause ms, reason] for a release not yet sent
        self._updates: dict[str, asyncio.Task[None]] = {}
        self._ids = itertools.count()
        self._origin_gaps: dict[str, dict[str, tuple[float, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, stopping: Callable[[], bool] | None = None) -> Self:
        s = crawler.settings
        lease = s.getfloat("DOWNLOAD_TIMEOUT", default("DOWNLOAD_TIMEOUT")) + 30.0  # a dead worker's turn frees itself
        pacer = cls(redis_url(s, cls), keys_for(s), stopping=stopping,
                    margin=s.getfloat("CIVIL_CLUSTER_GAP_MARGIN", default("CIVIL_CLUSTER_GAP_MARGIN")),
                    lease_seconds=lease)
        crawler.signals.connect(pacer.paused_elsewhere, signal=host_paused)
        return pacer

    def set_origin_gap(self, host: str, origin: str, gap: float, source: str, floor: float,
                       concurrency: int = 1) -> None:
        """The cluster paces every origin of a host at the largest origin's gap (one Redis hash per host)."""
        gaps = self._origin_gaps.setdefault(host, {})
        gaps[origin] = (gap, source)
        self.set_gap(host, *max(gaps.values()), concurrency)

    def _keys(self, host: str) -> list[str]:
        return [self.keys.host(host), self.keys.host_leases(host), self.keys.host_ready(host)]

    async def _wait_turn(self, host: str, st: HostState, origin: str | None = None) -> float:
        await self._settled(host)  # our own release/pause of this host lands first
        paced = 0.0
        while True:
            self._check_stopping()
            token = f"{self.worker}:{next(self._ids)}"
            args: list[int | str] = [self.margin_ms, st.concurrency, self.lease_ms, token, KEY_TTL_MS, host,
                                     *_steps_ms(st.gap)]
            try:
                granted, wait_ms, errors, pause_ms, busy = await self._acquire(keys=self._keys(host), args=args)
            except UNAVAILABLE as exc:
                self.outage.failed(f"asking for a turn at {host}", exc)
                wait = 0.25
            else:
                self.outage.ok()
                st.errors = int(errors)
                st.paused_until = max(st.paused_until, time.monotonic() + int(pause_ms) / 1000)
                wait = int(wait_ms) / 1000
                if granted:
                    self._tokens[host].append(token)
                    if wait > 0:
                        await self._reserved(host, token, wait)
                    return paced + wait
                if busy:  # look again a gap later: any release before then still grants the turn a gap after it,
                    # so waiting that long loses nothing, and asking sooner only costs round trips
                    wait = max(wait, BUSY_POLL, backed_off(st.gap, st.errors) + self.margin_ms / 1000)
            await self._wait(wait)
            paced += wait

    async def _reserved(self, host: str, token: str, wait: float) -> None:
        """Wait for a turn granted ahead; if the wait ends otherwise (a stop, a budget spent), hand the turn back."""
        try:
            await self._wait(wait)
        except BaseException:
            self._tokens[host].remove(token)
            self._chain(host, f"handing back a turn at {host}",
                        lambda: self._release(keys=self._keys(host), args=[token, 0, host, -1, "", KEY_TTL_MS]))
            raise

    async def _wait(self, seconds: float) -> None:
        """Sleep ``seconds`` without asking Redis meanwhile, but notice a stopping crawl within 0.25 s."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._check_stopping()
            await self._sleep(min(left, 0.25))

    def release(self, host: str, *, server_error: bool = False, ok: bool = False, origin: str | None = None) -> None:
        super().release(host, server_error=server_error, ok=ok, origin=origin)
        tokens = self._tokens.get(host)
        token = tokens.popleft() if tokens else ""
        delta = 1 if server_error else (-1 if ok else 0)
        # A pause the same answer asks for (the gate pauses right after it releases) goes in this call: it reads
        # ``with_pause`` when it is sent, from the next turn of the event loop on.
        with_pause = self._pause_with_release[host] = [-1, ""]

        def send() -> Awaitable[Any]:
            if self._pause_with_release.get(host) is with_pause:
                del self._pause_with_release[host]
            return self._release(keys=self._keys(host), args=[token, delta, host, *with_pause, KEY_TTL_MS])

        self._chain(host, f"releasing a turn at {host}", send)

    def pause(self, host: str, seconds: float, reason: str) -> None:
        super().pause(host, seconds, reason)
        if not math.isfinite(seconds):
            return  # an endless pause (Crawl-delay over our cap) is every worker's own decision
        if (with_release := self._pause_with_release.get(host)) is not None:
            with_release[:] = [max(with_release[0], round(seconds * 1000)), reason]
            return
        keys = [self.keys.host(host), self.keys.host_ready(host)]
        self._chain(host, f"pausing {host}",
                    lambda: self._pause(keys=keys, args=[round(seconds * 1000), reason, KEY_TTL_MS, host]))

    def paused_elsewhere(self, host: str, seconds: float, reason: str) -> None:
        """Another worker paused ``host`` (the scheduler read it with the request it claimed): a pause of this
        process too, so paused_for() knows it without a round trip; Redis has it already."""
        Politeness.pause(self, host, seconds, reason)

    def _chain(self, host: str, what: str, op: Callable[[], Awaitable[Any]]) -> None:
        """Send an update for ``host`` after the previous one, retrying while Redis is down."""
        previous = self._updates.get(host)

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                await call_async(self.outage, what, op, stopping=lambda: self._closing)
            except UNAVAILABLE:
                logger.warning("gave up %s at shutdown: Redis unreachable (its lease expires by itself)", what)

        self._updates[host] = asyncio.get_running_loop().create_task(run())

    async def _settled(self, host: str) -> None:
        task = self._updates.get(host)
        if task is not None and not task.done():
            await asyncio.gather(asyncio.shield(task), return_exceptions=True)


class ClusterBudget(PageBudget):
    """``--max-pages`` for the whole cluster: an atomic take on one Redis counter, never overshooting."""

    REFRESH = 0.25  # seconds between looks at the shared counter from exhausted()

    def __init__(self, limit: int, url: str, key: str, site_key: Callable[[str], str]):
        super().__init__(limit)
        self.key, self.site_key = key, site_key
        self.sync = sync_client(url)
        self.outage = Outage(url)
        self._take = self.sync.register_script(TAKE)
        self._at_least = self.sync.register_script(AT_LEAST)
        self._spent = False
        self._looked = 0.0
        self._sites_spent: set[str] = set()
        self._sites_looked: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        keys = keys_for(s)
        return cls(s.getint("CIVIL_MAX_PAGES", default("CIVIL_MAX_PAGES")), redis_url(s, cls), keys.budget,
                   keys.site_budget)

    def exhausted(self) -> bool:
        if not self.limit or self._spent:
            return self._spent
        if time.monotonic() - self._looked >= self.REFRESH:
            self._looked = time.monotonic()
            try:
                self._spent = int(self.sync.get(self.key) or 0) >= self.limit
            except UNAVAILABLE:
                pass  # take() decides, and waits for Redis
        return self._spent

    def take(self) -> bool:
        if not self.limit:
            self.used += 1
            return True
        taken, _ = call_blocking(self.outage, "taking a page from the cluster's budget",
                                 lambda: self._take(keys=[self.key], args=[self.limit]))
        if taken:
            self.used += 1
        else:
            self._spent = True
        return bool(taken)

    def describe(self) -> str:
        return f"cluster budget of {self.limit} pages used"

    # a site's budget (a policy's crawl.max_pages) is the cluster's too: one counter per site, taken atomically

    def site_spent(self, site: str, limit: int) -> bool:
        if site in self._sites_spent:
            return True
        if time.monotonic() - self._sites_looked.get(site, 0.0) >= self.REFRESH:
            self._sites_looked[site] = time.monotonic()
            try:
                if int(self.sync.get(self.site_key(site)) or 0) >= limit:
                    self._sites_spent.add(site)
            except UNAVAILABLE:
                pass  # take_site() decides, and waits for Redis
        return site in self._sites_spent

    def take_site(self, site: str, limit: int) -> bool:
        taken, _ = call_blocking(self.outage, f"taking a page from {site}'s budget in the cluster",
                                 lambda: self._take(keys=[self.site_key(site)], args=[limit]))
        if taken:
            self.sites[site] = self.sites.get(site, 0) + 1
        else:
            self._sites_spent.add(site)
        return bool(taken)

    def give_back_site(self, site: str) -> None:
        super().give_back_site(site)
        call_blocking(self.outage, f"giving back a page of {site}'s budget in the cluster",
                      lambda: self.sync.decr(self.site_key(site)))

    def restore_sites(self, pages: dict[str, int]) -> None:
        super().restore_sites(pages)
        for site, n in pages.items():  # the counter outlives a run; a worker's own pages are a floor under it
            key = self.site_key(site)
            call_blocking(self.outage, f"restoring {site}'s budget in the cluster",
                          functools.partial(self._at_least, keys=[key], args=[n]))


__all__ = ["ClusterBudget", "ClusterPoliteness", "ShutdownError", "host_paused"]
