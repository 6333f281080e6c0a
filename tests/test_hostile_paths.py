"""Hostile answers and options that used to lose URLs, open ports or reach odd addresses (issue #11, 7-13).

Each test runs the real CLI against local servers on 127.0.0.1 and reads the audit log it wrote.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.cli.localsite import LocalServer, Reply, Site, html
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
    "dates.test": Site({"/robots.txt": ALLOW_ALL, "/": Reply(body=html("d", "", ["/late", "/early"])),
                        "/late": Reply(body=html("late"),
                                       headers={"X-Robots-Tag": "unavailable_after: 9999-12-31T23:59:59-05:00"}),
                        "/early": Reply(body=html("early"),
                                        headers={"X-Robots-Tag": "unavailable_after: 0001-01-01T00:00:00+05:00"})}),
    "nested.test": Site({"/robots.txt": ALLOW_ALL, "/.well-known/tdmrep.json": Reply(
        body="[" * 100_000 + "]" * 100_000, content_type="application/json"), "/": Reply(body=html("n", "", ["/a"])),
        "/a": Reply(body=html("a"))}),
    "dupes.test": Site({"/robots.txt": ALLOW_ALL, "/a": Reply(body=html("a")), "/ab": Reply(body=html("ab")),
                        "/": Reply(body=html("d", "", ["/a?x=1&y=2", "/a?y=2&x=1", "/ab", "/%61b", "/ab"]))}),
    "hops.test": Site({"/robots.txt": ALLOW_ALL, "/": Reply(body=html("h", "", ["/hop/0", "/to-file", "/to-ftp",
                                                                                 "/to-data", "/to-broken"])),
                       **{f"/hop/{i}": Reply(302, headers={"Location": f"/hop/{i + 1}"}) for i in range(12)},
                       "/hop/12": Reply(body=html("end")),
                       "/to-file": Reply(302, headers={"Location": "file:///etc/passwd"}),
                       "/to-ftp": Reply(301, headers={"Location": "ftp://hops.test/f"}),
                       "/to-data": Reply(307, headers={"Location": "data:text/plain,hi"}),
                       "/to-broken": Reply(302, headers={"Location": "http://[::1/"})}),
    "creds.test": Site({"/robots.txt": ALLOW_ALL, "/": Reply(body=html("c", "", ["/b", "/moved"])),
                        "/b": Reply(body=html("b", "see http://linked:hunter2@creds.test/x")),
                        "/c": Reply(body=html("c")),
                        "/moved": lambda hit: Reply(302, headers={
                            "Location": f"http://mover:letmein@{hit.headers['Host']}/b"})}),
    "fragile.test": Site({"/robots.txt": ALLOW_ALL, "/boom": Reply(body=html("boom")), "/ok": Reply(body=html("ok")),
                          "/bad-meta": Reply(body=html("never"))}),
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


def crawl(tmp_path: Path, server: LocalServer, host: str, *args: str, allow: str = "127.0.0.1/32",
          path: str = "/") -> CrawlResult:
    return run_cli(tmp_path, server.url(host, path), "--resolve", f"{host}=127.0.0.1", "--allow-network", allow,
                   "--terms", "policy", *args)  # terms reads have records of their own: not what these tests count


TOGETHER = ("v6odd.test", "nested.test", "dupes.test", "hops.test")


@pytest.fixture(scope="module")
def together(site, tmp_path_factory) -> CrawlResult:
    """One crawl of the sites whose tests need no option of their own (one start-up, not four): each test checks its
    own site's records and requests."""
    resolve = [a for host in TOGETHER for a in ("--resolve", f"{host}=127.0.0.1")]
    # v6odd.test's redirects are seeds: a seed that moves is crawled where it moved to, so the guard decides there
    seeds = [site.url(host) for host in TOGETHER] + [site.url("v6odd.test", p) for p in ("/site-local", "/doc")]
    r = run_cli(tmp_path_factory.mktemp("together"), *seeds, *resolve,
                "--allow-network", "127.0.0.1/32", "--terms", "policy")
    assert r.returncode == 0, r.stderr
    return r


# -- 9: IPv6 ranges no list called private ----------------------------------------------------------------

