"""The cost of the outputs per page: a WARC request+response pair (crawler.output.warc), a JSON Lines item
(crawler.output.pipelines), and, for scale, the HTML parse every page costs anyway.

Prints microseconds per page and the bytes the WARC grows by per page (gzip per record).
"""

from __future__ import annotations

import os
import tempfile
import timeit

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.audit.log import JsonLinesFile
from crawler.cli.localsite import html
from crawler.output.warc import WarcMiddleware
from crawler.page.extract import parse_html, text_of, title_of


def per_call(fn, n: int) -> float:
    return min(timeit.repeat(fn, number=n, repeat=3)) / n * 1e6


def main() -> None:
    page = html("a page", "word " * 4000, [f"/p/{i}" for i in range(100)]).encode()  # ~25 KB
    with tempfile.TemporaryDirectory() as tmp:
        warc = WarcMiddleware(os.path.join(tmp, "b.warc.gz"), {"software": "bench"})
        items = JsonLinesFile(os.path.join(tmp, "items.jsonl"))
        n = 300
        urls = iter(f"http://example.org/p/{i}" for i in range(10 * n))  # distinct URLs: no de-duplication

        def one_warc() -> None:
            url = next(urls)
            request = Request(url, headers={"User-Agent": "civilcrawl/0.1 (+mailto:a@example.org)"})
            warc.process_response(request, HtmlResponse(url, body=page, headers={"Content-Type": "text/html"},
                                                         request=request))

        root = parse_html(page)
        item = {"url": "http://example.org/", "status": 200, "title": title_of(root), "text": text_of(root)}
        before = os.path.getsize(warc.path)
        t_warc = per_call(one_warc, n)
        pairs = warc.records // 2
        grown = (os.path.getsize(warc.path) - before) / pairs
        rows = [
            (f"WARC request+response pair ({len(page) // 1024} KB page)", t_warc),
            ("JSON Lines item (title + text)", per_call(lambda: items.write(item), n)),
            ("HTML parse of the page (paid by every crawl)", per_call(lambda: parse_html(page), n)),
        ]
        warc.close()
        items.close()
    for name, us in rows:
        print(f"{name:55s} {us:9.1f} us/page")
    print(f"WARC bytes per page (gzip per record): {grown:.0f} of {len(page)} body bytes")


if __name__ == "__main__":
    main()
