"""Robots-style path patterns (`*` any run, trailing `$` anchors), as RFC 9309 section 2.2.3."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence
from urllib.parse import quote, urlsplit

# Percent-encode only what robots.txt authors cannot type (non-ASCII, spaces) so both sides compare alike.
_SAFE = "".join(chr(c) for c in range(33, 127))


def normalize(path: str) -> str:
    """The path (and query) of a URL or path, with non-ASCII percent-encoded."""
    if "://" in path:
        parts = urlsplit(path)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return path if path.isascii() and " " not in path else quote(path, safe=_SAFE)


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = normalize(pattern)
    end = pattern.endswith("$")
    body = ".*".join(map(re.escape, (pattern[:-1] if end else pattern).split("*")))
    return re.compile(body + ("\\Z" if end else ""))


def matches(pattern: str, path: str) -> bool:
    """Whether a normalized path matches a robots-style pattern."""
    return _compile(pattern).match(path) is not None


def select(rules: Sequence[tuple[int, str]], path: str) -> list[tuple[int, str]]:
    """(line, expression) of the path-scoped rules with the longest matching path.

    A rule value is `[pattern WS] expression`; without a leading `/` or `*` pattern it applies to `/`.
    Rules tied on length all apply (AIPREF attach: identical paths combine, unlike Allow/Disallow).
    """
    path, best, out = normalize(path), -1, []
    for line, value in rules:
        pattern, expr = (value.split(None, 1) + [""])[:2] if value.startswith(("/", "*")) else ("/", value)
        if not matches(pattern, path):
            continue
        size = len(normalize(pattern))  # bytes of the encoded path, as RFC 9309
        if size > best:
            best, out = size, []
        if size == best:
            out.append((line, expr))
    return out


def lines_source(chosen: list[tuple[int, str]]) -> str:
    """'robots.txt line 7' or 'robots.txt lines 7, 9'."""
    return "robots.txt line" + ("s " if len(chosen) > 1 else " ") + ", ".join(str(n) for n, _ in chosen)
