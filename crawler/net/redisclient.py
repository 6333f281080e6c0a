"""Redis clients for a cluster worker, and the fail-closed way to call them: wait and retry, never go around.

``redis://`` and ``rediss://`` URLs (and ``unix://``) name one Redis server; ``redis+cluster://HOST:PORT`` and
``rediss+cluster://HOST:PORT`` name a Redis Cluster by any of its nodes (redis-py's ``RedisCluster`` finds the
others; a cluster has database 0 only).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
import redis.asyncio as aredis
import redis.asyncio.cluster as acluster
import redis.cluster
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Errors that mean "Redis cannot answer now" (refused, reset, timed out, still loading its data; a cluster that
#: has lost a shard).
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterDownError,
               redis.exceptions.TryAgainError)

#: URL schemes of a Redis Cluster, and the plain scheme redis-py's cluster client reads.
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}

SyncClient = redis.Redis | redis.cluster.RedisCluster
AsyncClient = aredis.Redis | acluster.RedisCluster

#: Short timeouts, no hidden retries: the callers below decide how to wait, and log why.
CLIENT_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 2, "socket_timeout": 5, "retry_on_timeout": False}


def redis_url(settings: Any, component: type) -> str:
    """``CIVIL_REDIS_URL`` from ``settings``, which ``component`` (a cluster backend) cannot do without."""
    url = settings.get("CIVIL_REDIS_URL")
    if not url:
        raise ValueError(f"{component.__module__}.{component.__name__} needs the setting CIVIL_REDIS_URL "
                         "(e.g. redis://127.0.0.1:6379/0; on the command line: --redis URL)")
    return str(url)


#: What a Redis URL may look like, for error messages.
URL_FORMS = "redis://HOST:PORT/DB (or rediss://, unix://; a Redis Cluster: redis+cluster://HOST:PORT)"


def url_problem(url: object) -> str | None:
    """What is wrong with ``url`` as a Redis URL, or None."""
    if not isinstance(url, str) or not url.lower().startswith(("redis://", "rediss://", "unix://", *(
            f"{scheme}://" for scheme in CLUSTER_SCHEMES))):
        return f"expected a {URL_FORMS} URL"
    try:
        cluster_url(url)
    except ValueError as exc:
        return str(exc)
    return None


def cluster_url(url: str) -> str | None:
    """The URL for redis-py's cluster client if ``url`` names a Redis Cluster (see the module's docstring)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in CLUSTER_SCHEMES:
        return None
    address, _, db = rest.partition("/")
    if db.split("?")[0] not in ("", "0"):
        raise ValueError(f"Redis URL {safe_url(url)}: a Redis Cluster has database 0 only; drop '/{db}'")
    return f"{CLUSTER_SCHEMES[scheme.lower()]}://{address}"


def sync_client(url: str) -> SyncClient:
    plain = cluster_url(url)
    if plain is not None:
        return redis.cluster.RedisCluster.from_url(plain, retry=Retry(NoBackoff(), 0), **CLIENT_OPTIONS)
    return redis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), **CLIENT_OPTIONS)


def async_client(url: str) -> AsyncClient:
    from redis.asyncio.retry import Retry as AsyncRetry

    plain = cluster_url(url)
    if plain is not None:
        options = {k: v for k, v in CLIENT_OPTIONS.items() if k != "retry_on_timeout"}  # not an option there
        return acluster.RedisCluster.from_url(plain, retry=AsyncRetry(NoBackoff(), 0), **options)
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


@dataclass(frozen=True)
class Call:
    """One call of a registered Lua script, to run alone or with others in one round trip (:func:`run_calls`)."""

    script: Script
    keys: list[str]
    args: list[Any]


def run_calls(client: SyncClient, calls: list[Call]) -> list[Any]:
    """Run ``calls`` in one round trip (a pipeline; on a Redis Cluster, one per node) and return their answers.

    A script the server does not know (it restarted, or was flushed) is loaded and run again; any other error
    is raised (UNAVAILABLE ones included: some calls may have run, so each must be safe to run twice).
    """
    if len(calls) == 1:
        return [calls[0].script(keys=calls[0].keys, args=calls[0].args)]
    pipe = client.pipeline(transaction=False)
    for c in calls:
        pipe.evalsha(c.script.sha, len(c.keys), *c.keys, *c.args)
    answers = pipe.execute(raise_on_error=False)
    for i, answer in enumerate(answers):
        if isinstance(answer, redis.exceptions.NoScriptError):
            answers[i] = calls[i].script(keys=calls[i].keys, args=calls[i].args)
        elif isinstance(answer, Exception):
            raise answer
    return list(answers)