def test_site_local_and_documentation_ipv6_are_refused_before_connecting(together):
    r = together
    assert r.final("http://[fec0::1]/")["reason"] == "private-network"
    assert "site-local" in r.final("http://[fec0::1]/")["detail"]
    assert r.final("http://[3fff::1]/")["reason"] == "private-network"


# -- 13: one address, one port ----------------------------------------------------------------------------

def test_allow_network_addr_port_opens_that_port_only(tmp_path, site, canary):
    r = crawl(tmp_path, site, "port.test", allow=f"127.0.0.1:{site.port}", path="/hop")  # a seed that moves
    assert r.returncode == 0, r.stderr
    assert r.final(site.url("port.test", "/hop"))["status"] == 302
    secret = r.final(f"http://127.0.0.1:{canary.port}/secret")
    assert secret["reason"] == "private-network" and f"port {canary.port}" in secret["detail"]
    assert canary.hits == [], "the other local service was contacted"


def test_allow_network_cidr_still_opens_every_port(tmp_path, site, canary):
    r = crawl(tmp_path, site, "port.test", allow="127.0.0.1/32", path="/hop")
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


# -- 7: exceptions on a request's path end as records, and the exit status says so ------------------------

def test_unavailable_after_at_the_ends_of_time_is_a_decision(tmp_path, site):
    r = crawl(tmp_path, site, "dates.test", "--purpose", "search")
    assert r.returncode == 0, r.stderr
    assert r.final(site.url("dates.test", "/late"))["reason"] == "ok", "year 9999: not yet unavailable"
    early = r.final(site.url("dates.test", "/early"))
    assert "unavailable_after" in early["detail"] and "no item kept" in early["detail"], "year 1: long passed"
    assert {i["url"] for i in r.items} == {site.url("dates.test"), site.url("dates.test", "/late")}
    assert "Traceback" not in r.stderr


def test_deeply_nested_tdmrep_is_no_signal_not_a_lost_page(together, site):
    r = together
    assert r.final(site.url("nested.test"))["reason"] == "ok"
    assert r.final(site.url("nested.test", "/a"))["reason"] == "ok"
    assert "RecursionError" not in r.stderr


FRAGILE = textwrap.dedent('''
    import sys
    from scrapy import Request, Spider
    from crawler.cli.runner import run_crawl

    class Fragile(Spider):
        name = "fragile"

        async def start(self):
            base = sys.argv[1]
            yield Request(base + "/boom", callback=self.parse)
            yield Request(base + "/bad-meta", meta={"depth": "deep"}, callback=self.parse)  # the gate trips on it
            yield Request(base + "/ok", callback=self.parse)
            yield Request(sys.argv[3], callback=self.parse, errback=self.broken)  # nothing listens there

        def parse(self, response):
            if response.url.endswith("/boom"):
                raise KeyError("boom")
            yield {"url": response.url}

        def broken(self, failure):
            raise RuntimeError("the errback broke too")

    status, _ = run_crawl({"CIVIL_CONTACT": "mailto:t@example.org", "CIVIL_AUDIT": sys.argv[2], "CIVIL_DELAY": 0,
                           "CIVIL_MAX_DEPTH": 3, "CIVIL_RETRY_TIMES": 0, "DOWNLOAD_TIMEOUT": 3,
                           "CIVIL_RESOLVE": {"fragile.test": "127.0.0.1"}, "CIVIL_ALLOW_NETWORKS": ["127.0.0.1/32"]},
                          Fragile)
    sys.exit(status)
''')


