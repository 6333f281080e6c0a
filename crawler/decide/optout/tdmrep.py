"""W3C TDMRep: `/.well-known/tdmrep.json`, the `tdm-reservation` header and `<meta name="tdm-reservation">`.

The file is a JSON array of {location, tdm-reservation, tdm-policy}; the first
rule whose robots-style location matches the path applies (order matters).
`tdm-reservation` is 1 or 0; anything else is unset, and so is a file that is
not a JSON array. Header overrides file, meta overrides header; an unset value
never resets one already found. The policy URL is recorded, not fetched.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.decide.pathpattern import matches, normalize_path, path_of

from .decide import Signal

TDM_PURPOSES = frozenset({"research", "ai-train"})


@dataclass(frozen=True)
class TdmRule:
    """One tdmrep.json entry; `reservation` is None when its value is not 0 or 1."""

    location: str
    reservation: int | None
    policy: str | None = None


def _value(v: object) -> int | None:
    if isinstance(v, str):
        v = v.strip()
        return int(v) if v in ("0", "1") else None
    return v if type(v) is int and v in (0, 1) else None


def parse_file(text: str | bytes) -> list[TdmRule]:
    """The rules of a tdmrep.json body; [] if it is not a JSON array. Entries without a location are skipped."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: 100,000 nested brackets
        return []
    if not isinstance(data, list):
        return []
    return [TdmRule(e["location"], _value(e.get("tdm-reservation")),
                    e["tdm-policy"] if isinstance(e.get("tdm-policy"), str) else None)
            for e in data if isinstance(e, dict) and isinstance(e.get("location"), str) and e["location"]]


def match_file(rules: Iterable[TdmRule], path: str) -> tuple[int, TdmRule] | None:
    """(index, rule) of the first rule whose location matches `path` (a path or URL)."""
    path = normalize_path(path)
    for i, rule in enumerate(rules):
        # Locations are paths, but absolute URLs appear in the wild: compare their path part.
        if matches(path_of(rule.location) if "://" in rule.location else rule.location, path):
            return i, rule
    return None


def tdm_signal(path: str, rules: Iterable[TdmRule] = (), header: bytes | str | None = None,
               header_policy: bytes | str | None = None, meta: Iterable[tuple[str, str]] = ()) -> Signal | None:
    """The effective tdm-reservation for `path` from file rules, header and meta tags, or None if unset."""
    found: tuple[int, str, str | None] | None = None
    hit = match_file(rules, path)
    if hit and hit[1].reservation is not None:
        found = (hit[1].reservation, f"tdmrep.json rule {hit[0] + 1} ({hit[1].location})", hit[1].policy)
    if header is not None and (v := _value(_text(header))) is not None:
        found = (v, "header tdm-reservation", _text(header_policy) if header_policy else None)
    tags = dict((n.lower(), c) for n, c in meta)
    if (v := _value(tags.get("tdm-reservation"))) is not None:
        found = (v, "meta tdm-reservation", tags.get("tdm-policy"))
    if found is None:
        return None
    value, source, policy = found
    text = str(value) + (f" (policy {policy.strip()})" if policy else "")
    return Signal("tdm-reservation", text, source, TDM_PURPOSES if value else frozenset(),
                  frozenset() if value else TDM_PURPOSES)


def _text(v: bytes | str) -> str:
    return v.decode("latin-1") if isinstance(v, bytes) else v
