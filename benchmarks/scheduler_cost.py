"""Scheduler cost per request against the number of queued hosts: Scrapy's DownloaderAwarePriorityQueue vs ours.

    python benchmarks/scheduler_cost.py [--hosts 100,1000,10000]

Fills the queue with 2 requests per host, then times push+pop pairs (every host idle at the gate, as in a
broad crawl where far more hosts are queued than requests are out). Prints microseconds per pop and per len().
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

from scrapy import Request
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.pace.local import Politeness
from crawler.queue.hosts import HostAwarePriorityQueue


def queue(cls: type, hosts: int) -> DownloaderAwarePriorityQueue:
    crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS_PER_IP": 0})
    gate = SimpleNamespace(politeness=Politeness())
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={}, get_slot_key=lambda r: r.url.split("/")[2]))
    crawler.get_downloader_middleware = lambda c: gate  # type: ignore[method-assign]
    q = cls(crawler, FifoMemoryQueue, "")
    for i in range(hosts):
        for k in range(2):
            q.push(Request(f"http://h{i}.test/{k}"))
    return q


def cost(cls: type, hosts: int, rounds: int = 2000) -> tuple[float, float]:
    q = queue(cls, hosts)
    t0 = time.perf_counter()
    for _ in range(rounds):
        q.push(q.pop())
    pop = (time.perf_counter() - t0) / rounds * 1e6
    t0 = time.perf_counter()
    for _ in range(rounds):
        len(q)
    return pop, (time.perf_counter() - t0) / rounds * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hosts", default="100,1000,10000")
    args = ap.parse_args()
    print(f"{'hosts':>7} {'scrapy pop+push us':>19} {'ours':>8} {'scrapy len() us':>16} {'ours':>8}")
    for n in (int(x) for x in args.hosts.split(",")):
        sp, sl = cost(DownloaderAwarePriorityQueue, n)
        op, ol = cost(HostAwarePriorityQueue, n)
        print(f"{n:>7} {sp:>19.1f} {op:>8.1f} {sl:>16.2f} {ol:>8.2f}")


if __name__ == "__main__":
    main()
