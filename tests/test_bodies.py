"""Bodies of every framing real sites send, at the server: chunked, close-delimited (HTTP/1.0), Content-Length.

No traceback in the log, items complete, robots.txt obeyed, and ``--max-bytes`` the cap that stops a body.
"""

from __future__ import annotations

import gzip
import os

import pytest

from crawler.cli.localsite import Reply, Site, html
from tests.test_images_support import encode, gradient

TXT = "text/plain"
CAP = 1_000_000  # above the 500 KiB read limit of tdmrep.json, so that limit is the one tested there
LONG = "words " * 20_000 + "THE-END"  # ~120 KB of text: several chunks, read to the last one


def _site(**framing) -> Site:
    """robots.txt, pages, an image and a 3 MB page, every one framed as ``framing`` says."""
    png = encode(gradient(320, 240), "PNG")
    return Site({
        "/robots.txt": Reply(body="User-agent: *\nDisallow: /private\n", content_type=TXT, chunk=7, **framing)
        if framing.get("chunked") else Reply(body="User-agent: *\nDisallow: /private\n", content_type=TXT, **framing),
        "/": Reply(body=html("home", "start", ["/long", "/private/x", "/huge", "/gallery"]), **framing),
        "/long": Reply(body=html("long", LONG), **framing),
        "/private/x": Reply(body=html("never"), **framing),
        "/huge": Reply(body=b"z" * 3_000_000, content_type=TXT, **framing),
        "/gallery": Reply(body='<html><title>g</title><p>pictures</p><img src="/img/land.png"></html>', **framing),
        "/img/land.png": Reply(body=png, content_type="image/png", **framing),
        # over its 500 KiB read limit: stopped by our cap for that read, not by Scrapy's (no warning logged)
        "/.well-known/tdmrep.json": Reply(body=b"[" + b" " * 600_000 + b"]", content_type="application/json",
                                          **framing),
    })


@pytest.fixture(scope="module")
def framed(server):
    server.sites["chunked.test"] = _site(chunked=True)
    server.sites["close.test"] = _site(stream=True)
    # robots.txt larger than --max-bytes, announced with a Content-Length: the first 500 KiB are read
    server.sites["bigcl.test"] = Site({
        "/robots.txt": Reply(body="User-agent: *\nDisallow: /early\n" + "# filler\n" * 120_000 + "Disallow: /late\n",
                             content_type=TXT),
        "/": Reply(body=html("big", "", ["/early", "/late"])),
        "/early": Reply(body=html("e")), "/late": Reply(body=html("l"))})
    # gzip robots.txt: decoded far over --max-bytes (1.2 MB); and one whose compressed bytes pass 500 KiB, so the
    # download stops mid-stream (random filler does not compress)
    big = "User-agent: *\nDisallow: /early\n" + "# filler\n" * 120_000 + "Disallow: /late\n"
    noise = "".join(f"# {os.urandom(48).hex()}\n" for _ in range(16_000))  # 1.6 MB of hex: ~0.8 MB gzipped
    for host, text in (("gzrobots.test", big), ("gzcut.test", "User-agent: *\nDisallow: /early\n" + noise
                                                               + "Disallow: /late\n")):
        server.sites[host] = Site({
            "/robots.txt": Reply(body=gzip.compress(text.encode(), 1), content_type=TXT,
                                 headers={"Content-Encoding": "gzip"}, chunked=host == "gzcut.test"),
            "/": Reply(body=html("big", "", ["/early", "/late"])),
            "/early": Reply(body=html("e")), "/late": Reply(body=html("l"))})
    return server


@pytest.mark.parametrize("host", ["chunked.test", "close.test"])
def test_unknown_length_bodies(crawl, framed, tmp_path, host):
    r = crawl(host, args=("--max-bytes", str(CAP), "--delay", "0", "--images", "--images-dir", str(tmp_path / "img"),
                          "-v"))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "TypeError" not in r.stderr, r.stderr
    assert "download max size" not in r.stderr, "our cap, not Scrapy's DOWNLOAD_MAXSIZE, stops the body"
    url = lambda path: framed.url(host, path)  # noqa: E731
    assert r.final(url("/private/x"))["reason"] == "robots", "a chunked / close-delimited robots.txt is obeyed"
    assert not any(h.path == "/private/x" for h in framed.hits_for(host))
    huge = r.final(url("/huge"))
    assert huge["decision"] == "refused" and huge["reason"] == "too-large"
    assert f"cap of {CAP}" in huge["detail"]
    assert CAP < huge["bytes"] <= CAP + 65536, "stopped at --max-bytes, within one read"
    items = {i["url"]: i for i in r.items}
    assert items[url("/long")]["text"].endswith("THE-END"), "the whole body, to its last chunk"
    assert set(items) == {url("/"), url("/long"), url("/gallery")}
    image = r.final(url("/img/land.png"))
    assert image["decision"] == "fetched" and "image accepted" in image["detail"]
    assert len(list((tmp_path / "img").iterdir())) == 1
    assert items[url("/gallery")]["images"][0]["url"] == url("/img/land.png")


def test_robots_over_max_bytes_with_content_length(crawl, framed):
    """#11.11: a robots.txt over --max-bytes is read up to 500 KiB and closed, not 'robots-unavailable'."""
    r = crawl("bigcl.test", args=("--max-bytes", "100000", "--delay", "0"))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert not [x for x in r.audit if x["reason"] == "robots-unavailable"], r.audit
    assert r.final(framed.url("bigcl.test", "/early"))["reason"] == "robots"
    assert r.final(framed.url("bigcl.test", "/late"))["decision"] == "fetched", "parsed up to 500 KiB only"
    robots = [x for x in r.audit if x["reason"] == "robots-txt"]
    assert len(robots) == 1 and robots[0]["status"] == 200
    assert 500 * 1024 < robots[0]["bytes"] <= 500 * 1024 + 65536, "read to the parse limit, then closed"


@pytest.mark.parametrize("host", ["gzrobots.test", "gzcut.test"])
def test_gzip_robots_over_the_caps_is_read_to_500_kib(crawl, framed, host):
    """A gzip robots.txt that decodes past --max-bytes, or whose download stops mid-stream: its head is parsed."""
    body = framed.sites[host].routes["/robots.txt"].body
    assert (len(body) > 500 * 1024) == (host == "gzcut.test")
    r = crawl(host, args=("--max-bytes", "100000", "--delay", "0"))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert not [x for x in r.audit if x["reason"] == "robots-unavailable"], r.audit
    assert r.final(framed.url(host, "/early"))["reason"] == "robots"
    assert r.final(framed.url(host, "/late"))["decision"] == "fetched", "parsed up to 500 KiB only"
