"""Bodies under civilcrawl's own size cap: while they stream in, and when their Content-Encoding is undone.

:class:`BodyCap` counts the bytes of every answer as they arrive (``headers_received`` and
``bytes_received``), whatever the framing: a Content-Length, chunked transfer encoding, or a body that
ends when the connection closes (HTTP/1.0). ``--max-bytes`` (``CIVIL_MAX_BYTES``) is the cap, not Scrapy's
``DOWNLOAD_MAXSIZE``, which the add-on keeps only as a backstop above it. robots.txt is read up to the
parse limit (500 KiB) and then closed, whatever its size.

The gate runs before Scrapy's HttpCompressionMiddleware in the response chain, so it decodes what it
asked for (``Accept-Encoding: gzip, deflate``) itself; a body that inflates past the cap is refused.
"""

from __future__ import annotations

import zlib
from typing import Any

from scrapy.exceptions import StopDownload
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.gz import gunzip

ACCEPT_ENCODING = b"gzip, deflate"
_CHUNK = 64 * 1024
#: Scrapy's DOWNLOAD_MAXSIZE sits this far above our cap, so ours always stops a body first.
BACKSTOP_SLACK = 1024 * 1024
TOO_LARGE_META = "civil_too_large"  # set to the size seen when the cap stopped a download
BYTES_META = "civil_bytes"  # body bytes received so far
CAP_META = "civil_cap"  # this request's cap: CIVIL_MAX_BYTES, or a smaller download_maxsize it asked for


def backstop(max_bytes: int, parse_limit: int) -> int:
    """Scrapy's DOWNLOAD_MAXSIZE under the add-on: never reached before our own cap stops a body."""
    return max(max_bytes, parse_limit) + BACKSTOP_SLACK


class BodyCap:
    """Stop every download at ``max_bytes`` (or a request's smaller ``download_maxsize``); read a robots.txt
    (``whole_meta`` requests) up to ``parse_limit`` and close, whatever its size."""

    def __init__(self, max_bytes: int, parse_limit: int, whole_meta: str):
        self.max_bytes, self.parse_limit, self.whole_meta = max_bytes, parse_limit, whole_meta

    def cap(self, meta: dict[str, Any]) -> int:
        """This request's cap, fixed on first sight (a redirect's copy of the meta keeps it)."""
        if CAP_META not in meta:
            asked = meta.get("download_maxsize")
            meta[CAP_META] = min(self.max_bytes, asked) if isinstance(asked, int) and asked > 0 else self.max_bytes
        cap: int = meta[CAP_META]
        return cap

    def on_headers(self, headers: Any, body_length: Any, request: Request, spider: Any = None) -> None:
        """Refuse a body announced larger than the cap (an unknown length is a Twisted placeholder, not a number)."""
        meta = request.meta
        if self.whole_meta in meta:
            meta["download_maxsize"] = 0  # no Scrapy limit: on_bytes reads parse_limit bytes, then closes
            return
        cap = self.cap(meta)
        meta["download_maxsize"] = cap + BACKSTOP_SLACK  # Scrapy's limit (read after this signal) stays above ours
        if isinstance(body_length, int) and body_length > cap:
            meta[TOO_LARGE_META] = body_length
            raise StopDownload(fail=True)

    def on_bytes(self, data: bytes, request: Request, spider: Any = None) -> None:
        """Count what arrives; stop at the cap (robots.txt: keep the first parse_limit bytes, parse those)."""
        meta = request.meta
        meta[BYTES_META] = received = meta.get(BYTES_META, 0) + len(data)
        if self.whole_meta in meta:
            if received > self.parse_limit:
                raise StopDownload(fail=False)
        elif received > self.cap(meta):
            meta[TOO_LARGE_META] = received
            raise StopDownload(fail=True)


class TooLarge(ValueError):
    """The body inflates past the cap."""


def _inflate(data: bytes, limit: int) -> bytes:
    """zlib-wrapped or raw deflate, stopping once ``limit`` bytes would be exceeded."""
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # servers send both kinds as "deflate"
        d = zlib.decompressobj(wbits)
        out, pending = bytearray(), data
        try:
            while pending:
                out += d.decompress(pending, _CHUNK)
                if len(out) > limit:
                    raise TooLarge(f"deflate body inflates past {limit} bytes")
                pending = d.unconsumed_tail
            return bytes(out + d.flush())
        except zlib.error:
            continue
    raise ValueError("deflate body is corrupt")


def _head(data: bytes, limit: int, *wbits_options: int) -> bytes:
    """The first ``limit`` decoded bytes; a stream cut short (a download stopped at the read limit) is fine."""
    for wbits in wbits_options:
        try:
            return zlib.decompressobj(wbits).decompress(data, limit)
        except zlib.error:
            continue
    raise ValueError("compressed body is corrupt")


def decode(response: Response, limit: int, *, head: bool = False) -> Response:
    """The response with its Content-Encoding undone (gzip, x-gzip, deflate); raises TooLarge or ValueError.

    ``head``: keep the first ``limit`` decoded bytes instead of refusing more (robots.txt: its parse limit).
    """
    codings = [c.strip().lower() for v in response.headers.getlist("Content-Encoding")
               for c in v.decode("latin-1").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return response
    body = response.body
    for coding in reversed(codings):  # the last coding applied is the first to undo
        if head and coding in ("gzip", "x-gzip", "deflate"):
            gzip = coding != "deflate"
            body = _head(body, limit, *((16 + zlib.MAX_WBITS,) if gzip else (zlib.MAX_WBITS, -zlib.MAX_WBITS)))
        elif coding in ("gzip", "x-gzip"):
            try:
                body = gunzip(body, max_size=limit)
            except (OSError, EOFError) as exc:
                raise ValueError(f"gzip body is corrupt: {exc}") from None
            except ValueError as exc:  # Scrapy's size-cap error is a ValueError
                raise TooLarge(f"gzip body inflates past {limit} bytes") from exc
        elif coding == "deflate":
            body = _inflate(body, limit)
        else:
            raise ValueError(f"Content-Encoding {coding!r} was not asked for")
    headers = response.headers.copy()
    del headers["Content-Encoding"]
    # Scrapy types an encoded body as a plain Response: type it again now that it can be read
    cls = responsetypes.from_args(headers=headers, url=response.url, body=body)
    return response.replace(cls=cls, body=body, headers=headers)
