"""Cloudflare Content Signals: `Content-Signal: search=yes, ai-input=no, ai-train=no` (+ `use=`).

Not a structured field: comma-separated `key=value`, keys and values read
case-insensitively; an item that is not `key=value` or has an unknown value is
ignored on its own (a missing key "neither grants nor restricts"). An optional
leading path scopes a line like Content-Usage (longest match), a guess since
the policy text shows only group-wide lines.
Mapping to purposes: see `crawler.decide.optout.decide` (ai-input affects none of ours;
use=immediate refuses archive/research/ai-train, use=reference archive, use=full grants archive).
"""
from __future__ import annotations

from collections.abc import Sequence

from ._pattern import lines_source, select
from .decide import Signal, combine

_REFUSES = {("search", "no"): {"search"}, ("ai-train", "no"): {"ai-train"},
            ("use", "immediate"): {"archive", "research", "ai-train"}, ("use", "reference"): {"archive"}}
_GRANTS = {("search", "yes"): {"search"}, ("ai-train", "yes"): {"ai-train"}, ("use", "full"): {"archive"}}


def parse(value: str) -> dict[str, str]:
    """Key -> value of one Content-Signal expression, lowercased; malformed items dropped."""
    out = {}
    for item in value.split(","):
        key, sep, val = item.partition("=")
        key, val = key.strip().lower(), val.strip().lower()
        if sep and key and val:
            out[key] = val
    return out


def signal(value: str, source: str) -> Signal:
    """One Content-Signal expression as a signal."""
    items = parse(value).items()
    refuses = frozenset().union(*(_REFUSES.get(kv, ()) for kv in items))
    grants = frozenset().union(*(_GRANTS.get(kv, ()) for kv in items)) - refuses
    return Signal("content-signal", value.strip(), source, refuses, grants)


def robots_signal(rules: Sequence[tuple[int, str]], path: str) -> Signal | None:
    """The Content-Signal line(s) of our robots.txt group that apply to `path`, combined."""
    chosen = select(rules, path)
    if not chosen:
        return None
    source = lines_source(chosen)
    return combine("content-signal", [signal(expr, "") for _, expr in chosen], source)
