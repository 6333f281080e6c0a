"""Spawning `/ai.txt`: robots.txt syntax, read with Protego; a Disallow for the URL refuses ai-train.

A missing, empty or unparsable file says nothing (Protego allows by default);
an Allow is not read as a grant, since the file only exists to opt out.
"""
from __future__ import annotations

from protego import Protego

from .decide import Signal


def parse(text: str) -> Protego:
    """A parsed ai.txt, to cache per site."""
    return Protego.parse(text)


def aitxt_signal(aitxt: Protego | str, token: str, url: str) -> Signal | None:
    """A refusal of ai-train if ai.txt disallows `url` for `token`, else None."""
    rules = Protego.parse(aitxt) if isinstance(aitxt, str) else aitxt
    if rules.can_fetch(url, token):
        return None
    return Signal("ai.txt", "Disallow", "ai.txt", frozenset({"ai-train"}))
