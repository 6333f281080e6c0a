"""The hosts the session server plays, one per behaviour under test (names resolve to 127.0.0.1)."""

from __future__ import annotations

import itertools

from crawler.cli.localsite import Hit, Reply, Site, html

TXT = "text/plain"


def robots(body: str, status: int = 200, **headers: str) -> Reply:
    return Reply(status, body, dict(headers), content_type=TXT)


def chain(n: int) -> Site:
    """robots.txt redirected n times, ending in Disallow: /."""
    routes = {"/robots.txt": Reply(301, headers={"Location": "/r1"})}
    for i in range(1, n):
        routes[f"/r{i}"] = Reply(302, headers={"Location": f"/r{i + 1}"})
    routes[f"/r{n}"] = robots("User-agent: *\nDisallow: /\n")
    routes["/"] = Reply(body=html("root"))
    return Site(routes)


def numbered(prefix: str, n: int) -> Site:
    """A site of n linked pages: / links to /p0 .. /p{n-1}, each links on to the next."""
    routes = {"/robots.txt": robots("User-agent: *\nAllow: /\n"),
              "/": Reply(body=html("index", "pages", [f"/p{i}" for i in range(n)]))}
    for i in range(n):
        routes[f"/p{i}"] = Reply(body=html(f"{prefix} {i}", "text", [f"/p{(i + 1) % n}", "/"]))
    return Site(routes)


def once(first: Reply, then: Reply):
    """A route answering ``first`` on its first hit, ``then`` afterwards."""
    counter = itertools.count()
    return lambda hit: first if next(counter) == 0 else then


def same_port(hit: Hit, host: str, path: str = "/robots.txt") -> str:
    """An absolute URL on another test host, on the port this request came in on."""
    return f"http://{host}:{hit.headers['Host'].rsplit(':', 1)[1]}{path}"


def moved_to(host: str, path: str):
    """A route answering 302 to ``path`` on another test host (on the port the request came in on)."""
    return lambda hit: Reply(302, headers={"Location": same_port(hit, host, path)})


def stall(hit: Hit) -> Reply:
    return Reply(200, "User-agent: *\nAllow: /\n", delay=6, content_type=TXT)


PAGE = Reply(body=html("page", "hello", ["/private/secret", "/public"]))

