"""URL helpers: origins (scheme + host + port), host keys and link normalisation."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from crawler.net.redact import redact_text

_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadURL(ValueError):
    """A URL that cannot be crawled (no http(s) scheme, no host, a bad port)."""


def split_origin(url: str) -> tuple[str, str, int]:
    """Return ``(scheme, host, port)`` of an http(s) URL, lowercased, raising BadURL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").rstrip(".")
    except ValueError as exc:
        raise BadURL(f"{url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadURL(f"{redact_text(url)!r}: only http and https URLs can be crawled")
    if "@" in parts.netloc:  # Scrapy cannot send them (ValueError: invalid hostname), and we do not log in
        raise BadURL(f"{redact_text(url)!r}: a URL with credentials (user:password@) is not crawled")
    if any(c in host for c in " \t\r\n<>\"{}|\\^`"):
        raise BadURL(f"{url!r}: the host name has characters no host name can have")
    if not host:
        raise BadURL(f"{url!r}: the URL has no host")
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def origin(url: str) -> str:
    """The RFC 6454 origin as a string, default ports omitted: ``https://example.org``."""
    scheme, host, port = split_origin(url)
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" if port == _DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


def redirect_target(base: str, location: bytes) -> str:
    """Where a Location header points, resolved against ``base``; as written when no parser takes it."""
    text = location.decode("latin-1")
    try:
        return urljoin(base, text)
    except ValueError:  # "http://[::1": the redirect middleware refuses it as a bad URL
        return text


def host_of(url: str) -> str:
    """The lowercased host name (the key for per-host politeness)."""
    return split_origin(url)[1]


def host_or_blank(url: str) -> str:
    """The host of ``url`` for its audit record; "" for a URL no parser takes."""
    try:
        return split_origin(url)[1]
    except BadURL:
        return ""


def absolute_link(base: str, href: str) -> str | None:
    """Resolve ``href`` against ``base`` and drop the fragment; None for non-http(s) links."""
    href = href.strip().split("#", 1)[0]
    if not href:
        return None
    try:
        if href[0] == "?":
            url = urljoin(base, href)
        else:
            # A relative reference depends only on the base up to its last '/' (RFC 3986 §5.2.3), and pages
            # of one folder share most links: resolving against that prefix makes the cache hit.
            url = _join(_folder(base), href)
    except ValueError:  # e.g. "http://[::1": handed on as written, so the gate records it as a bad URL
        return href if href.lower().startswith(("http:", "https:", "//")) else None
    return url if url.startswith(("http://", "https://")) else None


def _folder(url: str) -> str:
    """``url`` cut after the last '/' of its path (query dropped): all a relative reference depends on."""
    url = url.split("?", 1)[0]
    start = url.find("//") + 2 if "//" in url else 0
    return url + "/" if url.find("/", start) == -1 else url[: url.rfind("/") + 1]


@lru_cache(maxsize=1 << 16)
def _join(base_dir: str, href: str) -> str:
    return urljoin(base_dir, href)
