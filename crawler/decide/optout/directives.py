"""Page directives from `<meta name="robots|TOKEN">` and `X-Robots-Tag` headers.

Rules combine across commas, tags and headers; the most restrictive wins
(Google's "sum of the negative rules"): booleans OR together, the smallest
`max-snippet` and the earliest `unavailable_after` win; `all`, `index` and
`follow` never cancel a restriction.

Decisions where the sources leave room (signals.md 1.1, "guess"):
- In a header, `word:` opens a user-agent scope only when `word` is not a rule
  name; the scope runs to the next such `word:` and never spans header lines.
  Only the generic scope and our own token's scope apply to us.
- `unavailable_after: <weekday>, <rest>` rejoins the comma that RFC 822/850 put
  after the day name; unparsable dates are ignored (as Google does); a date
  without a zone is UTC.
- `max-snippet:0` also sets `nosnippet`; `max-snippet:-1` means no limit.
- `max-image-preview:none` sets `noimageindex` (no image may be shown, so none
  is taken); `nocache` is Bing's `noarchive`.
- `noai`/`noimageai` (DeviantArt) are read like any other rule; what they
  refuse per purpose is decided in `crawler.decide.optout.decide`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from lxml import etree

RULES = frozenset(
    "all index follow noindex nofollow none nosnippet indexifembedded max-snippet"
    " max-image-preview max-video-preview notranslate noimageindex unavailable_after"
    " unavailable-after noarchive nocache nositelinkssearchbox noodp noydir noai noimageai".split()
)
_FLAGS = {"noindex": ("noindex",), "nofollow": ("nofollow",), "none": ("noindex", "nofollow"),
          "noarchive": ("noarchive",), "nocache": ("noarchive",), "nosnippet": ("nosnippet",),
          "noimageindex": ("noimageindex",), "noai": ("noai",), "noimageai": ("noimageai",)}
_WEEKDAY = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*", re.I)
_SCOPE = re.compile(r"[a-z0-9_.*-]+")


@dataclass(frozen=True)
class Directives:
    """Combined page directives for one page; `sources` holds (rule, where) pairs for the audit."""

    noindex: bool = False
    nofollow: bool = False
    noarchive: bool = False
    nosnippet: bool = False
    max_snippet: int | None = None  # None: no limit
    noimageindex: bool = False
    noai: bool = False
    noimageai: bool = False
    unavailable_after: datetime | None = None
    sources: tuple[tuple[str, str], ...] = ()

    def merge(self, other: Directives) -> Directives:
        """Combine two sets of directives; the most restrictive value of each wins."""
        flags = {f: getattr(self, f) or getattr(other, f) for f in
                 ("noindex", "nofollow", "noarchive", "nosnippet", "noimageindex", "noai", "noimageai")}
        return Directives(**flags, max_snippet=_least(self.max_snippet, other.max_snippet),
                          unavailable_after=_least(self.unavailable_after, other.unavailable_after),
                          sources=self.sources + other.sources)


_T = TypeVar("_T", int, datetime)


def _least(a: _T | None, b: _T | None) -> _T | None:
    return b if a is None else a if b is None else min(a, b)


def parse_date(text: str) -> datetime | None:
    """An RFC 822/850/1123 or ISO 8601 date as aware UTC, or None if invalid."""
    text = text.strip()
    try:
        dt = datetime.fromisoformat(text) if text[:4].isdigit() else parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        try:  # RFC 822 with the time left out, as in "25 Jun 2010"
            dt = parsedate_to_datetime(text + " 00:00:00")
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
    try:
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is past datetime.max in UTC, 0001-01-01T00:00+05:00 before min
        return (datetime.max if dt.year > 1 else datetime.min).replace(tzinfo=UTC)


def _rules(value: str) -> Iterator[tuple[str | None, str, str]]:
    """Yield (scope, rule, argument) from one meta content or header value."""
    scope, pieces, i = None, value.split(","), 0
    while i < len(pieces):
        name, sep, arg = pieces[i].partition(":")
        name, arg, i = name.strip().lower(), arg.strip(), i + 1
        if sep and name not in RULES and _SCOPE.fullmatch(name):
            scope = name
            name, _, arg = arg.partition(":")
            name, arg = name.strip().lower(), arg.strip()
        if name in ("unavailable_after", "unavailable-after") and _WEEKDAY.fullmatch(arg) and i < len(pieces):
            arg, i = f"{arg},{pieces[i]}", i + 1
        if name:
            yield scope, name, arg


def _build(items: Iterable[tuple[str, str, str]]) -> Directives:
    """Directives from (rule, argument, where) triples that already apply to us."""
    d: dict[str, Any] = {}
    sources: list[tuple[str, str]] = []
    for name, arg, where in items:
        rule = name
        if name in _FLAGS:
            d.update(dict.fromkeys(_FLAGS[name], True))
        elif name == "max-snippet":
            try:
                n = int(arg)
            except ValueError:
                continue
            if n < 0:
                continue
            d["max_snippet"] = _least(d.get("max_snippet"), n)
            d["nosnippet"] = d.get("nosnippet", False) or n == 0
            rule = f"max-snippet:{n}"
        elif name == "max-image-preview" and arg.lower() == "none":
            d["noimageindex"] = True
            rule = "max-image-preview:none"
        elif name in ("unavailable_after", "unavailable-after"):
            if (when := parse_date(arg)) is None:
                continue
            d["unavailable_after"] = _least(d.get("unavailable_after"), when)
            rule = f"unavailable_after:{when.isoformat()}"
        else:
            continue
        sources.append((rule, where))
    return Directives(**d, sources=tuple(sources))


def directives_from_headers(headers: Iterable[bytes | str], token: str) -> Directives:
    """Directives from X-Robots-Tag values: generic rules and those scoped to `token`."""
    token = token.lower()

    def items() -> Iterator[tuple[str, str, str]]:
        for raw in headers:
            value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
            for scope, name, arg in _rules(value):
                if scope is None or scope == token:
                    yield name, arg, "header X-Robots-Tag" + (f" ({scope}:)" if scope else "")
    return _build(items())


def directives_from_html(meta: Iterable[tuple[str, str]], token: str) -> Directives:
    """Directives from (name, content) meta pairs named `robots` or `token`."""
    names = {"robots", token.lower()}

    def items() -> Iterator[tuple[str, str, str]]:
        for name, content in meta:
            if (name := name.strip().lower()) in names:
                for scope, rule, arg in _rules(content):
                    if scope is None or scope == token.lower():
                        yield rule, arg, f"meta {name}"
    return _build(items())


_ROBOTS_META = frozenset({"robots", "tdm-reservation", "tdm-policy"})


def meta_tags(doc: etree._Element, token: str | None = None) -> list[tuple[str, str]]:
    """(lowercased name, content) of the page's `<meta name>` tags, in `<head>` or `<body>`.

    With `token`, only robots-relevant names: robots, the token, tdm-reservation, tdm-policy.
    """
    keep = _ROBOTS_META | {token.lower()} if token else None
    out: list[tuple[str, str]] = []
    for el in doc.iter("meta"):
        name, content = el.get("name"), el.get("content")
        if name is None or content is None:
            continue
        name = name.strip().lower()
        if keep is None or name in keep:
            out.append((name, content))
    return out


__all__ = ["Directives", "directives_from_headers", "directives_from_html", "meta_tags", "parse_date"]
