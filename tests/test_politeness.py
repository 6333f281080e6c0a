"""Per-host pacing in one process: gaps, concurrency, pauses, back-off, cancellation, stopping."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest

from crawler.pace.local import GAP_MARGIN, GaveUp, PageBudget, Politeness, ShutdownError


async def crawl(p: Politeness, host: str, n: int, work: float = 0.01, starts: list | None = None) -> list[float]:
    starts = [] if starts is None else starts

    async def one() -> None:
        await p.acquire(host)
        starts.append(time.monotonic())
        await asyncio.sleep(work)
        p.release(host, ok=True)

    await asyncio.gather(*(one() for _ in range(n)))
    return starts


def gaps(starts: list[float]) -> list[float]:
    return [b - a for a, b in pairwise(starts)]


def test_gap_counts_from_the_previous_answer():
    p = Politeness()
    p.set_gap("a", 0.05, "test")
    starts = asyncio.run(crawl(p, "a", 5, work=0.03))
    assert min(gaps(starts)) >= 0.05 + 0.03 + GAP_MARGIN - 0.002


def test_concurrency_cap():
    p = Politeness()
    p.set_gap("a", 0.0, "test", concurrency=3)

    async def run() -> int:
        peak = 0

        async def one() -> None:
            nonlocal peak
            await p.acquire("a")
            peak = max(peak, p.state("a").in_flight)
            await asyncio.sleep(0.1)
            p.release("a")

        await asyncio.gather(*(one() for _ in range(9)))
        return peak

    assert asyncio.run(run()) == 3


def test_a_shorter_pause_never_shortens_a_running_one():
    p = Politeness()
    p.set_gap("a", 0.01, "test")  # no server error: nothing but the pause holds the next turn back

    async def run() -> float:
        await p.acquire("a")
        p.release("a", ok=True)
        t = time.monotonic()
        p.pause("a", 0.3, "HTTP 429")
        p.pause("a", 0.05, "a shorter pause")
        await p.acquire("a")
        p.release("a", ok=True)
        return time.monotonic() - t

    assert asyncio.run(run()) >= 0.3
    assert p.state("a").pause_reason == "HTTP 429"


def test_server_errors_back_off_and_answers_bring_it_down():
    p = Politeness()
    p.set_gap("a", 0.01, "test")

    async def run() -> float:
        await p.acquire("a")
        t = time.monotonic()
        p.release("a", server_error=True)
        await p.acquire("a")
        waited = time.monotonic() - t
        p.release("a", ok=True)
        return waited

    assert asyncio.run(run()) >= 1.0, "a server error raises a 0.01 s gap to the 1 s floor"
    assert p.state("a").errors == 0, "a good answer takes one error back"
    p.release("a", server_error=True)
    p.release("a", server_error=True)
    assert p.state("a").effective_gap == 2.0, "two server errors in a row double a 1 s floor"


def test_cancelled_waiters_leak_no_turn():
    p = Politeness()
    p.set_gap("a", 0.02, "test")

    async def run() -> None:
        starts: list[float] = []
        task = asyncio.ensure_future(crawl(p, "a", 6, starts=starts))
        await asyncio.sleep(0.03)
        waiting = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and t is not task]
        waiting[-1].cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run())
    st = p.state("a")
    assert st.active == 0 and st.in_flight == 0 and not st.queue


def test_stopping_ends_waits_quickly():
    flag = {"stop": False}
    p = Politeness(stopping=lambda: flag["stop"])
    p.set_gap("a", 30.0, "a long Crawl-delay")

    async def run() -> float:
        await p.acquire("a")
        p.release("a")
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, flag.update, {"stop": True})
        t = time.monotonic()
        with pytest.raises(ShutdownError):
            await p.acquire("a")
        return time.monotonic() - t

    assert asyncio.run(run()) < 1.0, "a stopping crawl does not wait out a 30 s gap"


def test_page_budget_is_exact():
    b = PageBudget(2)
    assert b.take() and b.take() and not b.take() and b.exhausted()
    assert PageBudget(0).take() and not PageBudget(0).exhausted()


def test_waiters_give_up_without_a_turn_when_their_reason_is_gone():
    """A request over the page budget leaves the queue at once; the host's turns are untouched."""
    p = Politeness()
    p.set_gap("a", 1.0, "test")
    budget = PageBudget(2)

    async def run() -> tuple[list[str], float]:
        outcomes: list[str] = []

        async def one() -> None:
            try:
                await p.acquire("a", give_up=budget.exhausted)
            except GaveUp:
                outcomes.append("gave up")
                return
            outcomes.append("sent" if budget.take() else "over")
            await asyncio.sleep(0.01)
            p.release("a", ok=True)

        began = time.monotonic()
        await asyncio.gather(*(one() for _ in range(8)))
        return outcomes, time.monotonic() - began

    outcomes, elapsed = asyncio.run(run())
    assert outcomes.count("sent") == 2 and outcomes.count("gave up") == 6
    assert elapsed < 1.0 + 0.5, f"{elapsed:.2f} s: the six waited for turns they did not need"
    st = p.state("a")
    assert st.active == st.in_flight == st.waiting == 0 and not st.queue, "no slot leaked"
