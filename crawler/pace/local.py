"""Per-host politeness: a minimum gap between request starts, a concurrency cap, pauses and back-off.

Everything here is asyncio and single-threaded (Scrapy's reactor loop). The gate calls :meth:`acquire`
before a request leaves and :meth:`release` when its answer (or error) is back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from crawler.options import default

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Server-side gaps can be a little shorter than dispatch gaps (connection set-up varies);
#: this margin is added to every non-zero gap so the gap holds as the server sees it.
GAP_MARGIN = 0.02
MAX_BACKOFF = 300.0


def backed_off(gap: float, errors: int) -> float:
    """``gap`` with back-off applied: doubles for every consecutive server error, up to MAX_BACKOFF.

    The one home of the formula: the cluster's Lua script reads :func:`backoff_steps`, not a copy of it.
    """
    if not errors:
        return gap
    return max(gap, min(MAX_BACKOFF, max(gap, 1.0) * 2 ** (errors - 1)))


def backoff_steps(gap: float) -> list[float]:
    """``backed_off(gap, errors)`` for errors = 0, 1, 2, ... up to its ceiling (more errors: the last step)."""
    steps = [backed_off(gap, 0)]
    while steps[-1] < max(gap, MAX_BACKOFF):
        steps.append(backed_off(gap, len(steps)))
    return steps


@dataclass(slots=True)
class HostState:
    """The pacing state of one host (a broad crawl keeps one per host it met: slots, and a list for the rare waiters)."""

    gap: float = 0.0  # seconds between request starts, before back-off (the largest of its origins' gaps)
    gap_source: str = "default"
    concurrency: int = 1
    active: int = 0  # requests holding a turn (waiting out the gap, or in flight)
    in_flight: int = 0
    waiting: int = 0
    # The later of the last start and the last finish: a gap counted from the previous answer holds at the
    # server even when a start left the client late (a busy event loop, a slow connect).
    last_start: float = float("-inf")
    paused_until: float = 0.0
    pause_reason: str = ""
    errors: int = 0  # consecutive 5xx / 429 answers
    queue: list[tuple[asyncio.Future[None], str | None]] = field(default_factory=list)  # waiters, first in first out
    # Hosts serving several origins (ports, http and https): each origin keeps its own gap (its robots.txt's
    # Crawl-delay / Request-rate), and ``floor`` (our own per-host delay) holds between any two starts at the host.
    origins: dict[str, tuple[float, str]] = field(default_factory=dict)
    origin_last: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0
    last_origin: str | None = None
    held_to: float = 0.0  # the gap the last start was held to, since the previous start at this host
    turn_wait: float = 0.0  # seconds the next request waited for this turn before reaching the gate (the scheduler)

    @property
    def effective_gap(self) -> float:
        """The gap with back-off applied: doubles for every consecutive server error, up to MAX_BACKOFF."""
        return backed_off(self.gap, self.errors)

    def gap_for(self, origin: str | None) -> tuple[float, float]:
        """(the gap since the host's last start, the gap since ``origin``'s last start), back-off applied."""
        if origin is None or len(self.origins) < 2 or origin not in self.origins:
            return self.effective_gap, 0.0  # one origin (or unknown): the host's gap, as always
        return backed_off(self.floor, self.errors), backed_off(self.origins[origin][0], self.errors)

    def ready_at(self, origin: str | None) -> float:
        """When a request of ``origin`` may start at this host."""
        host_gap, origin_gap = self.gap_for(origin)
        ready = max(self.last_start + (host_gap + GAP_MARGIN if host_gap else 0.0), self.paused_until)
        if origin_gap and origin is not None:  # a gap of its own means a known origin
            ready = max(ready, self.origin_last.get(origin, float("-inf")) + origin_gap + GAP_MARGIN)
        return ready


class ShutdownError(Exception):
    """The crawl is stopping; waiting requests are dropped (and kept for a later resume)."""


class GaveUp(Exception):
    """The waiter's own reason to wait is gone (its ``give_up`` said so): it leaves without a turn."""


