"""Memory per queued URL for benchmarks/broad.py: a frontier that grows while nothing of it is fetched.

One hub host (no Crawl-delay) has LISTS list pages linking, together, to ``urls`` pages on ``hosts`` other
hosts whose robots.txt asks for Crawl-delay 100: once their robots.txt is read, none of their pages can be
fetched for minutes, so every link the hub's lists give stays queued. The `run` job (every check on, a state
folder) is sampled every 0.25 s for its RSS and the journal's queued count while the lists are read; the slope
of RSS over queued URLs (least squares, between 10 % and 100 % of the URLs) is the memory one queued URL costs,
whatever the hosts cost. The web's per-host costs (robots.txt, terms, pacing, connections) are the same
hosts' all along, so they are not in it.
"""

from __future__ import annotations

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

from crawler.cli.localsite import LocalServer, Reply, Site, html

LISTS = 100
HUB = "hub.frontier.test"


def _host(k: int) -> str:
    return f"w{k}.frontier.test"


def _site(urls: int, hosts: int, port_of: dict[str, int]) -> Site:
    def answer(hit):  # noqa: ANN001, ANN202
        path = hit.path.split("?", 1)[0]
        if path == "/robots.txt":
            rules = "" if hit.host == HUB else "Crawl-delay: 100\n"
            return Reply(body=f"User-agent: *\n{rules}Allow: /\n", content_type="text/plain")
        if hit.host == HUB and path == "/":
            return Reply(body=html("hub", "lists", [f"/list/{j}" for j in range(LISTS)]))
        if hit.host == HUB and path.startswith("/list/"):
            j, port = int(path[6:]), port_of["port"]
            links = [f"http://{_host(k % hosts)}:{port}/page/{k}?from=list-{j}" for k in range(j, urls, LISTS)]
            return Reply(body=html(f"list {j}", "links", links))
        return Reply(404, "not found", content_type="text/plain")

    return Site(fallback=answer)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _queued(state: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{state / 'frontier.sqlite3'}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT count(*) FROM urls WHERE state = 'queued'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def frontier_memory(urls: int = 100_000, hosts: int = 10, limit: float = 240.0) -> dict:
    """Run the job until ``urls`` links are queued; return bytes of RSS and of state folder per queued URL."""
    tmp = Path(tempfile.mkdtemp(prefix="civil-frontier-"))
    port_of: dict[str, int] = {}
    names = [HUB] + [_host(k) for k in range(hosts)]
    with LocalServer({"*": _site(urls, hosts, port_of)}, idle_timeout=5.0) as server:
        port_of["port"] = server.port
        job = {"seeds": [server.url(HUB)], "contact": "mailto:bench@localhost", "state": str(tmp / "state"),
               "scope": "domain", "outputs": {"dir": str(tmp / "out")},
               "limits": {"delay": 0.05, "max_time": limit, "timeout": 10},
               "network": {"allow_networks": ["127.0.0.1/32"], "resolve": {h: "127.0.0.1" for h in names}}}
        (tmp / "job.yaml").write_text(json.dumps(job))
        p = subprocess.Popen([sys.executable, "-m", "crawler", "run", str(tmp / "job.yaml"), "--progress", "off"],
                             stdout=subprocess.DEVNULL, stderr=(tmp / "civil.log").open("w"))
        samples: list[tuple[int, float]] = []
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < limit and p.poll() is None:
                time.sleep(0.25)
                samples.append((_queued(tmp / "state"), _rss_mb(p.pid)))
                if samples[-1][0] >= urls and len(samples) > 8 and samples[-8][0] >= urls:
                    break  # every link queued, and 2 s more
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
    state = sum(f.stat().st_size for f in (tmp / "state").rglob("*") if f.is_file())
    if not os.environ.get("BROAD_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)
    ramp = [(q, r) for q, r in samples if q >= urls * 0.1]
    n = len(ramp)
    if n < 3 or samples[-1][0] < urls * 0.9:
        return {"queued": samples[-1][0] if samples else 0, "rss_per_url": float("nan"), "state_per_url": float("nan")}
    mq, mr = sum(q for q, _ in ramp) / n, sum(r for _, r in ramp) / n
    slope = sum((q - mq) * (r - mr) for q, r in ramp) / sum((q - mq) ** 2 for q, _ in ramp)  # MB per URL
    return {"queued": samples[-1][0], "rss_per_url": slope * 2**20, "state_per_url": state / samples[-1][0],
            "rss_mb": samples[-1][1]}


if __name__ == "__main__":
    print(frontier_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
