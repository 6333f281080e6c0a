"""Queued requests kept pickled in SQLite rather than as objects, so a large frontier costs little memory.

A Request waiting in Scrapy's memory queue costs some 4-5 KB (the object, its meta and headers, Scrapy's
caches keyed by it); pickled (``Request.to_dict``) it is 300-600 bytes, and here it is not even in memory:
SQLite's private temporary database (``sqlite3.connect("")``) keeps pages in its cache up to CACHE_KIB, then
in a temporary file it deletes itself. Nothing here outlives the process: a job's journal re-queues its URLs
on resume, and a JOBDIR crawl keeps Scrapy's own disk queues. The first WINDOW requests queued stay objects (a
small crawl pays nothing); beyond them per host only a count and the next URL stay in memory. A request that
cannot be pickled (a callback that is no spider method) waits in memory whatever the count.
"""

from __future__ import annotations

import heapq
import pickle
import sqlite3
from itertools import count
from typing import TYPE_CHECKING, Any

from scrapy.utils.request import request_from_dict

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

CACHE_KIB = 4096  # SQLite's page cache: pages beyond it go to its temporary file
WINDOW = 1000  # requests kept as objects, in all (a small crawl's queue, `scrapy shell`'s one request, stay as they are)

_SCHEMA = """
CREATE TABLE queued (host INTEGER NOT NULL, prio INTEGER NOT NULL, seq INTEGER NOT NULL, url TEXT NOT NULL,
                     request BLOB NOT NULL, PRIMARY KEY (host, prio, seq)) WITHOUT ROWID;
"""


class RequestStore:
    """Every host's queued requests, in one private temporary SQLite database."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=OFF")  # nothing to recover: the database dies with the process
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.executescript(_SCHEMA)
        self.seq = count()
        self.hosts = count()
        self.objects = 0  # requests held as objects (by every host's queue)

    def queue(self) -> HostQueue:
        return HostQueue(self, next(self.hosts))

    def put(self, host: int, key: tuple[int, int], request: Request) -> bool:
        """Store ``request``; False if it cannot be pickled."""
        try:
            blob = pickle.dumps(request.to_dict(spider=self.crawler.spider), protocol=pickle.HIGHEST_PROTOCOL)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError):
            return False
        self.db.execute("INSERT INTO queued VALUES (?, ?, ?, ?, ?)", (host, *key, request.url, blob))
        return True

    def first(self, host: int, limit: int) -> list[tuple[int, int, str, bytes]]:
        return self.db.execute("SELECT prio, seq, url, request FROM queued WHERE host = ? ORDER BY prio, seq "
                               "LIMIT ?", (host, limit)).fetchall()

    def take(self, host: int, key: tuple[int, int], blob: bytes) -> Request:
        self.db.execute("DELETE FROM queued WHERE host = ? AND prio = ? AND seq = ?", (host, *key))
        return request_from_dict(pickle.loads(blob), spider=self.crawler.spider)

    def drop(self, host: int) -> None:
        self.db.execute("DELETE FROM queued WHERE host = ?", (host,))

    def size(self) -> int:
        """Bytes the database holds (its pages, in the cache or in its temporary file)."""
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        return pages * self.db.execute("PRAGMA page_size").fetchone()[0]


class HostQueue:
    """One host's queue, as Scrapy's per-slot priority queue (push, pop, peek, len, close): highest priority
    first, first in first out within a priority. Only its size and next URL are in memory."""

    __slots__ = ("store", "host", "stored", "head", "held")

    def __init__(self, store: RequestStore, host: int):
        self.store, self.host = store, host
        self.stored = 0
        self.head: tuple[int, int, str] | None = None  # (prio, seq, url) of the first stored request
        self.held: list[tuple[int, int, Request]] = []  # requests kept as objects: a heap

    def push(self, request: Request) -> None:
        key = (-request.priority, next(self.store.seq))
        if self.store.objects >= WINDOW and self.store.put(self.host, key, request):
            self.stored += 1
            if self.head is None or key < self.head[:2]:
                self.head = (*key, request.url)
        else:
            heapq.heappush(self.held, (*key, request))
            self.store.objects += 1

    def _held_first(self) -> bool:
        return bool(self.held) and (self.head is None or self.held[0][:2] < self.head[:2])

    def pop(self) -> Request | None:
        if self._held_first():
            self.store.objects -= 1
            return heapq.heappop(self.held)[2]
        if self.head is None:
            return None
        rows = self.store.first(self.host, 2)
        prio, seq, _, blob = rows[0]
        self.head = (rows[1][0], rows[1][1], rows[1][2]) if len(rows) > 1 else None
        self.stored -= 1
        return self.store.take(self.host, (prio, seq), blob)

    def peek_url(self) -> str | None:
        """The URL of the request :meth:`pop` would return, without reading it back."""
        if self._held_first():
            return self.held[0][2].url
        return self.head[2] if self.head is not None else None

    def peek(self) -> Request | None:
        if self._held_first():
            return self.held[0][2]
        if self.head is None:
            return None
        _, _, _, blob = self.store.first(self.host, 1)[0]
        return request_from_dict(pickle.loads(blob), spider=self.store.crawler.spider)

    def close(self) -> list[Any]:
        if self.stored:
            self.store.drop(self.host)
        self.store.objects -= len(self.held)
        self.stored, self.head, self.held = 0, None, []
        return []

    def __len__(self) -> int:
        return self.stored + len(self.held)
