"""Throughput: civilcrawl (every check on) vs a plain Scrapy CrawlSpider, same sites, same run.

Serves the HTML of Debian's python3-doc and postgresql-doc-15 on 127.0.0.1 (one process, chosen by host
name), crawls both with each crawler in turn (no delay for these loopback hosts), and prints pages/s,
the ratio and each crawler's peak RSS.  Setup (root): apt-get install -y python3-doc postgresql-doc-15
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = {"python.docs": "/usr/share/doc/python3/html", "pg.docs": "/usr/share/doc/postgresql-doc-15/html"}
SERVER = """
import sys, time
from crawler.cli.localsite import LocalServer, static_site
sites = {h: static_site(p, robots_txt="User-agent: *\\nAllow: /\\n") for h, p in %r.items()}
srv = LocalServer(sites).start()
print(srv.port, flush=True)
time.sleep(%d)
"""


def ensure_docs() -> None:
    missing = [p for p in DOCS.values() if not Path(p).is_dir()]
    if missing and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "python3-doc", "postgresql-doc-15"], check=True,
                       stdout=subprocess.DEVNULL)
    elif missing:
        sys.exit(f"missing {missing}: run  apt-get install -y python3-doc postgresql-doc-15  as root")


def timed(cmd: list[str], out: Path) -> tuple[float, int, float]:
    """Run a crawler; return (seconds, pages in its output, its own peak RSS in MB)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=HERE)
    stderr = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[:3]} failed ({status}):\n{stderr[-2000:]}")
    rss = usage.ru_maxrss / 1024
    pages = sum(1 for line in out.read_text().splitlines() if line)
    return elapsed, pages, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=1, help="runs per crawler (median reported)")
    args = ap.parse_args()
    ensure_docs()
    server = subprocess.Popen([sys.executable, "-c", SERVER % (DOCS, 3600)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        urls = [f"http://{h}:{port}/index.html" for h in DOCS]
        tmp = Path(tempfile.mkdtemp(prefix="civil-bench-"))
        resolve = [a for h in DOCS for a in ("--resolve", f"{h}=127.0.0.1")]
        civil = [sys.executable, "-m", "crawler", "crawl", *urls, "--contact", "mailto:bench@localhost",
                 "--delay", "0", "--allow-network", "127.0.0.1/32", *resolve,
                 "--out", str(tmp / "civil.jsonl"), "--audit", str(tmp / "audit.jsonl")]
        plain = [sys.executable, str(HERE / "plain_scrapy.py"), str(tmp / "plain.jsonl"), *urls]
        print(f"serving {', '.join(DOCS)} on 127.0.0.1:{port}; plain Scrapy: CONCURRENT_REQUESTS 16, 8 per host; "
              "civilcrawl: --delay 0, every check on, "
              "with --host-concurrency 8 and with its default of 1", flush=True)
        variants = {"plain scrapy": plain, "civilcrawl": civil + ["--host-concurrency", "8"],
                    "civil, 1/host": civil}
        results: dict[str, list[tuple[float, int, float]]] = {name: [] for name in variants}
        for _ in range(args.runs):
            for name, cmd in variants.items():
                for f in ("civil.jsonl", "audit.jsonl"):
                    (tmp / f).unlink(missing_ok=True)
                out = tmp / ("plain.jsonl" if name == "plain scrapy" else "civil.jsonl")
                results[name].append(timed(cmd, out))
    finally:
        server.terminate()
    rate = {}
    print(f"{'crawler':<14} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak RSS MB':>12}")
    for name, runs in results.items():
        runs.sort(key=lambda r: r[1] / r[0])
        secs, pages, rss = runs[len(runs) // 2]
        rate[name] = pages / secs
        print(f"{name:<14} {pages:>6} {secs:>8.1f} {rate[name]:>8.1f} {rss:>12.0f}")
    print(f"ratio civilcrawl / plain scrapy (same concurrency, 8 per host): "
          f"{rate['civilcrawl'] / rate['plain scrapy']:.2f}x")
    print(f"ratio with civilcrawl's default of one request per host: {rate['civil, 1/host'] / rate['plain scrapy']:.2f}x")
    audit = [json.loads(x) for x in (tmp / "audit.jsonl").read_text().splitlines()]
    print(f"civilcrawl audit: {len(audit)} records, {sum(r['decision'] == 'fetched' for r in audit)} fetched")


if __name__ == "__main__":
    main()