SITES: dict[str, Site] = {
    # robots.txt 200 with Crawl-delay and Disallow
    "ok.test": Site({"/robots.txt": robots("User-agent: *\nCrawl-delay: 0.3\nDisallow: /private/\n"
                                           "Sitemap: http://ok.test/sitemap.xml\n"),
                     "/": Reply(body=html("home", "welcome", ["/a", "/b", "/private/x", "/c", "mailto:a@b",
                                                             "http://elsewhere.test/", "/a#frag"])),
                     "/a": Reply(body=html("A", "aaa", ["/", "/b", "/d"])),
                     "/b": Reply(body=html("B", "bbb", ["/c"])),
                     "/c": Reply(body=html("C", "ccc")),
                     "/d": Reply(body=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
                     "/private/x": Reply(body=html("secret"))}),
    "r503.test": Site({"/robots.txt": robots("User-agent: *\nAllow: /\n", 503), "/": PAGE}),
    "r500.test": Site({"/robots.txt": robots("User-agent: *\nAllow: /\n", 500), "/": PAGE}),
    "r429.test": Site({"/robots.txt": robots("", 429, **{"Retry-After": "120"}), "/": PAGE}),
    "r404.test": Site({"/robots.txt": robots("User-agent: *\nDisallow: /\n", 404), "/": PAGE,
                       "/public": Reply(body=html("public")), "/private/secret": Reply(body=html("s"))}),
    "r403.test": Site({"/robots.txt": robots("", 403), "/": Reply(body=html("ok"))}),
    "rstall.test": Site({"/robots.txt": stall, "/": PAGE}),
    "redir.test": Site({"/robots.txt": Reply(301, headers={"Location": "/robots-real.txt"}),
                        "/robots-real.txt": robots("User-agent: *\nDisallow: /\n"), "/": PAGE}),
    "xredir.test": Site({"/robots.txt": lambda hit: Reply(302, headers={"Location": same_port(hit, "target.test")}),
                         "/": Reply(body=html("x", "", ["/x", "/y"])), "/x": PAGE, "/y": Reply(body=html("y"))}),
    "chain5.test": chain(5),
    "chain6.test": chain(6),
    "bigrobots.test": Site({"/robots.txt": robots("User-agent: *\nDisallow: /early\n" + "# filler\n" * 70000
                                                  + "Disallow: /late\n"),
                            "/": Reply(body=html("big", "", ["/early", "/late"])),
                            "/early": Reply(body=html("e")), "/late": Reply(body=html("l"))}),
    "ours.test": Site({"/robots.txt": robots("User-agent: civilcrawl\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
                       "/": PAGE}),
    "otherbot.test": Site({"/robots.txt": robots("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n"),
                           "/": PAGE, "/public": Reply(body=html("public"))}),
    "rate.test": Site({"/robots.txt": robots("User-agent: *\nRequest-rate: 2/1s\n"),
                       "/": Reply(body=html("r", "", ["/1", "/2", "/3"])),
                       **{f"/{i}": Reply(body=html(str(i))) for i in (1, 2, 3)}}),
    "fastdelay.test": Site({"/robots.txt": robots("User-agent: *\nCrawl-delay: 0.05\n"),
                            "/": Reply(body=html("f", "", ["/1", "/2", "/3"])),
                            **{f"/{i}": Reply(body=html(str(i))) for i in (1, 2, 3)}}),
    "busy.test": Site({"/robots.txt": robots("", 404),
                       "/": Reply(body=html("b", "", ["/slow", "/date"])),
                       "/slow": once(Reply(429, "slow down", {"Retry-After": "1"}), Reply(body=html("ok"))),
                       "/date": once(Reply(503, "later", {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}),
                                     Reply(body=html("ok")))}),
    "angry.test": Site({"/robots.txt": robots("", 404), "/": Reply(503, "down", content_type=TXT)}),
    "budget.test": numbered("budget", 40),
    "spent.test": numbered("spent", 40),
    "large.test": Site({"/robots.txt": robots("", 404),
                        "/": Reply(body=html("l", "", ["/big", "/stream", "/small"])),
                        "/big": Reply(body=b"x" * 300_000, content_type=TXT),
                        "/stream": Reply(body=b"y" * 300_000, content_type=TXT, stream=True),
                        "/small": Reply(body=html("small"))}),
    "guard.test": Site({"/robots.txt": robots("", 404),
                        "/": Reply(body=html("g", "", ["/to-loopback", "/to-metadata"])),
                        "/to-loopback": Reply(302, headers={"Location": "http://127.0.0.2:9/"}),
                        "/to-metadata": Reply(302, headers={"Location": "http://guard.test/x"})}),
    "hop.test": Site({"/robots.txt": robots("User-agent: *\nAllow: /\n"),
                      "/": Reply(body=html("hop", "", ["/out", "/sub-ok", "/sub-private"])),
                      "/out": moved_to("away.test", "/"),
                      "/sub-ok": moved_to("www.hop.test", "/ok"),
                      "/sub-private": moved_to("www.hop.test", "/private")}),
    "www.hop.test": Site({"/robots.txt": robots("User-agent: *\nDisallow: /private\n"), "/ok": PAGE,
                          "/private": PAGE}),
    "away.test": Site({"/robots.txt": robots("User-agent: *\nAllow: /\n"), "/": PAGE}),
    "loop.test": Site({"/robots.txt": robots("", 404), "/": Reply(302, headers={"Location": "/a"}),
                       "/a": Reply(302, headers={"Location": "/"})}),
    "target.test": Site({"/robots.txt": robots("User-agent: *\nDisallow: /x\n"), "/": PAGE}),
}
for _i in range(12):
    SITES[f"h{_i}.test"] = Site({"/robots.txt": robots("User-agent: *\nCrawl-delay: 0.3\n"),
                                 "/": Reply(body=html("h", "", ["/1", "/2", "/3"])),
                                 **{f"/{k}": Reply(body=html(str(k))) for k in (1, 2, 3)}})

# -- page directives and opt-out signals ------------------------------------------------------------------
ALLOW_ALL = robots("User-agent: *\nAllow: /\n")


def meta_page(title: str, meta: str = "", links: str = "") -> Reply:
    return Reply(body=f"<html><head><title>{title}</title>{meta}</head><body><p>{title} text</p>{links}</body></html>")


SITES.update({
    "noindex.test": Site({"/robots.txt": ALLOW_ALL,
                          "/": meta_page("home", links='<a href="/hidden">h</a><a href="/xrt-other">o</a>'
                                                       '<a href="/xrt-ours">u</a><a href="/dated">d</a>'
                                                       '<a href="/snippet">s</a>'),
                          "/hidden": meta_page("hidden", '<meta name="ROBOTS" content="noindex, follow">'),
                          "/xrt-other": Reply(body="<html><title>o</title><p>other</p></html>",
                                              headers={"X-Robots-Tag": "otherbot: noindex"}),
                          "/xrt-ours": Reply(body="<html><title>u</title><p>ours</p></html>",
                                             headers={"X-Robots-Tag": "civilcrawl: noindex, nofollow"}),
                          "/dated": meta_page("dated", '<meta name="robots" content="unavailable_after: Friday, '
                                                       '01-Jan-2021 00:00:00 GMT">'),
                          "/snippet": meta_page("snippet", '<meta name="civilcrawl" content="max-snippet:5">')}),
    "nofollow.test": Site({"/robots.txt": ALLOW_ALL,
                           "/": meta_page("home", links='<a href="/a">a</a><a rel="nofollow" href="/only-nf">n</a>'
                                                        '<a rel="nofollow" href="/both">b</a>'),
                           "/a": meta_page("a", '<meta name="robots" content="nofollow">',
                                           '<a href="/behind-nofollow-page">x</a><a href="/both">b</a>'),
                           "/both": meta_page("both"), "/only-nf": meta_page("nf"),
                           "/behind-nofollow-page": meta_page("x")}),
    "csig.test": Site({"/robots.txt": robots("User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n"),
                       "/": meta_page("csig")}),
    "cusage.test": Site({"/robots.txt": ALLOW_ALL,
                         "/": Reply(body=html("cu", "", ["/malformed"]), headers={"Content-Usage": "train-ai=n"}),
                         "/malformed": Reply(body=html("m"), headers={"Content-Usage": "train-ai=?!,"})}),
    "tdm.test": Site({"/robots.txt": ALLOW_ALL,
                      "/.well-known/tdmrep.json": Reply(body='[{"location": "/open/", "tdm-reservation": 0},'
                                                             ' {"location": "/", "tdm-reservation": 1}]',
                                                        content_type="application/json"),
                      "/": meta_page("tdm", links='<a href="/open/x">x</a>'), "/open/x": meta_page("open")}),
    "aitxt.test": Site({"/robots.txt": ALLOW_ALL, "/ai.txt": robots("User-agent: *\nDisallow: /\n"),
                        "/": meta_page("ai")}),
    "noai.test": Site({"/robots.txt": ALLOW_ALL, "/": meta_page("noai", '<meta name="robots" content="noai">')}),
    # -- policy files -------------------------------------------------------------------------------------
    "forbidden.test": Site({"/robots.txt": ALLOW_ALL, "/": meta_page("never")}),
    "pol.test": Site({"/robots.txt": ALLOW_ALL,
                      "/": meta_page("pol", links="".join(f'<a href="/p{i}">p</a>' for i in range(6))
                                     + '<a href="/users/1">u</a>'),
                      "/users/1": meta_page("user"),
                      **{f"/p{i}": meta_page(f"p{i}") for i in range(6)}}),
})

# -- terms of service ----------------------------------------------------------------------------------------
TERMS_FORBID = ("<html><body><h1>Terms of Use</h1><p>Welcome.</p><p>You may not use any robot, spider, scraper "
                "or other automated means to access the Service for any purpose.</p></body></html>")
TERMS_FINE = ("<html><body><h1>Terms of Use</h1><p>Be kind to other users. Do not post unlawful content."
              "</p></body></html>")
SITES.update({
    "terms.test": Site({"/robots.txt": ALLOW_ALL,
                        "/": meta_page("home", links='<a href="/a">a</a><footer><a href="/legal/terms">Terms of Use'
                                                     '</a></footer>'),
                        "/legal/terms": Reply(body=TERMS_FORBID), "/a": meta_page("a")}),
    "fineterms.test": Site({"/robots.txt": robots("User-agent: *\nCrawl-delay: 0.2\nDisallow: /private/\n"),
                            "/": meta_page("home", links='<a href="/a">a</a><a href="/terms">Terms and conditions</a>'),
                            "/terms": Reply(body=TERMS_FINE), "/a": meta_page("a")}),
})

# -- hostile input -------------------------------------------------------------------------------------------
SITES["garbage.test"] = Site({
    "/robots.txt": ALLOW_ALL,
    "/": Reply(body=b'<html><title>g</title><a href="http://[::1">a</a><a href="http://[zz]/">b</a>'
                    b'<a href="http://a.test:99999/">c</a><a href="//[">d</a><a href="http://exa mple.com/">e</a>'
                    b'<a href="javascript:alert(1)">j</a><a href="/ok">ok</a><a href="/ok#again">again</a>'
                    b'<a href="\x00/nul">n</a></html>' + b'<a href="/caf\xe9">latin</a>'),
    "/ok": Reply(body=html("ok")),
})

# -- compressed bodies (most real servers gzip HTML and robots.txt) ------------------------------------------
import gzip as _gzip  # noqa: E402
import zlib as _zlib  # noqa: E402


def _gz(text: str) -> bytes:
    return _gzip.compress(text.encode())


SITES["gzip.test"] = Site({
    "/robots.txt": Reply(body=_gz("User-agent: *\nDisallow: /private/\n"), content_type="text/plain",
                         headers={"Content-Encoding": "gzip"}),
    "/": Reply(body=_gz('<html><head><title>zipped</title></head><body><p>hello zip</p><a href="/a">a</a>'
                        '<a href="/private/x">p</a><a href="/bomb">b</a><a href="/raw">r</a></body></html>'),
               headers={"Content-Encoding": "gzip"}),
    "/a": Reply(body=_gz('<html><head><meta name="robots" content="noindex"></head><body>a</body></html>'),
                headers={"Content-Encoding": "gzip"}),
    "/raw": Reply(body=_zlib.compress(b"<html><title>deflated</title><p>raw</p></html>"),
                  headers={"Content-Encoding": "deflate"}),
    "/bomb": Reply(body=_gzip.compress(b"<p>" + b"a" * 5_000_000), headers={"Content-Encoding": "gzip"}),
    "/private/x": Reply(body=html("secret")),
})
