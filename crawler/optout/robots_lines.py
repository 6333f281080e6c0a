"""The robots.txt lines Protego drops (`Content-Usage`, `Content-Signal`), read within our group.

Group rules follow RFC 9309 and mirror Protego 0.7 so both pick the same group:
consecutive user-agent lines share a group; any other line except Sitemap/Host
ends the run of user-agent lines; unknown lines do not end a group; the group
whose agent matches our token longest (at a token boundary, `*` scoring 1) is
chosen, and all groups naming that same agent are merged.
"""
from __future__ import annotations

from functools import lru_cache

from . import content_signal, content_usage
from .decide import Signal

_UA = ("user-agent", "useragent", "user agent")
_SITE_WIDE = frozenset({"sitemap", "sitemaps", "site-map", "host"})
_KNOWN = frozenset({"allow", "disallow", "crawl-delay", "request-rate", "visit-time"}) | _SITE_WIDE


def _lines(text: str):
    """(line number, lowercased field, value) of each directive-shaped line."""
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        field, sep, value = line.partition(":")
        if not sep:  # Protego's salvage of "User-agent foo" / "Disallow /x"
            low = line.lower()
            field = next((f for f in (*_UA, *_KNOWN) if low.startswith(f + " ")), "")
            value = line[len(field):]
        if field.strip():
            yield n, field.strip().lower(), value.strip()


def _score(agent: str, token: str) -> int:
    if agent == "*":
        return 1
    i = token.find(agent)
    while i != -1:
        if i == 0 or not (token[i - 1].isalnum() or token[i - 1] in "-_"):
            return len(agent)
        i = token.find(agent, i + 1)
    return 0


@lru_cache(maxsize=256)  # called per page with the host's cached robots.txt text
def _group_entries(text: str, token: str) -> tuple[tuple[int, str, str], ...]:
    groups: list[tuple[set[str], list[tuple[int, str, str]]]] = []
    prev = None
    for n, field, value in _lines(text):
        if field in _UA:
            if prev not in _UA:
                groups.append((set(), []))
            agent = value.lower()
            if agent:
                groups[-1][0].add(agent if agent == "*" else agent.replace("*", "") or "*")
        elif groups and value:
            groups[-1][1].append((n, field, value))
        if field not in _SITE_WIDE:
            prev = field
    agents = [a for g, _ in groups for a in g]
    scored = [(_score(a, token.lower()), a) for a in agents]
    if not scored or max(scored)[0] == 0:
        return ()
    best = max(scored, key=lambda p: p[0])[1]  # first of the longest, as Protego
    return tuple(sorted(e for g, entries in groups if best in g for e in entries))


def group_lines(robots_text: str, token: str) -> list[tuple[str, str]]:
    """(lowercased directive, value) of every line in the group(s) that apply to `token`, in file order."""
    return [(f, v) for _, f, v in _group_entries(robots_text, token)]


@lru_cache(maxsize=256)
def _optout_rules(text: str, token: str) -> tuple[tuple[tuple[int, str], ...], ...]:
    entries = _group_entries(text, token)
    return tuple(tuple((n, v) for n, f, v in entries if f == name) for name in ("content-usage", "content-signal"))


def signals_from_robots(robots_text: str, token: str, path: str) -> list[Signal]:
    """Content-Usage and Content-Signal signals of our group for `path` (a path or URL)."""
    usage, signal = _optout_rules(robots_text, token)
    found = (content_usage.robots_signal(usage, path), content_signal.robots_signal(signal, path))
    return [s for s in found if s is not None]
