"""Cluster throughput: 1, 2 and 4 workers on 40 local hosts with a small Crawl-delay, pages/s for each.

    python benchmarks/distributed.py [--hosts 40] [--pages 12] [--delay 0.2] [--redis redis://127.0.0.1:6379/0]

All hosts are names (``hN.bench``) resolved to 127.0.0.1 with ``--resolve`` and served by one
crawler.localsite.LocalServer; the per-host gap holds for the whole cluster, so the ceiling is
hosts / delay pages/s whatever the number of workers. Timing starts at the workers' launch (start-up included)
and pages/s counts page fetches seen by the server between its first and last request.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.localsite import LocalServer, Reply, Site, html  # noqa: E402


def site(pages: int, delay: float) -> Site:
    routes = {"/robots.txt": Reply(body=f"User-agent: *\nCrawl-delay: {delay}\n", content_type="text/plain"),
              "/": Reply(body=html("index", "x" * 2000, [f"/p{i}" for i in range(pages)]))}
    for i in range(pages):
        routes[f"/p{i}"] = Reply(body=html(f"page {i}", "y" * 4000, [f"/p{(i + j) % pages}" for j in range(1, 6)]))
    return Site(routes)


def run(workers: int, srv: LocalServer, hosts: list[str], redis_url: str, delay: float) -> dict:
    cluster = f"bench-{uuid.uuid4().hex[:8]}"
    before = len(srv.hits)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "crawler", "crawl", *[srv.url(h) for h in hosts], "--contact",
               "mailto:bench@example.org", "--allow-network", "127.0.0.1/32", "--delay", str(delay),
               "--redis", redis_url, "--cluster", cluster, "--audit", f"{tmp}/audit.jsonl"]
        for h in hosts:
            cmd += ["--resolve", f"{h}=127.0.0.1"]
        t0 = time.monotonic()
        procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        codes = [p.wait(600) for p in procs]
        wall = time.monotonic() - t0
    import redis

    r = redis.Redis.from_url(redis_url)
    keys = list(r.scan_iter(f"civil:{cluster}:*", count=1000))
    if keys:
        r.delete(*keys)
    hits = [h for h in srv.hits[before:] if h.path not in ("/robots.txt",) and not h.path.startswith("/.well-known/")]
    span = hits[-1].t - hits[0].t if len(hits) > 1 else float("nan")
    dupes = len(hits) - len({(h.host, h.path) for h in hits})
    return {"workers": workers, "exit": codes, "pages": len(hits), "dupes": dupes, "wall": wall,
            "crawl_s": span, "pages_per_s": len(hits) / span}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=40)
    ap.add_argument("--pages", type=int, default=12, help="pages per host (plus its index)")
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    a = ap.parse_args()
    hosts = [f"h{i}.bench" for i in range(a.hosts)]
    with LocalServer({h: site(a.pages, a.delay) for h in hosts}) as srv:
        print(f"{a.hosts} hosts x {a.pages + 1} pages, Crawl-delay {a.delay} s: ceiling {a.hosts / a.delay:.0f} pages/s")
        base = None
        for n in (int(x) for x in a.workers.split(",")):
            res = run(n, srv, hosts, a.redis, a.delay)
            base = base or res["pages_per_s"]
            print(f"{n} worker(s): {res['pages']} pages ({res['dupes']} twice), {res['pages_per_s']:.1f} pages/s "
                  f"over {res['crawl_s']:.1f} s (wall {res['wall']:.1f} s, exit {res['exit']}); "
                  f"x{res['pages_per_s'] / base:.2f} vs 1 worker", flush=True)


if __name__ == "__main__":
    main()