class Politeness:
    """Hands out permission to start a request, per host, never faster than the host's gap."""

    def __init__(self, stopping: Callable[[], bool] | None = None, max_wait: float = float("inf"),
                 continues: bool = False) -> None:
        self.stopping = stopping  # polled while waiting, so a stopping crawl never drains queues at crawl pace
        self.max_wait = max_wait  # longer pauses are not waited out: the gate refuses the host's requests
        # A run that continues an earlier one (a job resumed after a kill) does not know when that one last
        # reached each host: every host counts as reached when this one began, so no gap breaks across the restart.
        self.began = time.monotonic() if continues else float("-inf")
        self.hosts: dict[str, HostState] = {}
        self.on_free: list[Callable[[str], None]] = []  # told when a host's turn is free again (the scheduler)
        self.spare: Callable[[], Awaitable[None]] | None = None  # the scheduler's: wait for an engine slot no one needs
        self._closing = False
        self._closed: asyncio.Event | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, stopping: Callable[[], bool] | None = None) -> Self:
        from crawler.options import default

        s = crawler.settings  # a job's state folder: its run may follow a killed one
        return cls(stopping=stopping, max_wait=s.getfloat("CIVIL_MAX_RETRY_AFTER", default("CIVIL_MAX_RETRY_AFTER")),
                   continues=bool(s.get("CIVIL_STATE_DIR")))

    def state(self, host: str) -> HostState:
        st = self.hosts.get(host)
        if st is None:
            st = self.hosts[host] = HostState(last_start=self.began)
        return st

    def load(self, host: str) -> int:
        """Requests of ``host`` waiting or in flight (the scheduler spreads work by this)."""
        st = self.hosts.get(host)
        return st.in_flight + st.waiting if st else 0

    def set_gap(self, host: str, gap: float, source: str, concurrency: int = 1) -> None:
        st = self.state(host)
        st.gap, st.gap_source, st.concurrency = gap, source, max(1, concurrency)

    def set_origin_gap(self, host: str, origin: str, gap: float, source: str, floor: float,
                       concurrency: int = 1) -> None:
        """Pace ``origin`` of ``host`` at its own ``gap``; ``floor`` holds between any two starts at the host."""
        st = self.state(host)
        st.origins[origin] = (gap, source)
        st.floor = max(st.floor, floor)
        gap, source = max(st.origins.values())
        self.set_gap(host, gap, source, concurrency)

    def pause(self, host: str, seconds: float, reason: str) -> None:
        """Send nothing to ``host`` for ``seconds`` (Retry-After, back-off); never shortens a pause."""
        st = self.state(host)
        until = time.monotonic() + seconds
        if until > st.paused_until:
            st.paused_until, st.pause_reason = until, reason

    def next_turn(self, host: str, origin: str | None = None) -> float:
        """When (monotonic) a request of ``origin`` could start at ``host`` without waiting; inf while the host is
        at its concurrency (:attr:`on_free` tells when that ends). A pause over ``max_wait`` counts as now: such
        a request is refused at once, not kept waiting."""
        st = self.hosts.get(host)
        if st is None:
            return self.began
        if st.active >= st.concurrency or st.queue:
            return float("inf")
        ready = st.ready_at(origin)
        return float("-inf") if st.paused_until - time.monotonic() > self.max_wait else ready

    async def wait_ready(self, host: str, origin: str | None = None, *, behind: bool = False) -> None:
        """Sleep until ``host``'s turn could be taken, without taking it: callers wait here, not in the downloader
        (a race to the turn is still settled by :meth:`acquire`). ``behind``: then also wait for :attr:`spare` (the
        scheduler's word that no request whose turn has come needs the slot). Returns at once when stopping."""
        await self._until_turn(host, origin)
        if behind and self.spare is not None:
            await self.spare()
            await self._until_turn(host, origin)  # another request may have taken the turn meanwhile

    async def _until_turn(self, host: str, origin: str | None) -> None:
        while not (self._closing or (self.stopping is not None and self.stopping())):
            wait = self.next_turn(host, origin) - time.monotonic()
            if wait <= 0:
                return
            await self._sleep(min(wait, GIVE_UP_POLL))

    def paused_for(self, host: str) -> float:
        st = self.hosts.get(host)
        return max(0.0, st.paused_until - time.monotonic()) if st else 0.0

    async def acquire(self, host: str, give_up: Callable[[], bool] | None = None, origin: str | None = None) -> float:
        """Wait for a turn at ``host`` (for a URL of ``origin``); return the seconds spent waiting out its gap or
        pause (not the queue).

        Raises ShutdownError when the crawl is stopping, and GaveUp as soon as ``give_up()`` is true (looked at
        every GIVE_UP_POLL seconds while waiting: a request over the page budget need not wait for a turn).
        """
        st = self.state(host)
        st.waiting += 1
        try:
            if give_up is not None and give_up():
                raise GaveUp(host)
            if st.active >= st.concurrency or st.queue:
                fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                entry = (fut, origin)
                st.queue.append(entry)
                try:
                    await _until(fut, give_up)  # the releaser hands its slot over (active stays counted)
                except BaseException:
                    if fut.done() and not fut.cancelled():  # the slot was handed over just before: give it back
                        st.active -= 1
                        self._wake_next(st, host)
                    else:
                        fut.cancel()
                        if entry in st.queue:
                            st.queue.remove(entry)
                    raise
            else:
                st.active += 1
            try:
                paced = await _until(self._wait_turn(host, st, origin), give_up)
            except BaseException:
                st.active -= 1
                self._wake_next(st, host)
                raise
            st.in_flight += 1
            paced, st.turn_wait = paced + st.turn_wait, 0.0
            now = time.monotonic()
            host_gap, origin_gap = st.gap_for(origin)
            st.held_to = max(host_gap, origin_gap if origin == st.last_origin else 0.0)
            st.last_start, st.last_origin = now, origin
            if origin is not None:
                st.origin_last[origin] = now
            return paced
        finally:
            st.waiting -= 1

    async def _wait_turn(self, host: str, st: HostState, origin: str | None = None) -> float:
        """Wait out the host's (and the origin's) gap and pause (a cluster asks Redis instead); return the
        seconds waited."""
        began = time.monotonic()
        while True:
            self._check_stopping()
            ready = st.ready_at(origin)
            now = time.monotonic()
            if ready <= now:
                return now - began
            await self._sleep(ready - now)  # sleeps may end early (to notice a stop) and pauses grow: look again

    def _check_stopping(self) -> None:
        if self._closing or (self.stopping is not None and self.stopping()):
            raise ShutdownError("crawl is stopping")

    def release(self, host: str, *, server_error: bool = False, ok: bool = False, origin: str | None = None) -> None:
        """A request of ``host`` (of ``origin``, if known) has finished; adjust the back-off and let the next one in."""
        st = self.state(host)
        now = time.monotonic()
        st.last_start = max(st.last_start, now)
        for o in [origin] if origin in st.origin_last else st.origin_last:  # unknown: every origin counts from now
            st.origin_last[o] = max(st.origin_last[o], now)
        st.in_flight = max(0, st.in_flight - 1)
        st.active = max(0, st.active - 1)
        if server_error:
            st.errors += 1
        elif ok and st.errors:
            st.errors -= 1
        self._wake_next(st, host)

    def _wake_next(self, st: HostState, host: str) -> None:
        """Hand free slots over; with several origins, to the waiter whose origin's turn comes first."""
        if not st.queue and st.active < st.concurrency:
            for listener in self.on_free:
                listener(host)
        while st.queue and st.active < st.concurrency:
            if len(st.origins) > 1:
                entry = min(st.queue, key=lambda e: st.ready_at(e[1]))  # stable: FIFO among equals
                st.queue.remove(entry)
            else:
                entry = st.queue.pop(0)
            if not entry[0].done():
                st.active += 1
                entry[0].set_result(None)

    async def _sleep(self, seconds: float) -> None:
        if self._closed is None:
            self._closed = asyncio.Event()
        try:
            await asyncio.wait_for(self._closed.wait(), min(seconds, 0.25) if self.stopping else seconds)
        except TimeoutError:
            pass

    def close(self) -> None:
        """Wake every waiter so it can give up at once (graceful stop must not drain queues at crawl pace)."""
        self._closing = True
        if self._closed is not None:
            self._closed.set()
        for st in self.hosts.values():
            while st.queue:
                fut, _ = st.queue.pop(0)
                if not fut.done():
                    fut.set_result(None)


