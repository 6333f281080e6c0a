"""A host serving several origins (ports): each origin is paced by its own Crawl-delay within the host's turn."""

from __future__ import annotations

import statistics
import subprocess
import sys

from crawler.cli.localsite import LocalServer, Reply, Site, html
from tests.conftest import CONTACT

HOST = "multi.test"
DELAYS = (0.3, 0.45, 0.75)  # one Crawl-delay per port
PAGES = 5
ANSWER = 0.02  # each answer takes this long: the next request at the host may not arrive before it is done
FLOOR = 0.04  # --delay: our own per-host gap, between any two requests at the host


def origin_site(delay: float) -> Site:
    routes: dict = {"/robots.txt": Reply(body=f"User-agent: *\nCrawl-delay: {delay}\n", content_type="text/plain",
                                         delay=ANSWER)}
    for k in range(PAGES):
        nxt = [f"/p{j}" for j in range(k + 1, PAGES)]
        routes["/" if k == 0 else f"/p{k}"] = Reply(body=html(f"page {k}", "text", nxt), delay=ANSWER)
    return Site(routes, fallback=lambda hit: Reply(404, "not found", content_type="text/plain", delay=ANSWER))


def test_each_origin_keeps_its_own_crawl_delay_within_the_hosts_turn(tmp_path):
    servers = [LocalServer({HOST: origin_site(d)}).start() for d in DELAYS]
    try:
        seeds = [s.url(HOST) for s in servers]
        cmd = [sys.executable, "-m", "crawler", "crawl", *seeds, "--contact", CONTACT, "--scope", "host",
               "--delay", str(FLOOR), "--resolve", f"{HOST}=127.0.0.1", "--allow-network", "127.0.0.1/32",
               "--out", str(tmp_path / "pages.jsonl"), "--audit", str(tmp_path / "audit.jsonl"),
               "--terms", "policy"]  # no terms pages guessed at: only robots.txt, tdmrep.json and the pages
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert p.returncode == 0, p.stderr[-2000:]
    finally:
        for s in servers:
            s.stop()
    every = []
    for s, delay in zip(servers, DELAYS, strict=True):
        hits = s.hits_for(HOST)  # robots.txt, tdmrep.json and pages: the Crawl-delay binds them all
        assert len([h for h in hits if h.path == "/" or h.path.startswith("/p")]) == PAGES
        gaps = LocalServer.gaps(hits)
        assert min(gaps) >= delay, (delay, gaps)  # the origin's own Crawl-delay holds at its server
        every += hits
        if delay < max(DELAYS):  # ... and it is not paced at the largest origin's delay
            assert statistics.median(gaps) < (delay + max(DELAYS)) / 2, (delay, gaps)
    every.sort(key=lambda h: h.t)
    # the host's turn stays: one request at a time, and our delay between any two, across all origins
    assert min(LocalServer.gaps(every)) >= ANSWER + FLOOR - 0.005
