"""The civil crawl end to end: the CLI against real local HTTP servers, checked at the server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest

from crawler import __version__
from crawler.cli.localsite import LocalServer
from tests.conftest import CONTACT
from tests.sites import SITES

UA = f"civilcrawl/{__version__} (+{CONTACT})"


AUX = {"/robots.txt", "/.well-known/tdmrep.json"}  # read before pages (tdmrep.json: purpose research)
SIGNAL_FILES = AUX | {"/ai.txt"}  # ai.txt: purpose ai-train


def pages(hits):
    return [h for h in hits if h.path not in SIGNAL_FILES]


def test_polite_crawl_of_one_site(crawl, server):
    r = crawl("ok.test", args=("--delay", "0"))  # no floor of ours: Crawl-delay 0.3 must hold by itself
    assert r.returncode == 0, r.stderr
    hits = server.hits_for("ok.test")
    assert hits[0].path == "/robots.txt" and [h.path for h in hits].count("/robots.txt") == 1
    assert {h.path for h in hits} == AUX | {"/", "/a", "/b", "/c", "/d"}, "nothing disallowed, nothing twice"
    assert len(hits) == 7
    assert all(h.user_agent == UA for h in hits)
    assert min(server.gaps(hits)) >= 0.3, "Crawl-delay 0.3 holds at the server"
    base = server.url("ok.test", "")
    assert r.final(base + "/private/x")["reason"] == "robots"
    assert r.final(base + "/robots.txt")["sitemaps"] == ["http://ok.test/sitemap.xml"], "sitemaps are recorded"
    assert r.final("http://elsewhere.test/")["decision"] == "skipped"
    assert not r.decisions("mailto:")
    for path in ("/", "/a", "/b", "/c", "/d", "/robots.txt"):
        assert r.final(base + path)["decision"] == "fetched"
    assert len(r.audit) == len({rec["url"] for rec in r.audit}), "exactly one final decision per URL"
    items = {i["url"]: i for i in r.items}
    assert set(items) == {base + p for p in ("/", "/a", "/b", "/c", "/d")}
    home = items[base + "/"]
    assert home["title"] == "home" and "welcome" in home["text"] and "var x" not in home["text"]
    assert base + "/a" in home["links"] and all("#" not in link for link in home["links"])
    assert items[base + "/d"]["content_type"] == "application/pdf" and items[base + "/d"]["text"] == ""


def test_robots_unavailable_fails_closed(crawl, server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once closed
    seeds = ["r503.test", "r500.test", "r429.test", "rstall.test", f"http://127.0.0.1:{closed}/"]
    r = crawl(*seeds)
    assert r.returncode == 0, r.stderr
    for host in ("r503.test", "r500.test", "r429.test", "rstall.test"):
        hits = server.hits_for(host)
        assert [h.path for h in hits] == ["/robots.txt"], f"{host}: robots.txt once, no page, no instant retry"
        assert r.final(server.url(host))["reason"] == "robots-unavailable"
    assert r.final(f"http://127.0.0.1:{closed}/")["reason"] == "robots-unavailable"
    assert "HTTP 503" in r.final(server.url("r503.test"))["detail"]
    assert not r.items


def test_robots_4xx_allows_all(crawl, server):
    r = crawl("r404.test", "r403.test", args=("--delay", "0"))
    assert {h.path for h in server.hits_for("r404.test")} == AUX | {"/", "/public", "/private/secret"}
    assert r.final(server.url("r403.test"))["decision"] == "fetched"


def test_robots_redirects(crawl, server):
    r = crawl("redir.test", "xredir.test", "chain5.test", "chain6.test", hosts=("target.test",), args=("--delay", "0"))
    assert r.final(server.url("redir.test"))["reason"] == "robots"
    assert r.final(server.url("chain5.test"))["reason"] == "robots", "five redirects are followed"
    assert r.final(server.url("chain6.test"))["decision"] == "fetched", "beyond five: unavailable, allow all"
    # the cross-host target's rules apply to the original origin, and the target's pages are not crawled
    assert r.final(server.url("xredir.test", "/x"))["reason"] == "robots"
    assert r.final(server.url("xredir.test", "/y"))["decision"] == "fetched"
    assert [h.path for h in server.hits_for("target.test")] == ["/robots.txt"]


def test_groups_size_limit_and_request_rate(crawl, server):
    r = crawl("bigrobots.test", "ours.test", "otherbot.test", "rate.test", args=("--delay", "0"))  # Request-rate binds
    assert r.final(server.url("bigrobots.test", "/early"))["reason"] == "robots"
    assert r.final(server.url("bigrobots.test", "/late"))["decision"] == "fetched", "parsed up to 500 KiB"
    assert r.final(server.url("ours.test"))["reason"] == "robots", "our own group applies"
    assert r.final(server.url("otherbot.test"))["decision"] == "fetched"
    assert r.final(server.url("otherbot.test", "/private/secret"))["reason"] == "robots"
    assert min(server.gaps(server.hits_for("rate.test"))) >= 0.5, "Request-rate 2/1s = one per 0.5 s"


def test_delay_floor_beats_smaller_crawl_delay(crawl, server):
    r = crawl("fastdelay.test", args=("--delay", "0.4"))
    hits = server.hits_for("fastdelay.test")
    assert len(hits) == 6 and min(server.gaps(hits)) >= 0.4
    assert "--delay 0.4" in r.final(server.url("fastdelay.test", "/2"))["detail"]


def test_retry_after_and_backoff(crawl, server):
    r = crawl("busy.test", "angry.test", args=("--delay", "0.2"))
    slow = [h for h in server.hits_for("busy.test") if h.path == "/slow"]
    assert len(slow) == 2
    after = [h for h in server.hits_for("busy.test") if h.t > slow[0].t]
    assert after[0].t - slow[0].t >= 1.0, "nothing is sent to the host during the Retry-After pause"
    rec = r.final(server.url("busy.test", "/slow"))
    assert rec["status"] == 200 and rec["reason"] == "retry-after" and "Retry-After 1" in rec["detail"]
    assert r.final(server.url("busy.test", "/date"))["status"] == 200, "an HTTP-date in the past: retry soon"
    angry = pages(server.hits_for("angry.test"))
    assert len(angry) == 3, "two retries, then give up"
    gaps = server.gaps(angry)
    assert gaps[0] >= 0.2 and gaps[1] > gaps[0], "repeated 503s slow the host down"
    assert r.final(server.url("angry.test"))["status"] == 503


def test_max_pages_is_exact(crawl, server):
    r = crawl("budget.test", args=("--max-pages", "7", "--delay", "0"))
    assert len(pages(server.hits_for("budget.test"))) == 7
    assert len(r.items) == 7
    fetched = [x for x in r.audit if x["decision"] == "fetched" and x["reason"] not in ("robots-txt", "tdmrep")]
    assert len(fetched) == 7
    assert any(x["reason"] == "max-pages" for x in r.audit)


def test_skips_after_the_budget_is_spent_do_not_wait_for_a_turn(crawl, server):
    """Requests queued for the host's turn when the last page of the budget leaves are skipped at once."""
    started = time.monotonic()
    r = crawl("spent.test", args=("--max-pages", "2", "--delay", "1"))
    elapsed = time.monotonic() - started
    assert r.returncode == 0, r.stderr
    assert len(pages(server.hits_for("spent.test"))) == 2
    stamps = sorted(datetime.fromisoformat(x["ts"].replace("Z", "+00:00")).timestamp()
                    for x in r.audit if x["reason"] == "max-pages")
    assert len(stamps) >= 10, "requests were waiting for their turn when the budget ran out"
    # each skip waiting out a 1 s turn spread them over 38 s before; the crawl's own time depends on the machine
    assert stamps[-1] - stamps[0] < 1.0, f"skips waited for turns: spread over {stamps[-1] - stamps[0]:.1f} s " \
                                         f"(the crawl took {elapsed:.1f} s)"


