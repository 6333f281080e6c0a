"""The network guard's address rules and the URL helpers, without a network."""

from __future__ import annotations

import asyncio

import pytest

from crawler.net.guard import GuardRefusal, NetworkGuard, forbidden_reason, parse_host_address
from crawler.net.urls import BadURL, absolute_link, origin
from crawler.page.extract import images_of, links_of, parse_html, text_of, title_of

PYTHON_TABLES = ("private", "reserved")


@pytest.mark.parametrize("address,reason", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("100.64.1.1", "CGNAT"), ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"), ("240.0.0.1", "private"), ("192.0.0.8", "reserved"), ("::1", "loopback"),
    ("fe80::1", "link-local"), ("fc00::1", "private"), ("::ffff:127.0.0.1", "loopback"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a00:1", "private"),
    ("fec0::1", "site-local"), ("3fff::1", "documentation"), ("4000::1", "reserved"), ("::ffff:8.8.8.8", "reserved"),
])
def test_non_global_addresses_are_refused(address, reason):
    got = forbidden_reason(address) or ""
    if reason in PYTHON_TABLES:  # Python's own tables name these, and they differ between versions
        assert got.split(" ")[0] in PYTHON_TABLES, got  # (192.0.0.8: "private" on 3.11.2, "reserved" later)
    else:
        assert got.startswith(reason)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700::1111"])
def test_global_addresses_pass(address):
    assert forbidden_reason(address) is None


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "127.1", "017700000001", "[::1]"])
def test_numeric_spellings_of_loopback(host):
    assert forbidden_reason(parse_host_address(host)) == "loopback"


def test_guard_allows_one_network_only():
    guard = NetworkGuard(allowed_networks=["127.0.0.1/32"], overrides={"a.test": "127.0.0.1", "b.test": "127.0.0.2"})
    assert asyncio.run(guard.check("a.test")) == ["127.0.0.1"]
    with pytest.raises(GuardRefusal, match="127.0.0.2 is loopback"):
        asyncio.run(guard.check("b.test"))
    assert guard.pinned("b.test") == [], "the resolver answers nothing for a refused host"


def test_guard_allowance_with_a_port_opens_that_port_only():
    guard = NetworkGuard(allowed_networks=["127.0.0.1:8080", "[::1]:8443", "10.0.0.0/8"])
    assert guard.refusal("127.0.0.1", 8080) is None and guard.refusal("::1", 8443) is None
    assert guard.refusal("127.0.0.1", 8081) == "loopback" and guard.refusal("::1", 8080) == "loopback"
    assert guard.refusal("127.0.0.1") == "loopback", "a port-bound allowance never opens an unknown port"
    assert guard.refusal("10.9.8.7", 22) is None
    assert asyncio.run(guard.check("127.0.0.1", 8080)) == ["127.0.0.1"]
    with pytest.raises(GuardRefusal, match="port 9 not allowed"):
        asyncio.run(guard.check("127.0.0.1", 9))


def test_origins_and_bad_urls():
    assert origin("HTTPS://Example.ORG:443/a?b") == "https://example.org"
    assert origin("http://example.org:8080/") == "http://example.org:8080"
    for bad in ("ftp://x/", "http:///nohost", "http://a:99999/", "http://[::1", "http://exa mple.com/"):
        with pytest.raises(BadURL):
            origin(bad)


def test_links_text_and_images():
    root = parse_html(b'<html><head><title> T </title><base href="/d/"><script>x()</script></head><body>'
                      b'<p>Hello <b>you</b></p><a href="a.html#f">a</a><a rel="NoFollow ugc" href="/n">n</a>'
                      b'<a href="mailto:x@y">m</a><img src="s.jpg" srcset="m.jpg 2x, l.jpg 3x" alt="photo of me">'
                      b'</body></html>', "utf-8")
    assert title_of(root) == "T"
    assert links_of(root, "http://h/x/y") == [("http://h/d/a.html", False), ("http://h/n", True)]
    assert images_of(root, "http://h/x/y") == [("http://h/d/l.jpg", {"alt": "photo of me", "parent-class": ""})]
    assert text_of(root) == "Hello you a n m"
    assert absolute_link("http://h/a/b?q", "?z") == "http://h/a/b?z"
