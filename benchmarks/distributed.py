"""Cluster throughput: 1, 2 and 4 workers on 40 local hosts with a small per-host delay, pages/s for each.

    python benchmarks/distributed.py [--hosts 40] [--pages 25] [--delay 0.1] [--latency 0.1] [--concurrency 8]
                                     [--workers 1,2,4] [--no-cpu-table] [--redis redis://127.0.0.1:6379/0]

What "N workers go ~N times faster on many hosts" means, and how this models it honestly on one machine:
a real crawl is bound by network latency and by each worker's concurrency (open connections, memory),
not by one CPU: a worker with 8 requests out and 100 ms per answer cannot do more than 80 pages/s whatever
its CPU. So the main table ("latency-bound") gives every answer ~``--latency`` s at the server (the
network), caps every worker at ``--concurrency`` requests (``CONCURRENT_REQUESTS``, the same for 1, 2 and 4
workers) and spreads the crawl over ``--hosts`` hosts with a ``--delay`` gap, so the cluster's ceiling,
hosts / max(gap + margin, latency) pages/s, is well above what one worker can do. Adding workers adds
concurrency; the shared per-host gate must still hold every host's gap for the whole cluster.

The second table ("CPU-bound") is the old configuration: no latency, 64 requests per worker, a 0.2 s
Crawl-delay. There one worker already uses a core of this machine, and the server, Redis and the other
workers share the same cores, so more workers cannot go faster: it measures overhead, not scaling. It also
shows a limit of any grant-then-send gate: the gate grants a turn on the Redis clock, but a worker starved of
CPU may put the request on the wire tens of ms later, so with saturated cores the server can see gaps shorter
than the delay (the 40 ms cluster margin covers dispatch jitter on a machine with cores to spare, as in the
first table). Read the "min gap" column of that table as a warning about running workers on saturated cores.

For each run: pages/s between the server's first and last page request, the speed-up against 1 worker, the
smallest start-to-start gap the server saw between two requests to one host across the whole cluster (must
never be below the delay), and the pages fetched more than once (must be 0). All hosts are names (``hN.bench``)
resolved to 127.0.0.1 with ``--resolve`` and served by one crawler.localsite.LocalServer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.localsite import LocalServer, Reply, Site, html  # noqa: E402

MARGIN = 0.04  # CIVIL_CLUSTER_GAP_MARGIN: the cluster adds it to every gap


def site(pages: int, delay: float, latency: float = 0.0) -> Site:
    """An index linking ``pages`` pages, each linking 5 others; robots.txt asks for ``delay``; every answer
    takes ``latency`` s (the network)."""
    routes = {"/robots.txt": Reply(body=f"User-agent: *\nCrawl-delay: {delay}\n", content_type="text/plain",
                                   delay=latency),
              "/": Reply(body=html("index", "x" * 2000, [f"/p{i}" for i in range(pages)]), delay=latency)}
    for i in range(pages):
        routes[f"/p{i}"] = Reply(body=html(f"page {i}", "y" * 4000, [f"/p{(i + j) % pages}" for j in range(1, 6)]),
                                 delay=latency)
    return Site(routes, fallback=lambda hit: Reply(404, "not found", content_type="text/plain", delay=latency))


def run(workers: int, srv: LocalServer, hosts: list[str], redis_url: str, delay: float, concurrency: int) -> dict:
    cluster = f"bench-{uuid.uuid4().hex[:8]}"
    before = len(srv.hits)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--as-worker", str(concurrency), "--", *[srv.url(h) for h in hosts],
               "--contact", "mailto:bench@example.org", "--allow-network", "127.0.0.1/32", "--delay", str(delay),
               "--redis", redis_url, "--cluster", cluster, "--audit", f"{tmp}/audit.jsonl"]
        for h in hosts:
            cmd += ["--resolve", f"{h}=127.0.0.1"]
        t0 = time.monotonic()
        procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        codes = [p.wait(900) for p in procs]
        wall = time.monotonic() - t0
    import redis

    r = redis.Redis.from_url(redis_url)
    keys = list(r.scan_iter(f"civil:{cluster}:*", count=1000))
    if keys:
        r.delete(*keys)
    every = srv.hits[before:]
    pages = [h for h in every if h.path != "/robots.txt" and not h.path.startswith("/.well-known/")]
    span = pages[-1].t - pages[0].t if len(pages) > 1 else float("nan")
    dupes = len(pages) - len({(h.host, h.path) for h in pages})
    by_host: dict[str, list[float]] = defaultdict(list)
    for h in every:  # every request counts for the gap: robots.txt and well-known files too
        by_host[h.host].append(h.t)
    gaps = [b - a for ts in by_host.values() for a, b in zip(ts, ts[1:])]
    robots = sum(1 for h in every if h.path == "/robots.txt")
    return {"workers": workers, "exit": codes, "pages": len(pages), "dupes": dupes, "wall": wall, "crawl_s": span,
            "pages_per_s": len(pages) / span, "min_gap": min(gaps) if gaps else float("nan"), "robots": robots}


def table(title: str, srv: LocalServer, hosts: list[str], a: argparse.Namespace, delay: float, concurrency: int,
          ceiling: float) -> list[dict]:
    print(f"\n{title}\n  ceiling for the cluster {ceiling:.0f} pages/s\n"
          f"  {'workers':>7} {'pages':>6} {'pages/s':>8} {'speed-up':>8} {'min gap':>8} {'twice':>5} "
          f"{'robots':>6} {'crawl s':>7} {'wall s':>6}  exit", flush=True)
    rows, base = [], None
    for n in (int(x) for x in a.workers.split(",")):
        res = run(n, srv, hosts, a.redis, delay, concurrency)
        base = base or res["pages_per_s"]
        ok = "ok" if res["min_gap"] >= delay else f"BELOW {delay}"
        print(f"  {n:>7} {res['pages']:>6} {res['pages_per_s']:>8.1f} {res['pages_per_s'] / base:>7.2f}x "
              f"{res['min_gap']:>7.3f}s {res['dupes']:>5} {res['robots']:>6} {res['crawl_s']:>7.1f} "
              f"{res['wall']:>6.1f}  {res['exit']} (gap {ok})", flush=True)
        rows.append(res)
    return rows


def worker(concurrency: int, argv: list[str]) -> int:
    """One cluster worker: ``civilcrawl crawl ARGS`` with ``CONCURRENT_REQUESTS`` = ``concurrency``."""
    from crawler.commands import crawl
    from crawler.runner import run_crawl

    p = argparse.ArgumentParser()
    crawl.configure(p)
    args = p.parse_args(argv)
    settings = crawl.settings_from_args(args)
    settings.update(CIVIL_REDIS_URL=args.redis, CIVIL_CLUSTER=args.cluster, CONCURRENT_REQUESTS=concurrency)
    status, _ = run_crawl(settings, seeds=crawl.check_seeds(args.seeds))
    return status


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--as-worker":
        sys.exit(worker(int(sys.argv[2]), sys.argv[4:]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=40)
    ap.add_argument("--pages", type=int, default=50, help="pages per host (plus its index), latency-bound table")
    ap.add_argument("--delay", type=float, default=0.1, help="per-host Crawl-delay, latency-bound table")
    ap.add_argument("--latency", type=float, default=0.1, help="seconds every answer takes at the server")
    ap.add_argument("--concurrency", type=int, default=8, help="CONCURRENT_REQUESTS of every worker")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--no-cpu-table", action="store_true", help="skip the CPU-bound table (old configuration)")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    a = ap.parse_args()
    hosts = [f"h{i}.bench" for i in range(a.hosts)]
    import os

    print(f"{os.cpu_count()} CPUs; server, Redis and the workers share them")
    ceiling = a.hosts / (a.delay + MARGIN + a.latency)  # a host's gap counts from its previous answer
    with LocalServer({h: site(a.pages, a.delay, a.latency) for h in hosts}) as srv:
        table(f"Latency-bound: {a.hosts} hosts x {a.pages + 1} pages, Crawl-delay {a.delay} s, every answer "
              f"{a.latency * 1000:.0f} ms, {a.concurrency} requests per worker (one worker can do at most "
              f"{a.concurrency / max(a.latency, 1e-9):.0f} pages/s)", srv, hosts, a, a.delay, a.concurrency, ceiling)
    if not a.no_cpu_table:
        with LocalServer({h: site(12, 0.2) for h in hosts}) as srv:
            table(f"CPU-bound (the old configuration): {a.hosts} hosts x 13 pages, Crawl-delay 0.2 s, no latency, "
                  f"64 requests per worker", srv, hosts, a, 0.2, 64, a.hosts / (0.2 + MARGIN))


if __name__ == "__main__":
    main()
