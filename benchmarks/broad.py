"""Broad crawls: civilcrawl (a `run` job, every check on) vs a plain Scrapy CrawlSpider on N synthetic hosts.

    nice -n 19 python benchmarks/broad.py [--hosts 1000] [--seconds 40]

N hosts ``hNNNNN.broad.test`` are answered by one crawler.cli.localsite.LocalServer on 127.0.0.1 (names routed
there by the job's ``network.resolve``, so politeness keys by host as on the web), 20 pages each, links within
and across hosts, and a robots.txt mix (benchmarks/broad_web.py: none, Crawl-delay 1-5, Request-rate 1/2s,
Disallow, 503, a page with Retry-After).  Both crawlers get all N home pages as seeds, a delay of 1 s per host,
one request per host at a time and the same total concurrency, and run for ``--seconds`` (civilcrawl is then
SIGKILLed with its frontier queued; Scrapy stops by CLOSESPIDER_TIMEOUT).  Not the same work: plain Scrapy
ignores Crawl-delay, Request-rate and Retry-After, and reads a 503 robots.txt as "allow all"; the rules each
broke, counted at the server, are printed beside its speed.

civilcrawl also reads, per site, tdmrep.json and the terms of service (the home page and up to 4 usual terms
paths) before its pages: in a short window on many hosts that start-up is most of what it fetches, so the
requests per second at the server are printed beside the pages.

Per N: pages/s of each and the ratio, peak RSS, RSS growth per queued URL in the window (it also holds every
host started meanwhile: its reads, pacing and connections), state-folder bytes per URL, the time from starting
`run` again after the SIGKILL to its first new page, and the machine's load average around the run.

Then the memory a queued URL costs on its own (benchmarks/broad_frontier.py: ``--frontier`` URLs queued on 10
hosts that may not be fetched yet; RSS slope over queued URLs); the last line's ``bytes_per_queued_url`` is that.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from broad_frontier import frontier_memory  # noqa: E402
from broad_web import host  # noqa: E402

DELAY = 1.0
CONCURRENCY = 64  # civilcrawl's CONCURRENT_REQUESTS (crawler.addon); plain Scrapy is given the same


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return 0


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def queued(state: Path) -> tuple[int, int]:
    """(queued URLs, all URLs) in the job's frontier."""
    db = sqlite3.connect(f"file:{state / 'frontier.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        q = db.execute("SELECT count(*) FROM urls WHERE state = 'queued'").fetchone()[0]
        return q, db.execute("SELECT count(*) FROM urls").fetchone()[0]
    finally:
        db.close()


class Server:
    """The synthetic web in its own process (bounded: it exits by itself after ``seconds``)."""

    def __init__(self, n: int, seconds: float):
        code = f"import broad_web; broad_web.serve({n}, {seconds})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=HERE, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def civil_job(tmp: Path, n: int, port: int, seconds: float, concurrency: int) -> Path:
    """A job file (JSON is YAML) for the synthetic web."""
    job = {"seeds": [f"http://{host(i)}:{port}/" for i in range(n)], "contact": "mailto:bench@localhost",
           "state": str(tmp / "state"), "scope": "domain", "outputs": {"dir": str(tmp / "out")},
           "limits": {"delay": DELAY, "host_concurrency": 1, "max_time": seconds * 3, "timeout": 10},
           "network": {"allow_networks": ["127.0.0.1/32"], "resolve": {host(i): "127.0.0.1" for i in range(n)}}}
    path = tmp / "job.yaml"
    path.write_text(json.dumps(job))
    return path


def run_civil(job: Path, tmp: Path, seconds: float, concurrency: int) -> dict:
    """Run the job for ``seconds``, SIGKILL it, then time a resumed run to its first new page."""
    cmd = [sys.executable, "-m", "crawler", "run", str(job), "--progress", "off"]
    env = dict(os.environ)
    items = tmp / "out" / "run-0001" / "items.jsonl"
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(tmp / "civil.log").open("w"), env=env)
    base = None
    while time.monotonic() - t0 < seconds and p.poll() is None:
        time.sleep(0.5)
        if base is None and lines(items):
            base = (rss_mb(p.pid), *queued(tmp / "state"))  # frontier and memory once crawling
    rss_kill = rss_mb(p.pid)
    pages = lines(items)
    elapsed = time.monotonic() - t0
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    _, _, usage = os.wait4(p.pid, 0)
    q, total = queued(tmp / "state")
    state_bytes = folder_bytes(tmp / "state")
    # resume: how long until the next run fetches its first new page
    before = lines(items)
    t1 = time.monotonic()
    r = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(tmp / "civil-resume.log").open("w"), env=env)
    resume = float("nan")
    while time.monotonic() - t1 < 120 and r.poll() is None:
        if lines(items) > before:
            resume = time.monotonic() - t1
            break
        time.sleep(0.1)
    r.send_signal(signal.SIGTERM)
    try:
        r.wait(30)
    except subprocess.TimeoutExpired:
        r.kill()
        r.wait()
    b_rss, b_q, _ = base or (rss_kill, q, total)
    return {"pages": pages, "seconds": elapsed, "peak_rss": usage.ru_maxrss / 1024, "queued": q, "urls": total,
            "cpu": usage.ru_utime + usage.ru_stime,
            "rss_per_queued": (rss_kill - b_rss) * 2**20 / max(1, q - b_q), "state_bytes": state_bytes,
            "state_per_queued": state_bytes / max(1, total), "resume": resume}


