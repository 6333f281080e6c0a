"""``civilcrawl demo``: a small bundled site on 127.0.0.1, crawled by the real crawler, explained."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from crawler.audit import read
from crawler.cli.localsite import Hit, LocalServer, Reply, Site, html
from crawler.net.identity import DEFAULT_TOKEN, user_agent

NAME = "demo"
HELP = "Crawl a small bundled site on 127.0.0.1 and show what was fetched, refused and why (works offline)."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", default="civilcrawl-demo", help="where the outputs go (default ./civilcrawl-demo)")
    p.add_argument("--contact", default="mailto:demo@localhost", help="contact sent in the User-Agent")


def demo_sites() -> dict[str, Site]:
    """Four hosts: a shop with Crawl-delay and Disallow, a broken robots.txt, a busy host and a metadata trap."""
    busy_hits: dict[str, int] = {}

    def busy(hit) -> Reply:
        busy_hits[hit.path] = busy_hits.get(hit.path, 0) + 1
        if busy_hits[hit.path] == 1:
            return Reply(429, "slow down", {"Retry-After": "1"}, content_type="text/plain")
        return Reply(body=html("Busy but kind", "Served after the pause we were asked for."))

    shop = {
        "/robots.txt": Reply(body="User-agent: *\nCrawl-delay: 0.5\nDisallow: /account/\n"
                                  "Sitemap: http://shop.demo/sitemap.xml\n", content_type="text/plain"),
        "/": Reply(body=html("Demo shop", "Welcome.", ["/products/", "/about", "/account/login",
                                                       "https://social.example/profile", "/old-page"])),
        "/products/": Reply(body=html("Products", "Two things.", ["/products/1", "/products/2", "/"])),
        "/products/1": Reply(body=html("A kettle", "It boils.")),
        "/products/2": Reply(body=html("A teapot", "It pours.")),
        "/about": Reply(body=html("About", "A shop that likes polite robots.")),
        "/old-page": Reply(301, headers={"Location": "/about"}),
        "/account/login": Reply(body=html("Login", "Never fetched: robots.txt disallows /account/.")),
    }
    return {
        "shop.demo": Site(shop),
        "down.demo": Site({"/robots.txt": Reply(503, "maintenance", content_type="text/plain"),
                           "/": Reply(body=html("Never fetched", "robots.txt is unavailable, so nothing is."))}),
        "busy.demo": Site({"/robots.txt": Reply(404, "none", content_type="text/plain"), "/": busy}),
    }


def run(args: argparse.Namespace) -> int:
    from crawler.cli.crawl import summarise
    from crawler.cli.runner import run_crawl

    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    audit, items = out / "audit.jsonl", out / "pages.jsonl"
    for f in (audit, items):
        f.unlink(missing_ok=True)
    with LocalServer(demo_sites()) as server:
        seeds = [server.url(h) for h in ("shop.demo", "down.demo", "busy.demo")] + ["http://metadata.demo/latest/"]
        resolve = {h: "127.0.0.1" for h in ("shop.demo", "down.demo", "busy.demo")}
        resolve["metadata.demo"] = "169.254.169.254"  # a name that resolves into a cloud metadata address
        settings = {
            "CIVIL_CONTACT": args.contact, "CIVIL_DELAY": 0.2, "CIVIL_RESOLVE": resolve,
            "CIVIL_ALLOW_NETWORKS": [f"127.0.0.1:{server.port}"],  # only the demo's own server: one address, one port
            "CIVIL_AUDIT": str(audit), "CIVIL_OUT": str(items), "CIVIL_MAX_RETRY_AFTER": 5,
        }
        print(f"Crawling a bundled demo site on 127.0.0.1:{server.port} as the real crawler would...\n")
        status, stats = run_crawl(settings, seeds=seeds)
    print(f"{'decision':<9} {'reason':<19} url / why")
    for r in read.records(audit):
        why = f"  ({r['detail']})" if r["detail"] else ""
        print(f"{r['decision']:<9} {r['reason']:<19} {r['url']}{why}")
    print()
    summarise(stats, settings)
    agent = user_agent(DEFAULT_TOKEN, args.contact)
    problems = compare_logs(server.hits, list(read.records(audit)), agent)
    if problems:
        print("\nThe demo site's own request log does NOT agree with the audit log:\n  " + "\n  ".join(problems))
        return status or 1
    print(f"\nThe demo site's own log, checked: {len(server.hits)} requests, each one in the audit above, "
          f"every one with the User-Agent '{agent}'.")
    return status


def compare_logs(hits: list[Hit], records: list[dict], agent: str) -> list[str]:
    """What the server saw against what the audit log says was sent: requests per URL, and the User-Agent."""
    sent: Counter[str] = Counter()
    for rec in records:
        if rec.get("started"):  # a request left for this record; "attempt N" counts the tries before it
            tries = re.search(r"attempt (\d+)", rec.get("detail") or "")
            sent[_where(rec["url"])] += int(tries.group(1)) if tries else 1
    seen = Counter(_where(f"http://{h.host}{h.path}") for h in hits)
    problems = [f"{url}: the server saw {seen[url]} requests, the audit log says {sent[url]}"
                for url in sorted(set(sent) | set(seen)) if sent[url] != seen[url]]
    problems += [f"a request with User-Agent {ua!r}" for ua in sorted({h.user_agent for h in hits} - {agent})]
    return problems


def _where(url: str) -> str:
    """host + path, the part of a URL both logs share (the server does not see the port it listens on)."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
