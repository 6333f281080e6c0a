"""Sitemaps (``--sitemaps``): the ``Sitemap:`` lines of robots.txt and ``/sitemap.xml``, indexes, gzip.

Parsed with defusedxml (no entities, no external references), capped in bytes, files and URLs. Every
sitemap file is fetched as a page, and every URL found goes to the gate like a link (scope, robots.txt,
budget), its audit records marked ``"via": "sitemap"``.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from crawler.decide.robotstxt import parse as parse_robots

MAX_FILES = 50  # sitemap files per origin (an index of indexes stops here)
MAX_URLS = 50_000  # URLs per sitemap file, as the protocol allows
MAX_BYTES = 50 * 1024 * 1024  # a sitemap file, uncompressed, as the protocol allows
VIA = "sitemap"


@dataclass
class Sitemap:
    """What one sitemap file lists: page URLs (with lastmod) or, for an index, more sitemap files."""

    index: bool = False
    urls: list[tuple[str, str | None]] = field(default_factory=list)
    problem: str | None = None


def from_robots(body: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt body, in order, without repeats (read as robots.txt is read)."""
    return parse_robots(body).sitemaps


def _gunzip(body: bytes, limit: int) -> bytes:
    """A gzipped sitemap (``.xml.gz``) inflated to at most ``limit`` bytes (ValueError past it)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, limit + 1)
    if len(out) > limit:
        raise ValueError(f"larger than {limit} bytes once uncompressed")
    return out


def parse(body: bytes, limit: int = MAX_BYTES, max_urls: int = MAX_URLS) -> Sitemap:
    """Read a sitemap or sitemap index (XML, gzipped or not); a bad one says why in ``problem``."""
    try:
        if body[:2] == b"\x1f\x8b":
            body = _gunzip(body, limit)
        elif len(body) > limit:
            raise ValueError(f"larger than {limit} bytes")
        root = ElementTree.fromstring(body)
    except (ValueError, EOFError, zlib.error, gzip.BadGzipFile, ElementTree.ParseError, DefusedXmlException) as exc:
        return Sitemap(problem=f"not a readable sitemap: {exc}")
    tag = root.tag.rsplit("}", 1)[-1]
    if tag not in ("urlset", "sitemapindex"):
        return Sitemap(problem=f"not a sitemap: the root element is <{tag}>")
    out = Sitemap(index=tag == "sitemapindex")
    for entry in root:
        loc = lastmod = None
        for child in entry:
            name = child.tag.rsplit("}", 1)[-1]
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                lastmod = child.text.strip()
        if loc:
            out.urls.append((loc, lastmod))
            if len(out.urls) >= max_urls:
                out.problem = f"more than {max_urls} URLs: the rest are not read"
                break
    return out