def run_scrapy(tmp: Path, n: int, port: int, seconds: float, concurrency: int) -> dict:
    seeds = tmp / "seeds.txt"
    seeds.write_text("\n".join(f"http://{host(i)}:{port}/" for i in range(n)))
    out = tmp / "plain.jsonl"
    cmd = [sys.executable, str(HERE / "plain_broad.py"), str(out), str(seeds), str(concurrency), str(seconds)]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(tmp / "plain.log").open("w"), cwd=HERE)
    try:
        _, _, usage = os.wait4(p.pid, 0)
    except KeyboardInterrupt:
        p.kill()
        raise
    return {"pages": lines(out), "seconds": time.monotonic() - t0, "peak_rss": usage.ru_maxrss / 1024,
            "cpu": usage.ru_utime + usage.ru_stime}


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def one(n: int, seconds: float, concurrency: int) -> tuple[float, float]:
    tmp = Path(tempfile.mkdtemp(prefix=f"civil-broad-{n}-"))
    load_before = load()
    server = Server(n, seconds * 4 + 300)
    try:
        civil = run_civil(civil_job(tmp, n, server.port, seconds, concurrency), tmp, seconds, concurrency)
        civil_rules = server.ask(f"check civilcrawl {DELAY}")
        server.ask("reset")
        plain = run_scrapy(tmp, n, server.port, seconds, concurrency)
        plain_rules = server.ask(f"check plainscrapy {DELAY}")
    finally:
        server.close()
        if not os.environ.get("BROAD_KEEP"):  # ~15 MB per host count (state folder, items, audit); BROAD_KEEP=1 keeps it
            shutil.rmtree(tmp, ignore_errors=True)
    c, s = civil["pages"] / civil["seconds"], plain["pages"] / plain["seconds"]
    broken = lambda r: ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("requests", "examples")) or "none"  # noqa: E731
    for name, r, rules in (("civilcrawl", civil, civil_rules), ("scrapy    ", plain, plain_rules)):
        print(f"hosts={n}: {name} {r['pages']} pages in {r['seconds']:.0f} s = {r['pages'] / r['seconds']:.1f} pages/s "
              f"({rules['requests']} requests other than robots.txt = {rules['requests'] / r['seconds']:.1f}/s), "
              f"{r['cpu']:.0f} CPU s, peak RSS {r['peak_rss']:.0f} MB; rules broken at the server: {broken(rules)}")
    for example in civil_rules["examples"]:
        print(f"hosts={n}: civilcrawl broke a gap: {example}")
    print(f"hosts={n}: ratio {c / s if s else float('nan'):.2f}; frontier at the SIGKILL: {civil['queued']} queued "
          f"of {civil['urls']} URLs; RSS growth per queued URL in the window {civil['rss_per_queued']:.0f} B; "
          f"state folder {civil['state_bytes'] / 1e6:.1f} MB = {civil['state_per_queued']:.0f} B per URL; "
          f"resumed to its first new page in {civil['resume']:.1f} s; load average {load_before} -> {load()}",
          flush=True)
    return c, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", default="1000", help="host counts, comma-separated (e.g. 100,1000,10000)")
    ap.add_argument("--seconds", type=float, default=40.0, help="crawl time per crawler and host count")
    ap.add_argument("--frontier", type=int, default=100_000, help="URLs queued for the memory measure (0: skip it)")
    args = ap.parse_args()
    try:
        counts = sorted({int(x) for x in args.hosts.split(",")})
        if not counts or min(counts) < 1:
            raise ValueError
    except ValueError:
        sys.exit(f"--hosts {args.hosts!r}: expected positive host counts separated by commas, e.g. --hosts 100,1000")
    print(f"broad crawl: {args.seconds:g} s per crawler, concurrency {CONCURRENCY}, delay {DELAY:g} s per host, "
          "one request per host at a time; plain Scrapy obeys Disallow only (not Crawl-delay, Request-rate, "
          "Retry-After, nor a 503 robots.txt)", flush=True)
    result = (0.0, 0.0)
    for n in counts:
        result = one(n, args.seconds, CONCURRENCY)
    c, s = result
    b = float("nan")
    if args.frontier:
        mem = frontier_memory(args.frontier)
        b = mem["rss_per_url"]
        print(f"frontier: {mem['queued']} URLs queued on 10 hosts that may not be fetched yet: RSS {b:.0f} B per "
              f"queued URL (slope), state folder {mem['state_per_url']:.0f} B per URL; load average {load()}")
    print(f"broad: hosts={counts[-1]} civilcrawl={c:.1f} pages/s scrapy={s:.1f} pages/s "
          f"ratio={c / s if s else float('nan'):.2f} bytes_per_queued_url={b:.0f}")


if __name__ == "__main__":
    main()
