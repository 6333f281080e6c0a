"""Cluster throughput: 1, 2 and 4 workers on 40 local hosts with a small per-host delay, pages/s for each.

    python benchmarks/distributed.py [--hosts 40] [--pages 25] [--delay 0.1] [--latency 0.1] [--concurrency 8]
                                     [--workers 1,2,4] [--no-cpu-table] [--redis URL | --own-redis | --own-cluster]

Under each row: Redis commands per page (INFO commandstats, commands run inside the Lua scripts included),
Redis CPU time per page (INFO cpu: exact with --own-redis, a private redis-server on a free port), and the
workers' round trips to Redis per request the server saw (writes to Redis counted in each worker).

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
resolved to 127.0.0.1 with ``--resolve`` and served by one crawler.cli.localsite.LocalServer.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.cli.localsite import LocalServer, Reply, Site, html  # noqa: E402

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


def servers(redis_url: str) -> list:
    """A plain client for each Redis server: the one of a redis:// URL, every node of a Redis Cluster."""
    import redis

    from crawler.net.redisclient import cluster_url, sync_client

    if cluster_url(redis_url) is None:
        return [redis.Redis.from_url(redis_url)]
    return [redis.Redis(host=n.host, port=n.port) for n in sync_client(redis_url).get_nodes()]


def commandstats(redis_url: str) -> dict[str, tuple[int, int]]:
    """Redis's own count of calls and CPU microseconds per command (INFO commandstats), summed over the servers;
    ``(cpu)`` is the servers' CPU time, ``(cpu N)`` server N's."""
    stats: dict[str, tuple[int, int]] = {}
    for i, r in enumerate(servers(redis_url)):
        cpu = r.info("cpu")
        for k, v in r.info("commandstats").items():
            calls, usec = stats.get(k.removeprefix("cmdstat_"), (0, 0))
            stats[k.removeprefix("cmdstat_")] = (calls + v["calls"], usec + v["usec"])
        stats[f"(cpu {i})"] = (0, round((cpu["used_cpu_user"] + cpu["used_cpu_sys"]) * 1e6))
        stats["(cpu)"] = (0, stats.get("(cpu)", (0, 0))[1] + stats[f"(cpu {i})"][1])
    return stats


def idle_cpu(redis_url: str, seconds: float = 2.0) -> float:
    """Redis's CPU microseconds per second while nobody asks it anything (its timers: expiry, rehashing)."""
    before = commandstats(redis_url)["(cpu)"][1]
    time.sleep(seconds)
    return (commandstats(redis_url)["(cpu)"][1] - before) / seconds


def redis_cost(before: dict, after: dict, pages: int, requests: int, sends: Counter[str], idle: float) -> dict:
    """Commands (those run inside Lua scripts too), Redis CPU time (less its idle timers' share) and round trips
    per page, from two snapshots and the workers' count of writes to Redis."""
    delta = {k: (c - before.get(k, (0, 0))[0], u - before.get(k, (0, 0))[1]) for k, (c, u) in after.items()}
    # the server's CPU time: commandstats' usec counts a script and the commands inside it twice, and leaves out
    # reading and writing the sockets
    usec = delta.pop("(cpu)")[1] - idle
    shares = [u for k, (_, u) in sorted(delta.items()) if k.startswith("(cpu ")]
    delta = {k: v for k, v in delta.items() if v[0] > 0 and k not in ("info", "commandstats", "cluster|nodes",
                                                                          "cluster|slots", "cluster|shards")}
    calls = sum(c for c, _ in delta.values())
    top = sorted(delta.items(), key=lambda kv: -kv[1][0])[:8]
    return {"commands_per_page": calls / max(1, pages), "usec_per_page": usec / max(1, pages),
            "round_trips_per_request": sum(sends.values()) / max(1, requests), "top": top,
            "sends": {k: v / max(1, requests) for k, v in sends.most_common()},
            "shares": [u / max(1, sum(shares)) for u in shares] if len(shares) > 1 else []}