def test_max_depth(crawl):
    with LocalServer({"budget.test": SITES["budget.test"]}) as own:  # its own server: only this crawl's hits
        r = crawl(own.url("budget.test"), args=("--max-depth", "0", "--delay", "0"))
    too_deep = [x for x in r.audit if x["reason"] == "max-depth"]
    assert len(too_deep) == 40 and all(x["decision"] == "skipped" for x in too_deep)
    assert len(r.items) == 1 and len(pages(own.hits_for("budget.test"))) == 1


def test_too_large_refused_without_buffering(crawl, server):
    r = crawl("large.test", args=("--max-bytes", "200000", "--delay", "0"))
    assert r.returncode == 0
    for path in ("/big", "/stream"):
        assert r.final(server.url("large.test", path))["reason"] == "too-large"
    assert r.final(server.url("large.test", "/small"))["decision"] == "fetched"
    assert {i["url"].rsplit("/", 1)[1] for i in r.items} == {"", "small"}


def test_network_guard_without_flag(crawl, server):
    before = len(server.hits)
    port = server.port
    seeds = [f"http://127.0.0.1:{port}/", f"http://2130706433:{port}/", f"http://[::ffff:127.0.0.1]:{port}/",
             f"http://0x7f.1:{port}/", f"http://localhost:{port}/"]
    sneaky = f"http://sneaky.test:{port}/"  # a DNS name that resolves into loopback
    r = crawl(*seeds, sneaky, allow=False)
    assert len(server.hits) == before, "not one byte reaches a private address"
    for url in [*seeds, sneaky]:
        assert r.final(url)["reason"] == "private-network"
    assert r.returncode == 0


def test_network_guard_on_redirects(crawl, server):
    r = crawl("guard.test/to-loopback", args=("--delay", "0"))  # a seed that moved: its new origin is in scope
    rec = r.final("http://127.0.0.2:9/")
    assert rec["reason"] == "private-network" and "127.0.0.2" in rec["detail"]
    assert r.final(server.url("guard.test", "/to-loopback"))["status"] == 302


