"""What Protego reads for us: a group's Allow/Disallow rules (ranked and matched), Crawl-delay and Request-rate values.

crawler/decide/robotstxt.py reads the lines and picks the group (Google's rules); crawler/decide/pathpattern.py
normalises patterns and paths (RFC 9309 §2.2.2). Protego is handed the group's rules as one ``User-agent: *``
file. Its own percent-normalisation differs from RFC 9309 and Google (it reads ``%3D`` as ``=``, ``?`` as
``%3F``, adds a literal ``%24`` rule for every ``$``, ranks by its own encoded length), so the normalised text
is handed over in a code it leaves as it is:

- each character (all ASCII once normalised) becomes two: a letter ``g``-``n`` for its high nibble, a hex digit
  for its low one; a wildcard ``*`` becomes ``**`` (Protego reads a run as one); the end anchor ``$`` becomes
  ``zz``, which every coded path ends with; both begin with the ``/`` Protego expects.
- The letters ``g``-``n`` only begin code words, so Protego can find a piece of a pattern in a coded path only
  at a character boundary: its answer on the coded text is the answer on the text.
- A pattern of n characters is 2n + 1 long once coded, so Protego's order (longest first, Allow first on a
  tie, then file order) is RFC 9309's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from protego import Protego

_HIGH, _LOW = "ghijklmn", "0123456789ABCDEF"
_CHARS = {c: _HIGH[c >> 4] + _LOW[c & 15] for c in range(128)}
_PATH_CODE = str.maketrans(_CHARS)
_PATTERN_CODE = str.maketrans(_CHARS | {ord("*"): "**"})
_END = "zz"
BLOCK = 64  # rules per Protego when finding which rule decided


def coded_path(path: str) -> str:
    """A path normalised by :func:`crawler.decide.pathpattern.normalize_path`, as Protego is handed it."""
    return "/" + path.translate(_PATH_CODE) + _END


def coded_pattern(pattern: str) -> str:
    """A pattern normalised by :func:`crawler.decide.pathpattern.compile_pattern` (its ``text``), coded."""
    if pattern.endswith("$"):
        return "/" + pattern[:-1].translate(_PATTERN_CODE) + _END
    return "/" + pattern.translate(_PATTERN_CODE)


def _protego(rules: Iterable[tuple[str, bool]]) -> Protego:
    return Protego.parse("User-agent: *\n" + "".join(f"{'Allow' if a else 'Disallow'}: {p}\n" for p, a in rules))


class RuleMatcher:
    """One group's Allow/Disallow rules (normalised patterns, in file order), ranked and matched by Protego."""

    def __init__(self, rules: Sequence[tuple[str, bool]]):
        self._coded = [(coded_pattern(pattern), allow) for pattern, allow in rules]
        self._protego = _protego(self._coded)
        # Protego's own order (a stable sort): the longest coded pattern first, Allow first on a tie, then file order.
        self._ranked = sorted(range(len(self._coded)), key=lambda i: (-len(self._coded[i][0]), not self._coded[i][1], i))
        self._blocks: dict[int, Protego] = {}

    def allows(self, path: str) -> bool:
        """Protego's answer for a normalised path."""
        return self._protego.can_fetch(coded_path(path), "*")

    def deciding(self, path: str) -> int | None:
        """The index (file order) of the rule that decides a normalised path, or None if none matches.

        Protego names no rule, so it is asked in its own order which rules match: each block of rules as
        Disallow lines, then the rules of the first block that matches one by one.
        """
        url = coded_path(path)
        for start in range(0, len(self._ranked), BLOCK):
            block = self._ranked[start:start + BLOCK]
            if start not in self._blocks:
                self._blocks[start] = _protego((self._coded[i][0], False) for i in block)
            if not self._blocks[start].can_fetch(url, "*"):
                return next((i for i in block if not _protego([(self._coded[i][0], False)]).can_fetch(url, "*")), None)
        return None


class RequestRate(NamedTuple):
    requests: int
    seconds: float


_RATE_BLANKS = re.compile(r"\s*/\s*(\d+)\s*([smhd]?)(?=\s|$)", re.IGNORECASE)


def _one_line(value: str) -> bool:
    return len(value.splitlines()) == 1 and "#" not in value  # Protego would read more than this value


def crawl_delay(value: str) -> float | None:
    """A Crawl-delay value in seconds as Protego reads it (a finite number >= 0), or None."""
    return Protego.parse(f"User-agent: *\nCrawl-delay: {value}\n").crawl_delay("*") if _one_line(value) else None


def request_rate(value: str) -> RequestRate | None:
    """A Request-rate value (``n/T``, T in s, m, h or d, an optional ``HHMM-HHMM`` window) as Protego reads it.

    Blanks around the ``/`` and before the unit are dropped first: Protego would ignore ``1 / 10 s``.
    """
    value = _RATE_BLANKS.sub(r"/\1\2", value)
    rate = Protego.parse(f"User-agent: *\nRequest-rate: {value}\n").request_rate("*") if _one_line(value) else None
    return RequestRate(rate.requests, float(rate.seconds)) if rate else None
