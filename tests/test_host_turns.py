"""Requests waiting for their host's turn hold no engine slot: with two slots, slow hosts do not hold up fast ones.

Two hosts ask for a Crawl-delay of 1 s, six others for nothing (our own 0.05 s applies); the crawl has only
CONCURRENT_REQUESTS = 2 and reads every site's terms (home page and usual paths) and tdmrep.json first. Were the
slow hosts' waiting requests (their reads, then their pages) counted against the two slots, the fast hosts
would wait for them; here every fast page is fetched before the slow hosts are half done, and every host's gap
holds at the server.
"""

from __future__ import annotations

import json
import subprocess
import sys

from crawler.cli.localsite import LocalServer, Reply, Site, html
from tests.conftest import CONTACT

SLOW, FAST = ["slow0.test", "slow1.test"], [f"fast{i}.test" for i in range(6)]
CRAWL_DELAY, DELAY, PAGES = 1.0, 0.05, 5


def site(crawl_delay: float | None) -> Site:
    rules = f"Crawl-delay: {crawl_delay}\n" if crawl_delay else ""
    routes = {"/robots.txt": Reply(body=f"User-agent: *\n{rules}Allow: /\n", content_type="text/plain"),
              "/": Reply(body=html("home", "home", ["/p1"]))}
    for k in range(1, PAGES):
        routes[f"/p{k}"] = Reply(body=html(f"page {k}", "text", [f"/p{k + 1}"] if k + 1 < PAGES else []))
    return Site(routes, fallback=lambda hit: Reply(404, "not found", content_type="text/plain"))


SCRIPT = """
import json, sys
from crawler.cli.runner import run_crawl
settings, seeds = json.loads(sys.argv[1]), json.loads(sys.argv[2])
status, _ = run_crawl(settings, seeds=seeds)
sys.exit(status)
"""


def test_waiting_for_a_turn_holds_no_slot_and_every_gap_holds(tmp_path):
    sites = {h: site(CRAWL_DELAY) for h in SLOW} | {h: site(None) for h in FAST}
    with LocalServer(sites) as server:
        seeds = [server.url(h) for h in SLOW + FAST]  # the slow ones first: they would take both slots
        settings = {"CIVIL_CONTACT": CONTACT, "CIVIL_DELAY": DELAY, "CIVIL_SCOPE": "host", "CONCURRENT_REQUESTS": 2,
                    "CIVIL_RESOLVE": {h: "127.0.0.1" for h in sites}, "CIVIL_ALLOW_NETWORKS": ["127.0.0.1/32"],
                    "CIVIL_AUDIT": str(tmp_path / "audit.jsonl"), "CIVIL_OUT": str(tmp_path / "items.jsonl"),
                    "CIVIL_TERMS": "discover", "DOWNLOAD_TIMEOUT": 10}
        p = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(settings), json.dumps(seeds)],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert p.returncode == 0, p.stderr[-3000:]
        hits = {h: server.hits_for(h) for h in sites}
    items = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert len(items) == PAGES * len(sites)  # every page of every host
    for h, got in hits.items():
        assert len([x for x in got if x.path == "/" or x.path.startswith("/p")]) == PAGES, (h, [x.path for x in got])
        gap = CRAWL_DELAY if h in SLOW else DELAY
        after_robots = [x for x in got if x.path != "/robots.txt"]
        assert min(LocalServer.gaps(after_robots)) >= gap, (h, LocalServer.gaps(after_robots))
    # terms (home + 4 usual paths) and tdmrep.json come first: 6 reads, then 4 more pages, each 1 s apart
    slow_half = min(sorted(x.t for x in hits[h])[5] for h in SLOW)  # the 6th request of either slow host
    last_fast = max(x.t for h in FAST for x in hits[h])
    assert last_fast < slow_half, f"fast hosts done {last_fast - slow_half:.2f} s after the slow ones' 6th request"