def test_redirect_targets_are_held_to_the_scope(crawl, server):
    """A redirect of a page the spider admitted is decided again like a link: scope first, then robots.txt."""
    r = crawl("hop.test", args=("--delay", "0"), hosts=("away.test", "www.hop.test"))
    assert r.returncode == 0, r.stderr
    away = r.final(server.url("away.test"))
    assert (away["decision"], away["reason"]) == ("skipped", "scope") and "outside origin scope" in away["detail"]
    assert r.final(server.url("www.hop.test", "/ok"))["reason"] == "scope"
    assert r.final(server.url("hop.test", "/out"))["status"] == 302
    assert not server.hits_for("away.test") and not server.hits_for("www.hop.test"), "not even robots.txt"
    r = crawl("hop.test", args=("--delay", "0", "--scope", "subdomains"), hosts=("away.test", "www.hop.test"))
    assert r.returncode == 0, r.stderr
    assert r.final(server.url("away.test"))["reason"] == "scope"
    assert (r.final(server.url("www.hop.test", "/ok"))["decision"]) == "fetched"
    private = r.final(server.url("www.hop.test", "/private"))
    assert (private["decision"], private["reason"]) == ("refused", "robots"), "the new host's robots.txt holds"
    assert "/ok" in {h.path for h in server.hits_for("www.hop.test")}
    assert "/private" not in {h.path for h in server.hits_for("www.hop.test")}
    assert not server.hits_for("away.test")


def test_redirect_loop_is_a_decision_not_a_crash(crawl, server):
    r = crawl("loop.test", args=("--delay", "0"))
    assert r.returncode == 0
    assert r.final(server.url("loop.test"))["status"] == 302


def test_many_hosts_in_parallel(crawl, server):
    hosts = [f"h{i}.test" for i in range(12)]
    r = crawl(*hosts, args=("--delay", "0"))  # no floor of ours: each Crawl-delay 0.3 must hold by itself
    assert r.returncode == 0
    hits = sorted((h for h in server.hits if h.host in hosts), key=lambda h: h.t)
    assert len(hits) == 12 * 6
    first_wave = {h.host for h in hits if h.t - hits[0].t < 0.25}
    assert len(first_wave) >= 10, "hosts are crawled side by side, not one after another"
    for host in hosts:
        assert min(server.gaps(server.hits_for(host))) >= 0.3


def test_robots_cache_persists_in_state_dir(crawl, tmp_path):
    state = tmp_path / "state"
    with LocalServer({"target.test": SITES["target.test"]}) as own:  # its own server: only these two runs' hits
        for _ in range(2):
            r = crawl(own.url("target.test"), args=("--state", str(state), "--delay", "0"))
            assert r.returncode == 0
    assert [h.path for h in own.hits_for("target.test")].count("/robots.txt") == 1
    assert len(list((state / "robots").glob("*.json"))) == 1
    assert not any(x["reason"] == "robots-txt" for x in r.audit), "second run used the cached robots.txt"


@pytest.mark.parametrize("args,message", [
    ([], "--contact"),
    (["--contact", "nobody"], "neither a URL"),
    (["--contact", CONTACT, "--user-agent", "civil crawl/1"], "product token"),
    (["--contact", CONTACT, "--delay", "-1"], "--delay"),
])
def test_bad_usage_exits_2_before_fetching(args, message, server):
    before = len(server.hits)
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", server.url("ok.test"), *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and message in p.stderr
    assert len(server.hits) == before


def test_bad_seed_exits_2(server):
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", "ftp://example.org/", "--contact", CONTACT],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "only http and https" in p.stderr


def test_garbage_links_are_logged_refusals_not_crashes(crawl, server):
    r = crawl("garbage.test", args=("--delay", "0"))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    bad = {x["url"] for x in r.audit if x["reason"] == "bad-url"}
    assert {"http://[::1", "http://[zz]/", "http://a.test:99999/", "http://exa mple.com/"} <= bad
    assert r.final(server.url("garbage.test", "/ok"))["decision"] == "fetched"
    assert server.url("garbage.test") in {i["url"] for i in r.items}


def test_compressed_bodies_are_read_and_bombs_refused(crawl, server):
    r = crawl("gzip.test", args=("--delay", "0", "--max-bytes", "1000000"))
    assert r.returncode == 0, r.stderr
    assert r.final(server.url("gzip.test", "/private/x"))["reason"] == "robots", "a gzipped robots.txt is obeyed"
    items = {i["url"]: i for i in r.items}
    assert items[server.url("gzip.test")]["text"].startswith("hello zip") and items[server.url("gzip.test")]["links"]
    assert r.final(server.url("gzip.test", "/a"))["reason"] == "noindex", "directives read from the decoded page"
    assert items[server.url("gzip.test", "/raw")]["title"] == "deflated"
    bomb = r.final(server.url("gzip.test", "/bomb"))
    assert bomb["decision"] == "refused" and bomb["reason"] == "too-large"
    assert all(h.headers.get("Accept-Encoding") == "gzip, deflate" for h in server.hits_for("gzip.test"))
