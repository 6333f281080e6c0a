"""Per-page cost of the page-directive and opt-out parsers on realistic inputs; prints µs per page.

Run: python benchmarks/signals_cost.py [--pages N] [--site DIR]
With --site (e.g. /usr/share/doc/python3-doc/html from Debian's python3-doc, the
crawl benchmark's site) it also reports the mean over every *.html page there.
"""
from __future__ import annotations

import argparse
import json
import time
import timeit
from pathlib import Path

import lxml.html

from crawler.decide.optout.content_usage import header_signal
from crawler.decide.optout.decide import decide, directive_signals
from crawler.decide.optout.directives import directives_from_headers, directives_from_html, meta_tags
from crawler.decide.optout.robots_lines import signals_from_robots
from crawler.decide.optout.tdmrep import parse_file, tdm_signal

TOKEN = "civilcrawl"


def page(kb: int = 90) -> bytes:
    """A news-like page: a head with ~30 meta tags, scripts and styles, then paragraphs and links."""
    head = "".join(f'<meta name="m{i}" content="value {i}">' for i in range(25))
    head += ('<meta name="robots" content="max-snippet:160, max-image-preview:large">'
             '<meta property="og:title" content="A title"><meta name="viewport" content="width=device-width">'
             '<script>var config = {"a": 1, "b": [1, 2, 3]};</script><style>body{margin:0}</style>')
    para = ('<div class="c"><p>Lorem ipsum dolor sit amet, <a href="/article/{i}">link {i}</a> consectetur '
            'adipiscing elit, sed do <b>eiusmod</b> tempor incididunt ut labore.</p><img src="/i/{i}.jpg" alt=""></div>')
    body, i = [], 0
    while sum(map(len, body)) < kb * 1024:
        body.append(para.replace("{i}", str(i)))
        i += 1
    body.insert(len(body) // 2, '<meta name="civilcrawl" content="noai">')
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{''.join(body)}</body></html>".encode()


ROBOTS = "\n".join(
    [f"User-agent: bot{i}\nDisallow: /private{i}/\n" for i in range(40)]
    + ["User-agent: *\nContent-Signal: search=yes, ai-train=no\nContent-Usage: / train-ai=n\n"
       "Content-Usage: /open/ train-ai=y\nDisallow: /admin/\nAllow: /\n" + "".join(f"Disallow: /x{i}/\n" for i in range(60))]
)
TDMREP = parse_file(json.dumps([{"location": f"/section{i}/", "tdm-reservation": i % 2} for i in range(20)]
                               + [{"location": "/", "tdm-reservation": 1}]))
HEADERS = [b"noarchive", b"unavailable_after: Friday, 25-Jun-30 15:00:00 GMT, googlebot: nosnippet"]


def bench(n: int) -> None:
    html = page()
    doc = lxml.html.document_fromstring(html)

    def parse_html():
        lxml.html.document_fromstring(html)

    def html_directives():
        d = directives_from_html(meta_tags(doc, TOKEN), TOKEN)
        return d

    def header_directives():
        return directives_from_headers(HEADERS, TOKEN)

    def optout(doc=doc, path="/news/2026/story.html"):
        meta = meta_tags(doc, TOKEN)
        d = directives_from_html(meta, TOKEN).merge(directives_from_headers(HEADERS, TOKEN))
        sigs = directive_signals(d) + signals_from_robots(ROBOTS, TOKEN, path)
        sigs += [s for s in (header_signal([b"train-ai=n, search=y"]),
                             tdm_signal(path, TDMREP, header=b"1", meta=meta)) if s]
        return decide(sigs, "research")

    cases = [("lxml parse of the page (baseline, done once by the crawler)", parse_html),
             ("meta_tags + directives_from_html", html_directives),
             ("directives_from_headers (2 X-Robots-Tag lines)", header_directives),
             ("all signals + decide (the added cost per page)", optout)]
    print(f"page {len(html) / 1024:.0f} KB, robots.txt {len(ROBOTS) / 1024:.1f} KB, {n} runs each")
    for name, fn in cases:
        best = min(timeit.repeat(fn, number=n, repeat=5)) / n
        print(f"{best * 1e6:10.1f} µs/page  {name}")
    return optout


def bench_site(root: Path, optout) -> None:
    """Mean cost over a real site: lxml parse vs the signal checks on the parsed page."""
    files = sorted(root.rglob("*.html"))
    parse = checks = 0.0
    for f in files:
        html = f.read_bytes()
        t0 = time.perf_counter()
        doc = lxml.html.document_fromstring(html)
        t1 = time.perf_counter()
        optout(doc, "/" + f.relative_to(root).as_posix())
        checks += time.perf_counter() - t1
        parse += t1 - t0
    size = sum(f.stat().st_size for f in files) / len(files) / 1024
    print(f"site {root}: {len(files)} pages, mean {size:.0f} KB")
    print(f"{parse / len(files) * 1e6:10.1f} µs/page  lxml parse (baseline)")
    print(f"{checks / len(files) * 1e6:10.1f} µs/page  all signals + decide ({checks / parse:.1%} of the parse)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--site", type=Path, help="directory of *.html pages, e.g. /usr/share/doc/python3-doc/html")
    args = ap.parse_args()
    optout = bench(args.pages)
    if args.site:
        bench_site(args.site, optout)
