"""The host-aware scheduler queue: idle hosts first, hosts in turn, an exact len() kept without scanning."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Request
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.pace.local import Politeness
from crawler.queue.hosts import HostAwarePriorityQueue


def make_queue() -> tuple[HostAwarePriorityQueue, Politeness]:
    politeness = Politeness()
    crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS_PER_IP": 0})
    gate = SimpleNamespace(politeness=politeness)  # the downloader middleware with the per-host load table
    middleware = SimpleNamespace(middlewares=[SimpleNamespace(), gate])
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={}, middleware=middleware))
    return HostAwarePriorityQueue(crawler, FifoMemoryQueue, ""), politeness


def hosts_of(requests: list[Request | None]) -> list[str]:
    return [r.url.split("/")[2] if r else "-" for r in requests]


def test_hosts_take_turns_and_len_is_exact():
    q, _ = make_queue()
    for url in ("http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/1", "http://b.test/2"):
        q.push(Request(url))
    assert len(q) == 5
    assert hosts_of([q.pop() for _ in range(6)]) == ["a.test", "b.test", "a.test", "b.test", "a.test", "-"]
    assert len(q) == 0 and not q.pqueues


def test_hosts_with_work_at_the_gate_wait_for_idle_ones():
    q, politeness = make_queue()
    for url in ("http://busy.test/1", "http://busier.test/1", "http://idle.test/1"):
        q.push(Request(url))
    politeness.state("busy.test").waiting = 1
    politeness.state("busier.test").waiting = 2
    assert hosts_of([q.pop() for _ in range(3)]) == ["idle.test", "busy.test", "busier.test"]