def test_every_unexpected_exception_is_an_error_record_and_a_failed_exit(tmp_path, site):
    script = tmp_path / "fragile.py"
    script.write_text(FRAGILE)
    audit = tmp_path / "audit.jsonl"
    closed = "http://127.0.0.1:9/nothing"  # the discard port: connection refused
    p = subprocess.run([sys.executable, str(script), site.url("fragile.test", "").rstrip("/"), str(audit), closed],
                       capture_output=True, text=True, timeout=60)
    records = read_jsonl(audit)
    errors = {r["url"]: r for r in records if r["reason"] == "error"}
    assert "KeyError: 'boom'" in errors[site.url("fragile.test", "/boom")]["detail"], records
    assert "TypeError" in errors[site.url("fragile.test", "/bad-meta")]["detail"]
    assert errors[site.url("fragile.test", "/bad-meta")]["decision"] == "refused"
    assert [r for r in records if r["url"] == closed and "RuntimeError: the errback broke too" in r["detail"]]
    assert [r["reason"] for r in records if r["url"] == site.url("fragile.test", "/ok")] == ["ok"]
    assert "/bad-meta" not in {h.path for h in site.hits if h.host == "fragile.test"}, "refused, not fetched"
    assert p.returncode == 1, (p.returncode, p.stderr[-2000:])
    assert "unexpected error(s)" in p.stderr


# -- 8: requests Scrapy drops or does not follow get their record ----------------------------------------

def test_scrapys_duplicates_are_recorded_once(together, site):
    r = together
    assert r.final(site.url("dupes.test", "/a?x=1&y=2"))["reason"] == "ok"
    assert r.final(site.url("dupes.test", "/ab"))["reason"] == "ok"
    for url in (site.url("dupes.test", "/a?y=2&x=1"), site.url("dupes.test", "/%61b")):
        rec = r.final(url)
        assert (rec["decision"], rec["reason"]) == ("skipped", "duplicate"), rec
    fetched = sorted(h.path for h in site.hits if h.host == "dupes.test" and h.path.startswith("/a"))
    assert fetched == ["/a?x=1&y=2", "/ab"]


def test_redirect_limit_and_non_http_redirects_are_refusals(together, site):
    r = together
    for i in range(11):  # the seed's link, then ten redirects followed
        assert r.final(site.url("hops.test", f"/hop/{i}"))["status"] == 302
    limit = r.final(site.url("hops.test", "/hop/11"))
    assert (limit["decision"], limit["reason"]) == ("refused", "redirect-limit") and "more than 10" in limit["detail"]
    assert "/hop/11" not in {h.path for h in site.hits if h.host == "hops.test"}
    for target in ("file:///etc/passwd", "ftp://hops.test/f", "data:text/plain,hi", "http://[::1/"):
        rec = r.final(target)
        assert (rec["decision"], rec["reason"]) == ("refused", "bad-url"), rec
    assert r.final(site.url("hops.test", "/to-file"))["status"] == 302


# -- 12: credentials in URLs are written nowhere -----------------------------------------------------------

def test_url_credentials_are_redacted_in_audit_items_logs_and_report(tmp_path, site):
    r = run_cli(tmp_path, site.url("creds.test"), "--resolve", "creds.test=127.0.0.1",
                "--allow-network", "127.0.0.1/32", "--terms", "policy", "-vv")
    assert r.returncode == 0, r.stderr[-2000:]
    report = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "crawler", "report", str(tmp_path / "audit.jsonl"), "-o", str(report)],
                   check=True, capture_output=True, timeout=60)
    outputs = {"audit": (tmp_path / "audit.jsonl").read_text(), "items": (tmp_path / "pages.jsonl").read_text(),
               "logs": r.stderr + r.stdout, "report": report.read_text()}
    for name, text in outputs.items():
        for secret in ("letmein", "mover", "hunter2", "linked:"):
            assert secret not in text, f"{secret!r} written to the {name}"
    moved = r.final(site.url("creds.test", "/b").replace("http://", "http://***@"))  # where /moved redirects
    assert (moved["decision"], moved["reason"]) == ("refused", "bad-url") and "credentials" in moved["detail"]
    assert "http://***@creds.test/x" in outputs["items"], "redacted, not dropped"
    assert "***@creds.test" in outputs["logs"]


def test_a_seed_with_credentials_is_a_usage_error_that_does_not_echo_them(tmp_path, site):
    seed = site.url("creds.test", "/c").replace("http://", "http://someone:s3cret@")
    r = run_cli(tmp_path, seed, "--resolve", "creds.test=127.0.0.1", "--allow-network", "127.0.0.1/32")
    assert r.returncode == 2 and "credentials" in r.stderr and "***@creds.test" in r.stderr
    assert "s3cret" not in r.stderr + r.stdout and "someone" not in r.stderr + r.stdout
