"""IETF AIPREF `Content-Usage`: the HTTP header and the robots.txt rule (draft-ietf-aipref-attach/-vocab).

The value is an RFC 9651 Dictionary of `y`/`n` tokens, parsed with `http-sf`
(maintained successor of `http-sfv`, RFC 9651 rather than 8941). A value that
fails to parse makes every preference unknown: it is reported as a signal with
no effect, never raised. Keys are case-sensitive; unknown keys are ignored.
Several header lines are combined with ", " as HTTP field lines are.
Vocabulary and legacy keys per purpose: see `crawler.decide.optout.decide`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import http_sf
from http_sf import StructuredFieldError, Token

from ._pattern import lines_source, select
from .decide import Signal, combine

# purpose -> tiers of keys, most specific first; the first tier that speaks decides, "n" beating "y" within it
_TIERS = {
    "search": (("search",), ("bots",)),
    "archive": (("bots",),),
    "research": (("tdm",), ("bots",)),
    "ai-train": (("train-ai", "train-genai", "genai", "ai"), ("tdm",), ("bots",)),
}


def parse(value: bytes | str) -> dict[str, str] | None:
    """Key -> "y"|"n" of one expression (other values dropped), or None if it does not parse."""
    data = value.encode("latin-1", "replace") if isinstance(value, str) else value
    try:
        parsed = http_sf.parse(data.strip(), tltype="dictionary")
    except (StructuredFieldError, ValueError, TypeError):
        return None
    if not isinstance(parsed, dict):
        return None
    items = ((k, v[0] if isinstance(v, tuple) else None) for k, v in parsed.items())  # member: (value, params)
    return {k: str(t) for k, t in items if isinstance(t, Token) and str(t) in ("y", "n")}


def purposes(prefs: dict[str, str]) -> tuple[frozenset[str], frozenset[str]]:
    """(refused, granted) purposes of one parsed expression."""
    refuses: set[str] = set()
    grants: set[str] = set()
    for purpose, tiers in _TIERS.items():
        for tier in tiers:
            said = {prefs[k] for k in tier if k in prefs}
            if said:
                (refuses if "n" in said else grants).add(purpose)
                break
    return frozenset(refuses), frozenset(grants)


def _signal(expr: str, source: str) -> Signal:
    prefs = parse(expr)
    if prefs is None:
        return Signal("content-usage", f"{expr} (malformed: preferences unknown)", source)
    return Signal("content-usage", expr, source, *purposes(prefs))


def header_signal(values: Iterable[bytes | str]) -> Signal | None:
    """The Content-Usage header lines of a response as one signal, or None if absent."""
    lines = [(v.decode("latin-1") if isinstance(v, bytes) else v).strip() for v in values]
    return _signal(", ".join(lines), "header Content-Usage") if lines else None


def robots_signal(rules: Sequence[tuple[int, str]], path: str) -> Signal | None:
    """The longest-path Content-Usage rule(s) of our robots.txt group for `path`, from (line, value) pairs."""
    chosen = select(rules, path)
    if not chosen:
        return None
    source = lines_source(chosen)
    return combine("content-usage", [_signal(expr, source) for _, expr in chosen], source)
