"""Bodies under civilcrawl's own size cap once they are in: their Content-Encoding undone, under the cap.

While they stream in, crawler.gate.sizecap counts their bytes and stops them at the same cap. The gate runs
before Scrapy's HttpCompressionMiddleware in the response chain, so it decodes what it asked for
(``Accept-Encoding: gzip, deflate``) itself; a body that inflates past the cap is refused.
"""

from __future__ import annotations

import zlib

from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.gz import gunzip

ACCEPT_ENCODING = b"gzip, deflate"
_CHUNK = 64 * 1024
#: Scrapy's DOWNLOAD_MAXSIZE sits this far above our cap, so ours always stops a body first.
BACKSTOP_SLACK = 1024 * 1024


def backstop(max_bytes: int, parse_limit: int) -> int:
    """Scrapy's DOWNLOAD_MAXSIZE under the add-on: never reached before our own cap stops a body."""
    return max(max_bytes, parse_limit) + BACKSTOP_SLACK


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
