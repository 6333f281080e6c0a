"""One cache for the reads the gate makes to decide (robots.txt, tdmrep.json, ai.txt, terms pages).

A read is of a :class:`ReadKind` (its name, how long it stays fresh, its JSON form) and keyed by an origin.
:class:`ReadCache` makes it single-flight: while a read is fresh nobody fetches it again, and while one
caller fetches it the others wait for that answer. Where the answer is kept decides how far "once" reaches:

* :class:`MemoryStore`: this process only (a crawl without a state folder);
* :class:`FolderStore`: the state folder, one JSON file per read, so a resumed or later run of a job reads it
  from there while it is fresh (``STATE/<kind>/<sha256 of the key>.json``);
* :class:`crawler.distributed.reads.RedisStore`: the cluster, behind a lock, so one worker fetches for all.

Memory holds what only memory has; of the reads a store keeps and can give back at once (the state folder's),
only the MEMORY_LIMIT used last stay in memory: a crawl of a million hosts does not hold a million robots.txt.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: fetch(previous) -> the new value; ``previous`` is the stale copy, if any (robots.txt keeps its last good one).
Fetch = Callable[[Any], Awaitable[Any]]
MEMORY_LIMIT = 30_000  # reads kept in memory that the store can give back (~3 per host: robots.txt, terms, tdmrep)


@dataclass(frozen=True)
class ReadKind(Generic[T]):
    """What kind of read: its name (folder and key prefix), freshness and JSON form."""

    name: str
    fresh: Callable[[T, float], bool]  # (value, wall clock now) -> usable without a new fetch
    dump: Callable[[T], dict] | None = None  # None: kept in this process's memory only
    load: Callable[[dict], T] | None = None
    keep: float = 31 * 24 * 3600.0  # seconds a shared store keeps a copy (a stale one still serves as `previous`)

    @property
    def persistent(self) -> bool:
        return self.dump is not None and self.load is not None


class Store(Protocol):
    """Where read values live beyond one caller's memory."""

    def peek(self, kind: ReadKind, key: str) -> Any | None:
        """The stored value, without waiting (None if absent or only remotely known)."""

    def keeps(self, kind: ReadKind) -> bool:
        """Can a value of ``kind`` be had again from :meth:`peek` once memory has dropped it?"""

    async def fetch_once(self, kind: ReadKind, key: str, fetch: Fetch, previous: Any | None) -> Any:
        """The fresh value, fetching it (``fetch(previous)``) only if no one else is."""


class MemoryStore:
    """No store beyond the cache's own memory: every process reads for itself."""

    def keeps(self, kind: ReadKind) -> bool:
        """Can a value of ``kind`` be had again from :meth:`peek` once memory has dropped it?"""
        return False

    def peek(self, kind: ReadKind, key: str) -> Any | None:
        return None

    async def fetch_once(self, kind: ReadKind, key: str, fetch: Fetch, previous: Any | None) -> Any:
        return await fetch(previous)


class FolderStore(MemoryStore):
    """Reads kept as JSON files in a state folder (written atomically), one folder per kind."""

    def __init__(self, state_dir: str | os.PathLike[str]):
        self.root = Path(state_dir)

    def keeps(self, kind: ReadKind) -> bool:
        return kind.persistent  # written by fetch_once, read back by peek

    def path(self, kind: ReadKind, key: str) -> Path:
        return self.root / kind.name / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def peek(self, kind: ReadKind, key: str) -> Any | None:
        if not kind.persistent:
            return None
        path = self.path(kind, key)
        try:
            return kind.load(json.loads(path.read_text("utf-8")))  # type: ignore[misc]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("ignoring unreadable %s cache file %s (it is read again): %s", kind.name, path, exc)
            return None

    async def fetch_once(self, kind: ReadKind, key: str, fetch: Fetch, previous: Any | None) -> Any:
        value = await fetch(previous)
        if kind.persistent:
            self.put(kind, key, value)
        return value

    def put(self, kind: ReadKind, key: str, value: Any) -> None:
        path = self.path(kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(kind.dump(value)), "utf-8")  # type: ignore[misc]
        os.replace(tmp, path)


class ReadCache:
    """Single-flight reads: fresh values are served from memory or the store, one fetch per key at a time."""

    def __init__(self, store: Store | None = None, limit: int = MEMORY_LIMIT):
        self.store: Store = store if store is not None else MemoryStore()
        self.limit = limit
        self._memory: dict[tuple[str, str], Any] = {}  # values only memory has
        self._recent: OrderedDict[tuple[str, str], Any] = OrderedDict()  # values the store keeps: the last used
        self._pending: dict[tuple[str, str], asyncio.Future[Any]] = {}
        self.fetches = 0  # fetches made by this cache (not served from memory or the store)

    def get(self, kind: ReadKind[T], key: str) -> T | None:
        """What is known now (fresh or not), without fetching."""
        k = (kind.name, key)
        if k in self._memory:
            return self._memory[k]
        if k in self._recent:
            self._recent.move_to_end(k)
            return self._recent[k]
        value = self.store.peek(kind, key)
        if value is not None:
            self._remember(kind, k, value)
        return value

    def _remember(self, kind: ReadKind, k: tuple[str, str], value: Any) -> None:
        keeps = getattr(self.store, "keeps", None)  # a store without it keeps nothing we may drop
        if keeps is None or not keeps(kind):
            self._memory[k] = value
            return
        self._recent[k] = value
        self._recent.move_to_end(k)
        if len(self._recent) > self.limit:
            self._recent.popitem(last=False)

    async def read(self, kind: ReadKind[T], key: str, fetch: Fetch) -> T:
        """The fresh value for ``key``; ``fetch(previous)`` is called only when nobody has a fresh one."""
        k = (kind.name, key)
        value = self.get(kind, key)
        if value is not None and kind.fresh(value, time.time()):
            return value
        pending = self._pending.get(k)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[k] = fut

        async def counted(previous: Any | None) -> Any:
            self.fetches += 1
            return await fetch(previous)

        try:
            value = await self.store.fetch_once(kind, key, counted, value)
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: waiters re-raise it, an unwatched future must not warn
            raise
        finally:
            del self._pending[k]
        self._remember(kind, k, value)
        fut.set_result(value)
        return value