GIVE_UP_POLL = 0.1


async def _until(waitable: Any, give_up: Callable[[], bool] | None) -> Any:
    """Await ``waitable``, but raise GaveUp (cancelling it) once ``give_up()`` is true."""
    if give_up is None:
        return await waitable
    task = asyncio.ensure_future(waitable)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=GIVE_UP_POLL)
            if done:
                return task.result()
            if give_up():
                raise GaveUp("gave up waiting")
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - it was only waiting
                pass


class PageBudget:
    """The hard cap on page fetches (``--max-pages``); 0 means no cap. Taken only when a request leaves."""

    def __init__(self, limit: int = 0):
        self.limit, self.used = limit, 0
        self.sites: dict[str, int] = {}  # a policy's site -> its pages taken (crawl.max_pages)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("CIVIL_MAX_PAGES", default("CIVIL_MAX_PAGES")))

    def exhausted(self) -> bool:
        return bool(self.limit) and self.used >= self.limit

    def take(self) -> bool:
        """Spend one page if any is left."""
        if self.exhausted():
            return False
        self.used += 1
        return True

    def describe(self) -> str:
        return f"budget of {self.limit} pages used"

    def site_spent(self, site: str, limit: int) -> bool:
        """Whether ``site``'s own budget of ``limit`` pages is used up."""
        return self.sites.get(site, 0) >= limit

    def take_site(self, site: str, limit: int) -> bool:
        """Spend one page of ``site``'s budget of ``limit`` if any is left."""
        if self.site_spent(site, limit):
            return False
        self.sites[site] = self.sites.get(site, 0) + 1
        return True

    def give_back_site(self, site: str) -> None:
        """Return a page taken by :meth:`take_site` that was not spent (the crawl's budget was used up)."""
        self.sites[site] = max(0, self.sites.get(site, 0) - 1)

    def restore_sites(self, pages: dict[str, int]) -> None:
        """A resumed job: the pages its earlier runs fetched of each site count again (never fewer than now)."""
        for site, n in pages.items():
            self.sites[site] = max(self.sites.get(site, 0), n)
