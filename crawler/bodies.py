"""Content-Encoding, undone inside the gate with a size cap, so every check reads the real bytes.

The gate runs before Scrapy's HttpCompressionMiddleware in the response chain, so it decodes what it
asked for (``Accept-Encoding: gzip, deflate``) itself; a body that inflates past the cap is refused.
"""

from __future__ import annotations

import zlib

from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.gz import gunzip

ACCEPT_ENCODING = b"gzip, deflate"
_CHUNK = 64 * 1024


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


def decode(response: Response, limit: int) -> Response:
    """The response with its Content-Encoding undone (gzip, x-gzip, deflate); raises TooLarge or ValueError."""
    codings = [c.strip().lower() for v in response.headers.getlist("Content-Encoding")
               for c in v.decode("latin-1").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return response
    body = response.body
    for coding in reversed(codings):  # the last coding applied is the first to undo
        if coding in ("gzip", "x-gzip"):
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
