"""Shared fixtures: one local multi-host server for the whole session, and a helper that runs the CLI."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.cli.localsite import LocalServer, Reply, Site, html
from tests.sites import SITES

CONTACT = "mailto:tests@example.org"


@pytest.fixture(scope="session")
def server():
    with LocalServer(SITES) as srv:
        yield srv


@pytest.fixture(params=["redis", "redis-cluster"])
def any_redis(request):
    """The URL of a Redis for the cluster tests, twice: one Redis server, then a local 3-node Redis Cluster
    (tests/cluster.py starts both when needed)."""
    from tests.cluster import redis_cluster_or_skip, redis_or_skip

    return redis_or_skip() if request.param == "redis" else redis_cluster_or_skip()


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    audit: list[dict]
    items: list[dict]

    def decisions(self, url_part: str = "") -> list[dict]:
        return [r for r in self.audit if url_part in r["url"]]

    def final(self, url: str) -> dict:
        recs = [r for r in self.audit if r["url"] == url]
        assert len(recs) == 1, f"expected one final record for {url}, got {recs}"
        return recs[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line] if path.exists() else []


def run_crawl(server: LocalServer, folder: Path, *seeds: str, args: tuple[str, ...] = (), hosts: tuple[str, ...] = (),
              allow: bool = True, timeout: float = 120, terms: str | None = "policy") -> CrawlResult:
    """Run ``civilcrawl crawl`` in a subprocess in ``folder`` against ``server``; names resolve to 127.0.0.1.

    ``terms``: tests of other rules read policy files only (``--terms policy``), so their request counts are about
    those rules; None leaves the CLI's default (``--terms discover``, tests/test_terms_crawl.py)."""
    audit, out = folder / "audit.jsonl", folder / "pages.jsonl"
    for f in (audit, out):
        f.unlink(missing_ok=True)
    urls = [s if "://" in s else server.url(s.split("/", 1)[0], "/" + s.split("/", 1)[1] if "/" in s else "/")
            for s in seeds]
    cmd = [sys.executable, "-m", "crawler", "crawl", *urls, "--contact", CONTACT, "--out", str(out),
           "--audit", str(audit), "--timeout", "3"]
    names = {u.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0] for u in urls} | set(hosts)
    for name in sorted(names):
        if not name[0].isdigit():
            cmd += ["--resolve", f"{name}=127.0.0.1"]
    if allow:
        cmd += ["--allow-network", "127.0.0.1/32"]
    cmd += list(args)
    if terms and "--terms" not in args:
        cmd += ["--terms", terms]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=folder)
    return CrawlResult(p.returncode, p.stdout, p.stderr, read_jsonl(audit), read_jsonl(out))


@pytest.fixture
def crawl(tmp_path, server):
    """``run_crawl`` in the test's own folder against the session server (a module's own ``server`` overrides it)."""
    return functools.partial(run_crawl, server, tmp_path)


__all__ = ["CONTACT", "CrawlResult", "Reply", "Site", "html"]
