"""The cluster's robots.txt cache: one record per origin in Redis, fetched by one worker at a time.

The record is the same :class:`crawler.robots.RobotsRecord` (same RFC 9309 status rules, 24 h freshness,
back-off for unreachable files, the last good copy kept for 30 days). A worker that finds no fresh record
takes a short lock (``SET NX PX``, kept alive while it fetches); the others wait for its record.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable

from crawler.distributed.connection import Outage, async_client, call_async
from crawler.politeness import ShutdownError
from crawler.robots import LAST_GOOD_MAX_AGE, RobotsRecord

LOCK_TTL = 15.0  # seconds; renewed every LOCK_TTL / 3 while the holder fetches, so a dead holder frees it soon
POLL = 0.1

_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"


class SharedRobots:
    """robots.txt records shared by a cluster under ``<prefix>robots:<origin>``."""

    def __init__(self, url: str, prefix: str):
        self.prefix = prefix
        self.redis = async_client(url)
        self.outage = Outage(url)
        self._unlock = self.redis.register_script(_UNLOCK)
        self._renew = self.redis.register_script(_RENEW)

    async def get(self, origin: str, stopping: Callable[[], bool]) -> RobotsRecord | None:
        raw = await call_async(self.outage, f"reading robots.txt of {origin}",
                               lambda: self.redis.get(self.prefix + "robots:" + origin), stopping)
        return RobotsRecord(**json.loads(raw)) if raw else None

    async def put(self, record: RobotsRecord, stopping: Callable[[], bool]) -> None:
        data = json.dumps(record.to_json())
        ttl = int(LAST_GOOD_MAX_AGE) + 24 * 3600  # the last good copy must outlive its 30 days of use
        await call_async(self.outage, f"storing robots.txt of {record.origin}",
                         lambda: self.redis.set(self.prefix + "robots:" + record.origin, data, ex=ttl), stopping)

    async def fetch_once(self, origin: str, fetch: Callable[[RobotsRecord | None], Awaitable[RobotsRecord]],
                         fresh: Callable[[RobotsRecord], bool], stopping: Callable[[], bool]) -> RobotsRecord:
        """The fresh shared record for ``origin``, calling ``fetch(previous)`` only if no other worker is."""
        lock, token = self.prefix + "robots-lock:" + origin, uuid.uuid4().hex
        while True:
            record = await self.get(origin, stopping)
            if record is not None and fresh(record):
                return record
            got = await call_async(self.outage, f"locking robots.txt of {origin}",
                                   lambda: self.redis.set(lock, token, nx=True, px=int(LOCK_TTL * 1000)), stopping)
            if got:
                break
            if stopping():
                raise ShutdownError(f"crawl stopping while waiting for robots.txt of {origin}")
            await asyncio.sleep(POLL)
        keeper = asyncio.get_running_loop().create_task(self._keep(lock, token))
        try:
            record = await fetch(record)
            await self.put(record, stopping)
            return record
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
