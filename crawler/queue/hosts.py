"""Host-aware scheduling: hand out a request only when its host's turn has come, so waiting costs no engine slot.

Scrapy counts every request between the scheduler and the answer against CONCURRENT_REQUESTS, including one
that sits in the gate waiting out its host's gap or the reads the gate needs first (robots.txt, terms,
tdmrep.json). This queue keeps such requests itself: hosts wait in a heap keyed by the time the pacer
(crawler.pace.local) says their next request may start, and the engine is woken when the earliest comes due.
A host whose decision reads are not done yet is warmed up first (the gate's ``prepare``, a few hosts at a
time, outside the engine's slots); its requests are handed out once they can leave without waiting. The
gate still enforces every gap: a request handed out early only waits there, it never leaves sooner.

Per request the work does not grow with the number of hosts: a heap push/pop (log n), dict lookups, and a
look at the requests out (at most CONCURRENT_REQUESTS). ``len()`` is a kept count.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import sys
import time
from collections import deque
from contextlib import suppress
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.pqueues import DownloaderAwarePriorityQueue, _path_safe
from scrapy.utils.asyncio import call_later

from crawler.net.urls import BadURL, host_of, origin
from crawler.pace.local import Politeness
from crawler.queue.stored import HostQueue, RequestStore
from crawler.queue.warmup import WarmUps

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
INF = float("inf")
PATIENCE = 10.0  # seconds a read made ahead waits behind the pages at most


class _Slots:
    """Stands in for Scrapy's downloader interface: requests are queued per host."""

    @staticmethod
    def get_slot_key(request: Request) -> str:
        try:
            return sys.intern(host_of(request.url))  # one string per host, however many requests and entries
        except BadURL:
            return ""


def _origin(url: str) -> str | None:
    try:
        return origin(url)
    except BadURL:
        return None


def _head_url(queue: Any) -> str | None:
    if isinstance(queue, HostQueue):
        return queue.peek_url()
    head = queue.peek()
    return head.url if head is not None else None


class HostAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Per-host queues behind a heap of next turns; requests leave only when their host may be contacted."""

    def __init__(self, crawler: Crawler, *args: Any, **kwargs: Any):
        super().__init__(crawler, *args, **kwargs)
        self._downloader_interface = _Slots()  # type: ignore[assignment]
        self._count = sum(len(q) for q in self.pqueues.values())  # a resumed JOBDIR's queues, counted once
        self._heap: list[tuple[float, int, str]] = []  # (due, tie-break, host)
        self._due: dict[str, float] = {}  # host -> the due time of its one live heap entry
        self._seq = count()
        self._out: dict[str, list[Request]] = {}  # host -> its requests handed out and still in the downloader
        self._since: dict[str, float] = {}  # host -> when its next request first waited here for its turn
        self._spare_waiters: deque[asyncio.Future[None]] = deque()
        # hosts whose reads are under way at once: their reads only fill slots the pages leave free
        self.warmups = WarmUps(4 * max(1, crawler.settings.getint("CONCURRENT_REQUESTS", 16)), self._prepare,
                               self._read_before, self._warmed)
        self._gate: Any = None
        self._pacer: Politeness | None = None
        self._wake_at = INF
        self._wake_call: Any = None
        for host in self.pqueues:
            self._schedule(host, -INF)

    def pqfactory(self, slot: str, startprios: Any = ()) -> Any:
        """A host's queue: in the request store (memory mode), or Scrapy's own on disk (a JOBDIR)."""
        if self.key:
            return super().pqfactory(slot, startprios)
        store = getattr(self, "_store", None)
        if store is None:
            store = self._store = RequestStore(self.crawler)
        return store.queue()

    # -- what the queue asks of the gate and the pacer ---------------------------------------------------

    def _find_gate(self) -> None:
        """The gate among the downloader middlewares, known by what it offers: its pacer (and ``prepare``)."""
        if self._pacer is not None:
            return
        try:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
        except AttributeError:
            return
        for mw in middlewares:
            if isinstance(getattr(mw, "politeness", None), Politeness):
                self._gate, self._pacer = mw, mw.politeness
                mw.politeness.on_free.append(self._freed)
                mw.politeness.spare = self._spare
                return

    async def _prepare(self, url: str) -> None:
        await self._gate.prepare(url)

    def _warmed(self, host: str) -> None:
        if host:
            self._schedule(host, -INF)
        else:
            self._wake(-INF)

    def _read_before(self, url: str) -> bool:
        read_before = getattr(self._gate, "read_before", None)
        return read_before is not None and read_before(url)

    def _prepared(self, url: str) -> bool:
        prepared = getattr(self._gate, "prepared", None)
        return prepared is None or prepared(url)

    def _in_downloader(self, request: Request) -> bool:
        try:
            return request in self.crawler.engine.downloader.active
        except AttributeError:
            return False

    # -- the heap of hosts --------------------------------------------------------------------------------

    def _schedule(self, host: str, due: float) -> None:
        """Look at ``host`` again at ``due`` (monotonic); an earlier look already planned stands."""
        if self._due.get(host, INF) <= due:
            return
        self._due[host] = due
        heapq.heappush(self._heap, (due, next(self._seq), host))
        self._wake(due)

    def _freed(self, host: str) -> None:
        """The pacer says ``host``'s turn is free (an answer came back): look at its next request."""
        if host in self.pqueues and host not in self._out and host not in self.warmups.held:
            self._schedule(host, -INF)

    async def _spare(self) -> None:
        """Wait until the engine has a slot no request whose turn has come needs: reads made ahead go after the
        pages (granted by pop() when it has nothing to hand out; after PATIENCE seconds they go anyway)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._spare_waiters.append(waiter)
        self._wake(-INF)
        await asyncio.wait({waiter}, timeout=PATIENCE)
        if not waiter.done():
            waiter.cancel()

    def _grant_spare(self) -> None:
        try:
            downloader = self.crawler.engine.downloader
            free = downloader.total_concurrency - len(downloader.active)
        except AttributeError:
            free = len(self._spare_waiters)
        while free > 0 and self._spare_waiters:
            waiter = self._spare_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    def _return_out(self) -> None:
        """Hosts whose requests have left the downloader (answered, refused, dropped) are looked at again."""
        back = []
        for host, requests in self._out.items():
            requests[:] = [r for r in requests if self._in_downloader(r)]
            if not requests:
                back.append(host)
        for host in back:
            del self._out[host]
            if host in self.pqueues:
                self._schedule(host, -INF)  # the pacer says when it may go

    # -- Scrapy's queue interface ---------------------------------------------------------------------------

    def push(self, request: Request) -> None:
        super().push(request)
        self._count += 1
        host = self._downloader_interface.get_slot_key(request)
        if host not in self._out and host not in self.warmups.held:
            self._schedule(host, -INF)

    def pop(self) -> Request | None:
        self._find_gate()
        if self._out:
            self._return_out()
        if self.warmups.waiting():
            for host in self.warmups.next_in_line():
                if host in self.pqueues:
                    self._schedule(host, -INF)
        now = time.monotonic()
        while self._heap and self._heap[0][0] <= now:
            due, _, host = heapq.heappop(self._heap)
            if self._due.get(host) != due:
                continue  # superseded by an earlier look
            del self._due[host]
            queue = self.pqueues.get(host)
            if queue is None or self._at_limit(host) or (url := _head_url(queue)) is None:
                continue  # nothing queued; or requests out: looked at again when they are back
            if not self._prepared(url):
                self.warmups.warm(host, url)
                continue
            turn = self._pacer.next_turn(host, _origin(url)) if self._pacer is not None else -INF
            if turn == INF:  # at its concurrency (the gate's own reads): on_free brings it back; this is a fallback
                self._schedule(host, now + 1.0)
            elif turn > now:
                self._since.setdefault(host, now)
                self._schedule(host, turn)
            else:
                return self._hand_out(host, queue, now)
        if self._spare_waiters:
            self._grant_spare()
        if self._heap:
            self._wake(self._heap[0][0])
        return None

    def _at_limit(self, host: str) -> bool:
        out = self._out.get(host)
        if not out:
            return False
        st = self._pacer.hosts.get(host) if self._pacer is not None else None
        return len(out) >= (st.concurrency if st is not None else 1)

    def _hand_out(self, host: str, queue: Any, now: float) -> Request | None:
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[host]
            queue.close()
            if self.key:  # reclaim the slot's folder (rmdir leaves it if files remain)
                with suppress(OSError):
                    Path(self.key, _path_safe(host)).rmdir()
        if request is None:
            return None
        self._count -= 1
        self._out.setdefault(host, []).append(request)
        if self._pacer is not None:  # the pacer tells the gate (and its audit record) how long it waited for its turn
            self._pacer.state(host).turn_wait = now - self._since.pop(host, now)
        if host in self.pqueues and not self._at_limit(host) and self._pacer is not None:
            # more than one request at a time: the next may go one gap after this one
            self._schedule(host, now + self._pacer.state(host).effective_gap)
        return request

    def peek(self) -> Request | None:
        """A request of the host due first (it may not be handed out yet)."""
        for _, _, host in self._heap[:1]:
            if (queue := self.pqueues.get(host)) is not None:
                return queue.peek()
        return next((q.peek() for q in self.pqueues.values()), None)

    def close(self) -> dict[str, list[int]]:
        self.warmups.close()
        if self._wake_call is not None:
            self._wake_call.cancel()
        if self._pacer is not None and self._freed in self._pacer.on_free:
            self._pacer.on_free.remove(self._freed)
        return super().close()

    def __len__(self) -> int:
        return self._count

    def drain(self) -> list[Request]:
        """Take every queued request out (the crawl closes: the gate records what a memory queue never sent)."""
        left = []
        for queue in self.pqueues.values():
            while (request := queue.pop()) is not None:
                left.append(request)
        self._count = 0
        return left

    # -- waking the engine when the next host comes due ---------------------------------------------------------

    def _wake(self, due: float) -> None:
        """Have the engine ask for requests at ``due``: by itself it asks again only when an answer comes back."""
        if due >= self._wake_at:
            return  # it is woken earlier already
        if self._wake_call is not None:
            self._wake_call.cancel()
        try:
            self._wake_call = call_later(max(0.0, due - time.monotonic()), self._poke)
        except RuntimeError:  # no reactor yet (a queue built outside a crawl): the engine asks by itself
            return
        self._wake_at = due

    def _poke(self) -> None:
        self._wake_at, self._wake_call = INF, None
        slot = getattr(self.crawler.engine, "_slot", None)  # Scrapy has no public "look again"
        if slot is not None:
            slot.nextcall.schedule()
