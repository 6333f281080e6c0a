"""Every body under civilcrawl's size cap while it streams in (Scrapy's ``headers_received`` and ``bytes_received``).

The bytes are counted whatever the framing: a Content-Length, chunked transfer encoding, or a body that ends
when the connection closes (HTTP/1.0). ``--max-bytes`` (``CIVIL_MAX_BYTES``) is the cap, not Scrapy's
``DOWNLOAD_MAXSIZE``, which the add-on keeps only as a backstop above it. robots.txt is read up to the parse
limit (500 KiB) and then closed, whatever its size. Undoing a Content-Encoding under the cap is
crawler.page.bodies.decode.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import StopDownload
from scrapy.http import Request

from crawler.gate.state import RequestState
from crawler.page.bodies import BACKSTOP_SLACK


class BodyCap:
    """Stop every download at ``max_bytes`` (or a request's smaller ``download_maxsize``); read a robots.txt
    up to ``parse_limit`` and close, whatever its size."""

    def __init__(self, max_bytes: int, parse_limit: int):
        self.max_bytes, self.parse_limit = max_bytes, parse_limit

    def cap(self, request: Request) -> int:
        """This request's cap, fixed on first sight (a redirect's copy of the meta keeps it)."""
        state = RequestState.of(request)
        if state.cap is None:
            asked = request.meta.get("download_maxsize")
            state.cap = min(self.max_bytes, asked) if isinstance(asked, int) and asked > 0 else self.max_bytes
        return state.cap

    def on_headers(self, headers: Any, body_length: Any, request: Request, spider: Any = None) -> None:
        """Refuse a body announced larger than the cap (an unknown length is a Twisted placeholder, not a number)."""
        meta = request.meta
        if RequestState.of(request).is_robots:
            meta["download_maxsize"] = 0  # no Scrapy limit: on_bytes reads parse_limit bytes, then closes
            return
        cap = self.cap(request)
        meta["download_maxsize"] = cap + BACKSTOP_SLACK  # Scrapy's limit (read after this signal) stays above ours
        if isinstance(body_length, int) and body_length > cap:
            RequestState.of(request).too_large = body_length
            raise StopDownload(fail=True)

    def on_bytes(self, data: bytes, request: Request, spider: Any = None) -> None:
        """Count what arrives; stop at the cap (robots.txt: keep the first parse_limit bytes, parse those)."""
        state = RequestState.of(request)
        state.bytes = received = (state.bytes or 0) + len(data)
        if state.is_robots:
            if received > self.parse_limit:
                raise StopDownload(fail=False)
        elif received > self.cap(request):
            state.too_large = received
            raise StopDownload(fail=True)
