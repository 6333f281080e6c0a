"""Hostile robots.txt and images against a real crawl: bounded time, a logged decision for every URL."""

from __future__ import annotations

import pytest

from crawler.cli.localsite import LocalServer, Reply, Site, html
from tests.sites import robots
from tests.test_robots_differential import SHAPES

A40 = "/" + "a" * 40
STARS14 = "/" + "*a" * 14 + "*b"

SITES: dict[str, Site] = {
    # 14 stars froze the reactor for hours with the backtracking matcher; other hosts were never contacted.
    "glob.test": Site({"/robots.txt": robots(f"User-agent: *\nContent-Usage: {STARS14} train-ai=n\n"),
                       "/": Reply(body=html("g", "", [A40, A40 + "b"])),
                       A40: Reply(body=html("plain a")), A40 + "b": Reply(body=html("ends in b"))}),
    "other.test": Site({"/robots.txt": robots("User-agent: *\nAllow: /\n"), "/": Reply(body=html("other"))}),
}
#: One host per robots.txt shape the review found read more loosely than Google reads it.
SHAPE_HOSTS = {f"shape{i}.test": name for i, name in enumerate(SHAPES)}
for _host, _name in SHAPE_HOSTS.items():
    SITES[_host] = Site({"/robots.txt": robots(SHAPES[_name]), "/": Reply(body=html("page", "", ["/a"])),
                         "/a": Reply(body=html("a"))})


@pytest.fixture(scope="module")
def server():
    with LocalServer(SITES) as srv:
        yield srv


def test_backtracking_pattern_does_not_freeze_the_crawl(crawl, server):
    r = crawl("glob.test", "other.test", args=("--delay", "0", "--purpose", "ai-train"), timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.final(server.url("glob.test", A40))["decision"] == "fetched"
    refused = r.final(server.url("glob.test", A40 + "b"))
    assert refused["reason"] == "ai-optout" and "content-usage" in refused["detail"], refused
    assert r.final(server.url("other.test"))["decision"] == "fetched", "other hosts are still crawled"


def test_robots_shapes_disallow_us_end_to_end(crawl, server):
    r = crawl(*SHAPE_HOSTS, args=("--delay", "0"), timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    for host, name in SHAPE_HOSTS.items():
        rec = r.final(server.url(host))
        assert rec["decision"] == "refused" and rec["reason"] == "robots", (name, rec)
        assert [h.path for h in server.hits_for(host)] == ["/robots.txt"], f"{name}: only robots.txt was fetched"
