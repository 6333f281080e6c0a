"""The host-aware scheduler queue: a request leaves only when its host's turn has come and its reads are done.

The gate still enforces every gap (tests/test_host_turns.py checks that at a server); here the queue's own
rules: hosts in turn, none with a request out, none before its next turn, reads ahead before the first
request of a host, reads ahead only in slots the pages leave free, and an exact len() kept without scanning.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from scrapy import Request
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.pace.local import Politeness
from crawler.queue.hosts import HostAwarePriorityQueue


class Gate:
    """What the queue asks of the gate: its pacer, and reads made ahead per origin."""

    def __init__(self, *, reads: bool = False):
        self.politeness = Politeness()
        self.reads = reads
        self.done: set[str] = set()
        self.known: set[str] = set()  # hosts whose reads are in the state folder: preparing them needs no network
        self.asked: list[str] = []
        self.release: asyncio.Event | None = None

    def prepared(self, url: str) -> bool:
        return not self.reads or url.split("/")[2] in self.done

    def read_before(self, url: str) -> bool:
        return url.split("/")[2] in self.known

    async def prepare(self, url: str) -> None:
        self.asked.append(url.split("/")[2])
        if self.release is not None and url.split("/")[2] not in self.known:
            await self.release.wait()
        self.done.add(url.split("/")[2])


def make_queue(gate: Gate, concurrency: int = 8) -> tuple[HostAwarePriorityQueue, set]:
    crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS_PER_IP": 0, "CONCURRENT_REQUESTS": concurrency})
    active: set = set()  # the downloader's requests: a request handed out stays "out" while it is in here
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(  # type: ignore[assignment]
        slots={}, active=active, total_concurrency=concurrency, middleware=SimpleNamespace(middlewares=[gate])))
    return HostAwarePriorityQueue(crawler, FifoMemoryQueue, ""), active


def host(request: Request | None) -> str:
    return request.url.split("/")[2] if request is not None else "-"


def take(q: HostAwarePriorityQueue, active: set, n: int) -> list[str]:
    """Pop ``n`` times; what is popped goes into the downloader (it stays out until removed)."""
    out = []
    for _ in range(n):
        r = q.pop()
        if r is not None:
            active.add(r)
        out.append(host(r))
    return out


def test_hosts_take_turns_none_with_a_request_out_and_len_is_exact():
    async def run() -> None:
        q, active = make_queue(Gate())
        for url in ("http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/1", "http://b.test/2"):
            q.push(Request(url))
        assert len(q) == 5
        assert take(q, active, 3) == ["a.test", "b.test", "-"]  # each has a request out: nothing more now
        active.clear()  # both answered
        assert take(q, active, 3) == ["a.test", "b.test", "-"]
        active.clear()
        assert take(q, active, 2) == ["a.test", "-"] and len(q) == 0 and not q.pqueues

    asyncio.run(run())


def test_a_host_stays_queued_until_its_turn_and_others_go_meanwhile():
    async def run() -> None:
        gate = Gate()
        q, active = make_queue(gate)
        gate.politeness.set_gap("slow.test", 0.3, "test")
        gate.politeness.state("slow.test").last_start = time.monotonic()  # just answered: next turn in 0.3 s
        for url in ("http://slow.test/1", "http://fast.test/1", "http://fast.test/2"):
            q.push(Request(url))
        assert take(q, active, 2) == ["fast.test", "-"]
        active.clear()
        assert take(q, active, 2) == ["fast.test", "-"]  # slow.test's request waits here, holding no slot
        assert len(q) == 1 and all(host(r) == "fast.test" for r in active)
        await asyncio.sleep(0.35)  # its turn has come
        assert take(q, active, 1) == ["slow.test"]

    asyncio.run(run())


def test_a_pause_longer_than_the_gate_waits_lets_requests_out_to_be_refused():
    async def run() -> None:
        gate = Gate()
        gate.politeness.max_wait = 60.0
        q, active = make_queue(gate)
        gate.politeness.pause("gone.test", 3600, "Retry-After 3600")
        gate.politeness.pause("soon.test", 30, "Retry-After 30")
        q.push(Request("http://soon.test/1"))
        q.push(Request("http://gone.test/1"))
        assert take(q, active, 2) == ["gone.test", "-"]  # the gate refuses it at once: it must not wait here

    asyncio.run(run())


def test_reads_are_made_ahead_once_per_host_and_a_few_hosts_at_a_time():
    async def run() -> None:
        gate = Gate(reads=True)
        gate.release = asyncio.Event()
        q, active = make_queue(gate, concurrency=1)
        q.warmups.limits[False] = 2
        for i in range(4):
            for k in range(3):
                q.push(Request(f"http://h{i}.test/{k}"))
        assert take(q, active, 1) == ["-"]  # nothing may go before its host's reads
        await asyncio.sleep(0)
        assert gate.asked == ["h0.test", "h1.test"]  # two at a time, once per host
        gate.release.set()
        await asyncio.sleep(0.01)
        assert sorted(take(q, active, 3)) == ["-", "h0.test", "h1.test"]
        await asyncio.sleep(0.01)
        assert gate.asked == ["h0.test", "h1.test", "h2.test", "h3.test"]
        active.clear()
        assert sorted(take(q, active, 5)) == ["-", "h0.test", "h1.test", "h2.test", "h3.test"]
        assert len(q) == 12 - 6

    asyncio.run(run())


def test_hosts_whose_reads_are_known_do_not_wait_behind_the_network():
    async def run() -> None:
        gate = Gate(reads=True)
        gate.release = asyncio.Event()  # network reads never end in this test
        gate.known = {"warm.test"}  # e.g. a resumed run: its robots.txt is in the state folder
        q, active = make_queue(gate, concurrency=1)
        q.warmups.limits[False] = 2
        for i in range(5):
            q.push(Request(f"http://cold{i}.test/"))
        q.push(Request("http://warm.test/1"))
        assert take(q, active, 1) == ["-"]
        await asyncio.sleep(0.01)
        assert gate.asked == ["cold0.test", "cold1.test", "warm.test"]
        assert take(q, active, 1) == ["warm.test"]  # before cold2..cold4, still in line for the network

    asyncio.run(run())


def test_reads_ahead_go_only_in_slots_the_pages_leave_free():
    async def run() -> None:
        gate = Gate()
        q, active = make_queue(gate, concurrency=3)
        for url in ("http://a.test/1", "http://b.test/1", "http://c.test/1"):
            q.push(Request(url))
        assert take(q, active, 1) == ["a.test"]
        read = asyncio.ensure_future(gate.politeness.wait_ready("r.test", behind=True))
        await asyncio.sleep(0.01)
        assert not read.done()  # b.test and c.test are due: the read waits behind them
        assert take(q, active, 3) == ["b.test", "c.test", "-"]  # nothing left to hand out, but no slot free
        await asyncio.sleep(0.01)
        assert not read.done()
        active.pop()  # an answer is back: one slot free, and no page waiting for it
        assert take(q, active, 1) == ["-"]
        await asyncio.sleep(0.01)
        assert read.done()

    asyncio.run(run())
