"""The cluster's store of decision reads (robots.txt, tdmrep.json, ai.txt, ...): one copy per origin in Redis.

A worker that finds no fresh copy takes a short lock (``SET NX PX``, kept alive while it fetches); the others
wait for its copy, so each read is fetched once for the whole cluster. The values and their freshness are the
reads' own (:class:`crawler.gate.readcache.ReadKind`); keys are ``<prefix><kind>:<origin>`` (robots.txt keeps its
``<prefix>robots:<origin>``).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from crawler.gate.readcache import Fetch, ReadKind
from crawler.gate.refusal import Stopping
from crawler.net.redisclient import UNAVAILABLE, Outage, async_client, call_async, redis_url
from crawler.net.rediskeys import key_prefix
from crawler.options import default
from crawler.pace.local import ShutdownError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

LOCK_TTL = 15.0  # seconds; renewed every LOCK_TTL / 3 while the holder fetches, so a dead holder frees it soon
POLL = 0.1

_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"


class RedisStore:
    """Decision reads shared by the workers of a cluster under ``prefix``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, stopping: Callable[[], bool]) -> Self:
        s = crawler.settings
        return cls(redis_url(s, cls), key_prefix(s.get("CIVIL_CLUSTER") or default("CIVIL_CLUSTER")), stopping)

    def __init__(self, url: str, prefix: str, stopping: Callable[[], bool]):
        self.prefix = prefix
        self.stopping = stopping
        self.redis = async_client(url)
        self.outage = Outage(url)
        self._unlock = self.redis.register_script(_UNLOCK)
        self._renew = self.redis.register_script(_RENEW)

    def peek(self, kind: ReadKind, key: str) -> Any | None:
        return None  # only known after an awaited read

    async def get(self, kind: ReadKind, key: str) -> Any | None:
        raw = await call_async(self.outage, f"reading {kind.name} of {key}",
                               lambda: self.redis.get(f"{self.prefix}{kind.name}:{key}"), self.stopping)
        return kind.load(json.loads(raw)) if raw else None  # type: ignore[misc]

    async def put(self, kind: ReadKind, key: str, value: Any) -> None:
        data = json.dumps(kind.dump(value))  # type: ignore[misc]
        await call_async(self.outage, f"storing {kind.name} of {key}",
                         lambda: self.redis.set(f"{self.prefix}{kind.name}:{key}", data, ex=int(kind.keep)),
                         self.stopping)

    async def fetch_once(self, kind: ReadKind, key: str, fetch: Fetch, previous: Any | None) -> Any:
        """The fresh shared value for ``key``, calling ``fetch(previous)`` only if no other worker is."""
        if not kind.persistent:
            return await fetch(previous)
        try:
            return await self._fetch_once(kind, key, fetch, previous)
        except (ShutdownError, *UNAVAILABLE):
            raise Stopping(f"crawl stopping while reading {kind.name} of {key}") from None

    async def _fetch_once(self, kind: ReadKind, key: str, fetch: Fetch, previous: Any | None) -> Any:
        lock, token = f"{self.prefix}{kind.name}-lock:{key}", uuid.uuid4().hex
        while True:
            value = await self.get(kind, key)
            if value is not None and kind.fresh(value, time.time()):
                return value
            got = await call_async(self.outage, f"locking {kind.name} of {key}",
                                   lambda: self.redis.set(lock, token, nx=True, px=int(LOCK_TTL * 1000)),
                                   self.stopping)
            if got:
                break
            if self.stopping():
                raise ShutdownError(f"crawl stopping while waiting for {kind.name} of {key}")
            await asyncio.sleep(POLL)
        keeper = asyncio.get_running_loop().create_task(self._keep(lock, token))
        try:
            value = await fetch(value if value is not None else previous)
            await self.put(kind, key, value)
            return value
        finally:
            keeper.cancel()
            try:
                await self._unlock(keys=[lock], args=[token])
            except Exception:  # noqa: BLE001 - the lock expires by itself
                pass

    async def _keep(self, lock: str, token: str) -> None:
        while True:
            await asyncio.sleep(LOCK_TTL / 3)
            try:
                await self._renew(keys=[lock], args=[token, int(LOCK_TTL * 1000)])
            except Exception:  # noqa: BLE001 - a lost lock only means another worker may fetch too
                pass
