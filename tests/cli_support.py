"""A small local site with a subdomain, an unlinked page, sitemaps and images, and a CLI runner for it.

Hosts: ``civil.test`` (the seed), ``blog.civil.test`` (a subdomain it links to) and ``other.test``
(another site it links to). Links that need the server's port are written from the request's Host header.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from crawler.cli.localsite import Hit, LocalServer, Reply, Site, html
from tests.conftest import CONTACT, CrawlResult, read_jsonl

HOSTS = ("civil.test", "blog.civil.test", "other.test")


def _port(hit: Hit) -> str:
    return hit.headers.get("Host", "").rsplit(":", 1)[1]


def _home(hit: Hit) -> Reply:
    port = _port(hit)
    return Reply(body=html("home", "welcome", [
        "/a", "/private/x", f"http://blog.civil.test:{port}/", f"http://other.test:{port}/", "/disguised"])
        .replace("</ul>", '</ul><img src="/img/face.png" alt=""><img src="/img/plain.png" alt="">'))


def _robots(hit: Hit) -> Reply:
    return Reply(body=f"User-agent: *\nAllow: /\n\nSitemap: http://civil.test:{_port(hit)}/sitemap-index.xml\n",
                 content_type="text/plain")


def _index(hit: Hit) -> Reply:
    port = _port(hit)
    body = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<sitemap><loc>http://civil.test:{port}/sitemap-pages.xml.gz</loc></sitemap>'
            '</sitemapindex>')
    return Reply(body=body, content_type="application/xml")


def _pages(hit: Hit) -> Reply:
    port = _port(hit)
    body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<url><loc>http://civil.test:{port}/only-in-sitemap</loc><lastmod>2026-01-02</lastmod></url>'
            f'<url><loc>http://civil.test:{port}/a</loc></url>'
            f'<url><loc>http://elsewhere.test:{port}/x</loc></url>'
            '</urlset>')
    return Reply(body=gzip.compress(body.encode()), content_type="application/x-gzip")


def face_png() -> bytes:
    """scikit-image's astronaut: a real photograph of a face."""
    from tests.test_images_support import astronaut, encode

    return encode(astronaut(), "PNG")


def plain_png() -> bytes:
    """A picture with no person in it (shapes), which must be kept."""
    from tests.test_images_support import encode, shapes

    return encode(shapes(320, 240), "PNG")


def sites() -> dict[str, Site]:
    return {
        "civil.test": Site({
            "/robots.txt": _robots, "/": _home, "/a": Reply(body=html("page a", "alpha")),
            "/private/x": Reply(body=html("private", "excluded by pattern")),
            "/only-in-sitemap": Reply(body=html("hidden", "reached through the sitemap only")),
            "/sitemap-index.xml": _index, "/sitemap-pages.xml.gz": _pages,
            "/img/face.png": Reply(body=face_png(), content_type="image/png"),
            "/img/plain.png": Reply(body=plain_png(), content_type="image/png"),
            "/disguised": Reply(body=face_png(), content_type="text/html; charset=utf-8"),  # a face sent as a page
        }),
        "blog.civil.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                                 "/": Reply(body=html("blog", "a subdomain"))}),
        "other.test": Site({"/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
                            "/": Reply(body=html("other", "another site"))}),
    }


def start_server() -> LocalServer:
    return LocalServer(sites()).start()


def civil_crawl(server: LocalServer, tmp: Path, *args: str, out: str | None = "items.jsonl",
                timeout: float = 120) -> CrawlResult:
    """``civilcrawl crawl http://civil.test:PORT/`` with ``args``; items read from ``out`` when it is a file."""
    audit = tmp / "audit.jsonl"
    audit.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "crawler", "crawl", server.url("civil.test"), "--contact", CONTACT,
           "--audit", str(audit), "--timeout", "5", "--delay", "0", "--allow-network", "127.0.0.1/32",
           "--progress", "off"]
    for host in HOSTS:
        cmd += ["--resolve", f"{host}=127.0.0.1"]
    if out is not None:
        cmd += ["--out", out if out == "-" else str(tmp / out)]
    p = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout, cwd=tmp)
    items = read_jsonl(tmp / out) if out and out.endswith((".jsonl", ".jl")) else []
    if out == "-":
        items = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return CrawlResult(p.returncode, p.stdout, p.stderr, read_jsonl(audit), items)
