"""Hostile answers and options that used to lose URLs, open ports or reach odd addresses (issue #11, 7-13).

Each test runs the real CLI against local servers on 127.0.0.1 and reads the audit log it wrote.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.localsite import LocalServer, Reply, Site, html
from tests.conftest import CONTACT, CrawlResult, read_jsonl

TXT = "text/plain"
ALLOW_ALL = Reply(body="User-agent: *\nAllow: /\n", content_type=TXT)


def _to_canary(hit) -> Reply:
    return Reply(302, headers={"Location": f"http://127.0.0.1:{CANARY_PORT[0]}/secret"})


CANARY_PORT: list[int] = []
SITES = {
    "v6odd.test": Site({"/robots.txt": ALLOW_ALL, "/": Reply(body=html("v6", "", ["/site-local", "/doc"])),
                        "/site-local": Reply(302, headers={"Location": "http://[fec0::1]/"}),
                        "/doc": Reply(302, headers={"Location": "http://[3fff::1]/"})}),
    "port.test": Site({"/robots.txt": ALLOW_ALL, "/": Reply(body=html("p", "", ["/hop"])), "/hop": _to_canary}),
}


@pytest.fixture(scope="module")
def canary():
    """Another local service on another port: nothing the crawl is not allowed to reach may touch it."""
    with LocalServer({"*": Site(fallback=lambda hit: Reply(body=html("canary")))}) as srv:
        CANARY_PORT[:] = [srv.port]
        yield srv


@pytest.fixture(scope="module")
def site(canary):
    with LocalServer(SITES) as srv:
        yield srv


def run_cli(tmp_path: Path, *args: str, timeout: float = 60) -> CrawlResult:
    audit, out = tmp_path / "audit.jsonl", tmp_path / "pages.jsonl"
    for f in (audit, out):
        f.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "crawler", "crawl", *args, "--contact", CONTACT, "--out", str(out),
           "--audit", str(audit), "--timeout", "3", "--delay", "0"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    return CrawlResult(p.returncode, p.stdout, p.stderr, read_jsonl(audit), read_jsonl(out))


def crawl(tmp_path: Path, server: LocalServer, host: str, *args: str, allow: str = "127.0.0.1/32") -> CrawlResult:
    return run_cli(tmp_path, server.url(host), "--resolve", f"{host}=127.0.0.1", "--allow-network", allow, *args)


# -- 9: IPv6 ranges no list called private ----------------------------------------------------------------

def test_site_local_and_documentation_ipv6_are_refused_before_connecting(tmp_path, site):
    r = crawl(tmp_path, site, "v6odd.test")
    assert r.final("http://[fec0::1]/")["reason"] == "private-network"
    assert "site-local" in r.final("http://[fec0::1]/")["detail"]
    assert r.final("http://[3fff::1]/")["reason"] == "private-network"


# -- 13: one address, one port ----------------------------------------------------------------------------

def test_allow_network_addr_port_opens_that_port_only(tmp_path, site, canary):
    r = crawl(tmp_path, site, "port.test", allow=f"127.0.0.1:{site.port}")
    assert r.returncode == 0, r.stderr
    assert r.final(site.url("port.test", "/hop"))["status"] == 302
    secret = r.final(f"http://127.0.0.1:{canary.port}/secret")
    assert secret["reason"] == "private-network" and f"port {canary.port}" in secret["detail"]
    assert canary.hits == [], "the other local service was contacted"


def test_allow_network_cidr_still_opens_every_port(tmp_path, site, canary):
    r = crawl(tmp_path, site, "port.test", allow="127.0.0.1/32")
    assert r.final(f"http://127.0.0.1:{canary.port}/secret")["reason"] == "ok"
    canary.hits.clear()


@pytest.mark.parametrize("value", ["127.0.0.1:0", "10.0.0.0/8:80", "127.0.0.1:http", "not-a-net"])
def test_bad_allow_network_is_a_usage_error(tmp_path, value):
    r = run_cli(tmp_path, "http://a.test/", "--allow-network", value)
    assert r.returncode == 2 and f"--allow-network {value!r}" in r.stderr and "Traceback" not in r.stderr


# -- 7: --resolve to a name ------------------------------------------------------------------------------

def test_resolve_to_a_host_name_is_a_usage_error(tmp_path):
    r = run_cli(tmp_path, "http://a.test/", "--resolve", "a.test=localhost")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "--resolve 'a.test=localhost'" in r.stderr and "not an IP address" in r.stderr
    assert r.audit == []
