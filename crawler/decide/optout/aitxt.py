"""Spawning `/ai.txt`: robots.txt syntax, read as robots.txt is (crawler/decide/robotstxt.py); a Disallow for the
URL refuses ai-train.

A missing, empty or unparsable file says nothing (no rule allows by default);
an Allow is not read as a grant, since the file only exists to opt out.
"""
from __future__ import annotations

from crawler.decide.robotstxt import RobotsTxt

from .decide import Signal


def parse(text: str) -> RobotsTxt:
    """A parsed ai.txt, to cache per site."""
    return RobotsTxt(text)


def aitxt_signal(aitxt: RobotsTxt | str, token: str, url: str) -> Signal | None:
    """A refusal of ai-train if ai.txt disallows `url` for `token`, else None."""
    rules = RobotsTxt(aitxt) if isinstance(aitxt, str) else aitxt
    if rules.group(token).allows(url):
        return None
    return Signal("ai.txt", "Disallow", "ai.txt", frozenset({"ai-train"}))
