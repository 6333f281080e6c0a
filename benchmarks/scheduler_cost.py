"""Scheduler and pace-table cost per request against the number of queued hosts.

    python benchmarks/scheduler_cost.py [--hosts 100,1000,10000]

Scrapy's DownloaderAwarePriorityQueue against ours (crawler.queue.hosts), 2 requests queued per host, every
host idle: microseconds per pop+push and per len(). Ours also as in a crawl: each request handed out goes
into the downloader's active set and comes back through the pacer's release (crawler.pace.local), which
puts its host back in the heap. Then the pacer alone: acquire+release of a turn among N known hosts.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from types import SimpleNamespace

from scrapy import Request
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.pace.local import Politeness
from crawler.queue.hosts import HostAwarePriorityQueue


def queue(cls: type, hosts: int) -> tuple[DownloaderAwarePriorityQueue, set, Politeness]:
    crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS_PER_IP": 0})
    gate = SimpleNamespace(politeness=Politeness())
    active: set = set()
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(  # type: ignore[assignment]
        slots={}, active=active, total_concurrency=64, middleware=SimpleNamespace(middlewares=[gate]),
        get_slot_key=lambda r: r.url.split("/")[2]))
    crawler.get_downloader_middleware = lambda c: gate  # type: ignore[method-assign]
    q = cls(crawler, FifoMemoryQueue, "")
    for i in range(hosts):
        for k in range(2):
            q.push(Request(f"http://h{i}.test/{k}"))
    return q, active, gate.politeness


def cost(cls: type, hosts: int, rounds: int = 2000) -> tuple[float, float]:
    q, _, _ = queue(cls, hosts)
    t0 = time.perf_counter()
    for _ in range(rounds):
        q.push(q.pop())
    pop = (time.perf_counter() - t0) / rounds * 1e6
    t0 = time.perf_counter()
    for _ in range(rounds):
        len(q)
    return pop, (time.perf_counter() - t0) / rounds * 1e6


def crawl_cost(hosts: int, rounds: int = 2000) -> float:
    """Ours as in a crawl: pop, the request is out (active), its answer releases the host's turn, a link is pushed."""
    q, active, pacer = queue(HostAwarePriorityQueue, hosts)
    t0 = time.perf_counter()
    for _ in range(rounds):
        r = q.pop()
        active.add(r)
        active.discard(r)
        host = r.url.split("/")[2]
        pacer.release(host)
        q.push(r)
    return (time.perf_counter() - t0) / rounds * 1e6


async def pace_cost(hosts: int, rounds: int = 2000) -> float:
    """acquire + release of one turn at a host, with ``hosts`` hosts known to the pacer."""
    p = Politeness()
    for i in range(hosts):
        p.set_gap(f"h{i}.test", 0.0, "bench")
    t0 = time.perf_counter()
    for k in range(rounds):
        host = f"h{k % hosts}.test"
        await p.acquire(host)
        p.release(host, ok=True)
    return (time.perf_counter() - t0) / rounds * 1e6


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hosts", default="100,1000,10000")
    args = ap.parse_args()
    print(f"{'hosts':>7} {'scrapy pop+push us':>19} {'ours':>7} {'scrapy len() us':>16} {'ours':>6} "
          f"{'ours in a crawl us':>19} {'pacer acquire+release us':>25}")
    for n in (int(x) for x in args.hosts.split(",")):
        sp, sl = cost(DownloaderAwarePriorityQueue, n)
        op, ol = cost(HostAwarePriorityQueue, n)
        print(f"{n:>7} {sp:>19.1f} {op:>7.1f} {sl:>16.2f} {ol:>6.2f} {crawl_cost(n):>19.1f} {await pace_cost(n):>25.1f}")


if __name__ == "__main__":
    asyncio.run(main())
