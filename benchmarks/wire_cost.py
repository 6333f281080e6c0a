"""The wire's extra work per response and per request (crawler.gate.wire), next to the HTML parse every page costs.

Per response: the magic-number sniff and the no-op decode of an unencoded body; per request: the cached
network-guard check and the header writes. Prints microseconds per call.
"""

from __future__ import annotations

import asyncio
import io
import timeit

from PIL import Image
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.cli.localsite import html
from crawler.net.guard import NetworkGuard
from crawler.page.bodies import decode
from crawler.page.extract import parse_html
from crawler.page.sniff import image_format


def per_call(fn, n: int) -> float:
    return min(timeit.repeat(fn, number=n, repeat=5)) / n * 1e6


def main() -> None:
    page = html("a page", "word " * 18000, [f"/p/{i}" for i in range(300)]).encode()  # ~100 KB, like python3-doc
    jpeg = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 80, 40)).save(jpeg, "JPEG")
    response = HtmlResponse("http://example.org/", body=page, headers={"Content-Type": "text/html"})
    guard = NetworkGuard(allow_private=True)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(guard.check("127.0.0.1"))
    request = Request("http://127.0.0.1/")
    rows = [
        ("sniff an HTML page (100 KB)", per_call(lambda: image_format(page), 100000)),
        ("sniff a JPEG", per_call(lambda: image_format(jpeg.getvalue()), 100000)),
        ("decode an unencoded body (no-op)", per_call(lambda: decode(response, 10 << 20), 100000)),
        ("guard check, cached", per_call(lambda: loop.run_until_complete(guard.check("127.0.0.1")), 2000)),
        ("set User-Agent + Accept-Encoding", per_call(lambda: request.headers.update(
            {"User-Agent": "civilcrawl/0.1", "Accept-Encoding": "gzip, deflate"}), 100000)),
        ("for scale: lxml parse of the page", per_call(lambda: parse_html(page, "utf-8"), 50)),
    ]
    for label, us in rows:
        print(f"{label:<40} {us:10.2f} µs")


if __name__ == "__main__":
    main()
