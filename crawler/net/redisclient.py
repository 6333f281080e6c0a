"""Redis clients for a cluster worker, and the fail-closed way to call them: wait and retry, never go around."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis
import redis.asyncio as aredis
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Errors that mean "Redis cannot answer now" (refused, reset, timed out, still loading its data).
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)

#: Short timeouts, no hidden retries: the callers below decide how to wait, and log why.
CLIENT_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 2, "socket_timeout": 5, "retry_on_timeout": False}


def redis_url(settings: Any, component: type) -> str:
    """``CIVIL_REDIS_URL`` from ``settings``, which ``component`` (a cluster backend) cannot do without."""
    url = settings.get("CIVIL_REDIS_URL")
    if not url:
        raise ValueError(f"{component.__module__}.{component.__name__} needs the setting CIVIL_REDIS_URL "
                         "(e.g. redis://127.0.0.1:6379/0; on the command line: --redis URL)")
    return str(url)


def sync_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), **CLIENT_OPTIONS)


def async_client(url: str) -> aredis.Redis:
    from redis.asyncio.retry import Retry as AsyncRetry

    return aredis.Redis.from_url(url, retry=AsyncRetry(NoBackoff(), 0), **CLIENT_OPTIONS)


def safe_url(url: str) -> str:
    """The URL without a password, for log lines."""
    head, at, tail = url.rpartition("@")
    return f"{head.split('//', 1)[0]}//***@{tail}" if at else url


class Outage:
    """Logs an outage once when it starts, every ``every`` seconds while it lasts, and once when it ends."""

    def __init__(self, url: str, every: float = 5.0):
        self.url, self.every = safe_url(url), every
        self.since: float | None = None
        self._logged = 0.0

    def failed(self, what: str, exc: BaseException) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = now
        if now - self._logged >= self.every:
            self._logged = now
            logger.warning("Redis at %s is unreachable (%s: %s) while %s; no request is sent until it answers, "
                           "retrying (down %.0f s so far; check that redis-server is running there)",
                           self.url, type(exc).__name__, exc, what, now - self.since)

    def ok(self) -> None:
        if self.since is not None:
            logger.warning("Redis at %s answers again after %.1f s", self.url, time.monotonic() - self.since)
            self.since, self._logged = None, 0.0

    @property
    def down(self) -> bool:
        return self.since is not None


async def call_async(outage: Outage, what: str, op: Callable[[], Awaitable[T]],
                     stopping: Callable[[], bool] = lambda: False) -> T:
    """Await ``op()`` until Redis answers; raises ``stop_error`` via ``stopping`` checks while waiting."""
    pause = 0.1
    while True:
        try:
            result = await op()
        except UNAVAILABLE as exc:
            outage.failed(what, exc)
            if stopping():
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)
            continue
        outage.ok()
        return result


def call_blocking(outage: Outage, what: str, op: Callable[[], T]) -> T:
    """Call ``op()`` until Redis answers, blocking this thread (used where Scrapy's API is synchronous).

    Blocking is the fail-closed choice: nothing else in the worker runs, so nothing is sent meanwhile.
    """
    pause = 0.1
    while True:
        try:
            result = op()
        except UNAVAILABLE as exc:
            outage.failed(what, exc)
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
            continue
        outage.ok()
        return result