def run(workers: int, srv: LocalServer, hosts: list[str], redis_url: str, delay: float, concurrency: int) -> dict:
    cluster = f"bench-{uuid.uuid4().hex[:8]}"
    before = len(srv.hits)
    idle = idle_cpu(redis_url)
    stats0 = commandstats(redis_url)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--as-worker", str(concurrency), "--", *[srv.url(h) for h in hosts],
               "--contact", "mailto:bench@example.org", "--allow-network", "127.0.0.1/32", "--delay", str(delay),
               "--redis", redis_url, "--cluster", cluster, "--audit", f"{tmp}/audit.jsonl"]
        for h in hosts:
            cmd += ["--resolve", f"{h}=127.0.0.1"]
        t0 = time.monotonic()
        env = {**__import__("os").environ, "BENCH_SENDS": f"{tmp}/sends"}
        procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                 for _ in range(workers)]
        codes = [p.wait(900) for p in procs]
        wall = time.monotonic() - t0
        sends: Counter[str] = Counter()
        for line in (Path(f"{tmp}/sends").read_text().splitlines() if Path(f"{tmp}/sends").exists() else []):
            sends.update(json.loads(line))
    stats1 = commandstats(redis_url)
    for r in servers(redis_url):
        for key in r.scan_iter(f"civil:{cluster}:*", count=1000):
            r.delete(key)
    every = srv.hits[before:]
    pages = [h for h in every if h.path != "/robots.txt" and not h.path.startswith("/.well-known/")]
    span = pages[-1].t - pages[0].t if len(pages) > 1 else float("nan")
    dupes = len(pages) - len({(h.host, h.path) for h in pages})
    by_host: dict[str, list[float]] = defaultdict(list)
    for h in every:  # every request counts for the gap: robots.txt and well-known files too
        by_host[h.host].append(h.t)
    gaps = [b - a for ts in by_host.values() for a, b in pairwise(ts)]
    robots = sum(1 for h in every if h.path == "/robots.txt")
    cost = redis_cost(stats0, stats1, len(pages), len(every), sends, idle * wall)
    return {**cost, "workers": workers, "exit": codes, "pages": len(pages), "dupes": dupes, "wall": wall, "crawl_s": span,
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
        print(f"          Redis per page: {res['commands_per_page']:.1f} commands (inside scripts too), "
              f"{res['usec_per_page']:.0f} us of Redis CPU (the whole server less its idle timers; exact with "
              f"--own-redis); calls per page: "
              + ", ".join(f"{k} {c / max(1, res['pages']):.2f}" for k, (c, _) in res["top"]), flush=True)
        if res["shares"]:
            print("          Redis CPU by node: " + ", ".join(f"{share:.0%}" for share in res["shares"]), flush=True)
        print(f"          round trips per request sent: {res['round_trips_per_request']:.2f} (heartbeats and polls "
              "too): " + ", ".join(f"{k} {v:.2f}" for k, v in res["sends"].items() if v >= 0.005), flush=True)
        rows.append(res)
    return rows


def script_names() -> dict[bytes, str]:
    """The SHA-1 of every Lua script of the cluster code -> its name (EVALSHA names a script by its SHA-1)."""
    import hashlib
    import importlib
    import pkgutil

    import crawler

    names = {}
    for mod in pkgutil.walk_packages(crawler.__path__, "crawler."):
        if not any(part in mod.name for part in ("cluster", "distributed", "redis")):
            continue
        for name, value in vars(importlib.import_module(mod.name)).items():
            if isinstance(value, str) and "redis.call" in value:
                names[hashlib.sha1(value.encode()).hexdigest().encode()] = name.lower()
    return names


def commands_in(packed: bytes) -> list[str]:
    """The commands in one write to Redis (a pipeline holds several): the name, a script's name for EVALSHA."""
    out, i = [], 0
    while i < len(packed) and packed[i:i + 1] == b"*":
        j = packed.index(b"\r\n", i)
        args = []
        i = j + 2
        for _ in range(int(packed[1 + packed.rindex(b"*", 0, j + 1):j])):
            j = packed.index(b"\r\n", i)
            n = int(packed[i + 1:j])
            args.append(packed[j + 2:j + 2 + n] if len(args) < 2 else b"")
            i = j + 4 + n
        name = args[0].lower()
        out.append(SCRIPTS.get(args[1], "script?") if name in (b"evalsha", b"eval") else name.decode())
    return out


SCRIPTS: dict[bytes, str] = {}


def count_sends() -> None:
    """Count this worker's writes to Redis (one per command, one per pipeline: the round trips) by what they
    carry (a pipeline counts as ``a+b``), for the table."""
    import atexit
    import json
    import os
    from collections import Counter

    import redis.asyncio.connection as aconn
    import redis.connection as conn

    SCRIPTS.update(script_names())
    sent: Counter[str] = Counter()
    for cls in (conn.AbstractConnection, aconn.AbstractConnection):
        original = cls.send_packed_command

        def counted(self, command, *a, _orig=original, **kw):
            packed = command if isinstance(command, bytes | bytearray) else b"".join(command)
            sent["+".join(sorted(set(commands_in(bytes(packed)))))] += 1
            return _orig(self, command, *a, **kw)

        cls.send_packed_command = counted  # type: ignore[method-assign]
    path = os.environ.get("BENCH_SENDS")
    if path:
        atexit.register(lambda: open(path, "a").write(json.dumps(sent) + "\n"))


def own_redis(tmp: str) -> tuple[str, subprocess.Popen]:
    """A private redis-server on a free 127.0.0.1 port (nothing else's commands in its counts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", proc


def worker(concurrency: int, argv: list[str]) -> int:
    """One cluster worker: ``civilcrawl crawl ARGS`` with ``CONCURRENT_REQUESTS`` = ``concurrency``."""
    from crawler.cli import crawl
    from crawler.cli.runner import run_crawl

    count_sends()
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
    ap.add_argument("--own-redis", action="store_true", help="start a private redis-server (exact command counts)")
    ap.add_argument("--own-cluster", action="store_true",
                    help="start a private 3-node Redis Cluster (tests/cluster.py) and crawl on it")
    a = ap.parse_args()
    private = None
    if a.own_redis:
        a.redis, private = own_redis(tempfile.mkdtemp(prefix="civil-redis-"))
    elif a.own_cluster:
        from tests.cluster import OwnRedisCluster

        own = OwnRedisCluster().start()
        a.redis, private = own.url, own
    try:
        tables(a)
    finally:
        if isinstance(private, subprocess.Popen):
            private.terminate()
            private.wait()
        elif private is not None:
            private.kill()


def tables(a: argparse.Namespace) -> None:
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
