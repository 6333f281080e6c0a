"""Robots-syntax path patterns (`*` any run, trailing `$` end): one normalisation, one linear matcher.

Every pattern written in robots.txt syntax (robots.txt Allow/Disallow, Content-Usage and Content-Signal
paths, tdmrep.json locations, policy files) is normalised here, so they all agree; all but robots.txt's
Allow/Disallow are matched here too (those go to Protego, crawler/decide/robotsmatch.py, which answers as
:meth:`PathPattern.matches` does: tests/test_robotsmatch.py).

Normalisation (RFC 9309 §2.2.2), the same for patterns and paths: an escape of an unreserved character
is decoded (``%62`` = ``b``), other escapes are upper-cased and kept (``%2f`` = ``%2F``, never ``/``),
a ``%`` that starts no escape is ``%25``, and non-ASCII or non-URI characters are %-encoded as UTF-8.
In a path, ``*`` and ``$`` are the literal characters, compared as ``%2A`` and ``%24`` (§2.2.3); in a
pattern they are wildcard and end anchor (a ``$`` other than the last character is a literal ``%24``).

Matching splits a pattern on ``*`` and finds the pieces left to right, each at its earliest place. For
patterns whose only wildcard is ``*`` this is exact, and it takes time linear in the path per piece:
no backtracking, whatever a site writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Anything but unreserved and reserved characters, plus every %xx and lone %, needs looking at.
_TOUCH = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~:/?#\[\]@!&'()+,;=]")
_STARS = re.compile(r"\*+")


def _fix(m: re.Match[str], wildcards: bool) -> str:
    s = m.group()
    if len(s) == 3:  # an escape
        ch = chr(int(s[1:], 16))
        return ch if ch in _UNRESERVED else s.upper()
    if s == "*" and wildcards:
        return s
    return "".join(f"%{b:02X}" for b in s.encode("utf-8", "surrogatepass"))


def _canon(text: str, wildcards: bool) -> str:
    return _TOUCH.sub(lambda m: _fix(m, wildcards), text)


def path_of(url: str) -> str:
    """The path, params and query of a URL (``/`` if none), fragment dropped, as robots.txt matches it.

    A bare ``?`` is kept (``/a?`` is not ``/a``). A string without ``://`` is taken as a path already.
    """
    url = url.partition("#")[0]
    if "://" in url:
        rest = url.split("://", 1)[1]
        starts = [i for i in (rest.find("/"), rest.find("?"), rest.find(";")) if i >= 0]
        url = rest[min(starts):] if starts else "/"
    return url if url.startswith("/") else "/" + url


@lru_cache(maxsize=8192)
def normalize_path(url_or_path: str) -> str:
    """The normalised path (with query) of a URL or path, ready for :meth:`PathPattern.matches`."""
    return _canon(path_of(url_or_path), wildcards=False)


@dataclass(frozen=True)
class PathPattern:
    """A compiled pattern: the literal pieces between ``*``s, whether it ends at ``$``, and its length in octets."""

    text: str  # the pattern as normalised, with its `*`s and final `$`
    pieces: tuple[str, ...]
    anchored: bool
    length: int  # octets of the normalised pattern: what "longest match" compares (RFC 9309 §2.2.2)

    def matches(self, path: str) -> bool:
        """Whether a path normalised by :func:`normalize_path` matches, from its first octet."""
        pieces, first = self.pieces, self.pieces[0]
        if not path.startswith(first):
            return False
        if len(pieces) == 1:
            return not self.anchored or len(path) == len(first)
        pos, end, last = len(first), len(path), pieces[-1]
        if self.anchored:
            end -= len(last)
            if end < pos or not path.endswith(last):
                return False
        for piece in pieces[1:-1]:
            found = path.find(piece, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
        return self.anchored or path.find(last, pos) >= 0


@lru_cache(maxsize=8192)
def compile_pattern(pattern: str) -> PathPattern:
    """Compile a robots-syntax pattern. One not starting with ``/`` or ``*`` matches nothing (as Google)."""
    anchored = pattern.endswith("$")
    text = _canon(pattern[:-1] if anchored else pattern, wildcards=True)
    pieces = tuple(_STARS.sub("*", text).split("*"))
    text += "$" if anchored else ""
    return PathPattern(text, pieces, anchored, len(text))


def matches(pattern: str, url_or_path: str) -> bool:
    """Whether a URL or path matches a robots-syntax pattern."""
    return compile_pattern(pattern).matches(normalize_path(url_or_path))
