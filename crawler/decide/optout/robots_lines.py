"""The robots.txt lines of the opt-out vocabularies (`Content-Usage`, `Content-Signal`), read within our group.

The group is the one crawler/decide/robotstxt.py picks for Allow/Disallow (Google's rules: our product token
as a whole word, else `*`; only Allow/Disallow end a run of user-agent lines), so a signal and a rule
never come from two different readings of the same file.
"""
from __future__ import annotations

from crawler.decide.robotstxt import parse

from . import content_signal, content_usage
from .decide import Signal


def group_lines(robots_text: str, token: str) -> list[tuple[str, str]]:
    """(lowercased directive, value) of every line in the group(s) that apply to `token`, in file order."""
    return [(line.key, line.value) for line in parse(robots_text).group(token).lines if line.value]


def signals_from_robots(robots_text: str, token: str, path: str) -> list[Signal]:
    """Content-Usage and Content-Signal signals of our group for `path` (a path or URL)."""
    group = parse(robots_text).group(token)
    usage, signal = group.values("content-usage"), group.values("content-signal")
    found = (content_usage.robots_signal(usage, path), content_signal.robots_signal(signal, path))
    return [s for s in found if s is not None]
