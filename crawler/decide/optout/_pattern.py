"""Path-scoped opt-out rules (robots.txt Content-Usage / Content-Signal): which rules apply to a path."""
from __future__ import annotations

from collections.abc import Sequence

from crawler.decide.pathpattern import compile_pattern, normalize_path

__all__ = ["lines_source", "select"]


def select(rules: Sequence[tuple[int, str]], path: str) -> list[tuple[int, str]]:
    """(line, expression) of the path-scoped rules with the longest matching path.

    A rule value is `[pattern WS] expression`; without a leading `/` or `*` pattern it applies to `/`.
    Rules tied on length all apply (AIPREF attach: identical paths combine, unlike Allow/Disallow).
    """
    out: list[tuple[int, str]] = []
    path, best = normalize_path(path), -1
    for line, value in rules:
        pattern, expr = (value.split(None, 1) + [""])[:2] if value.startswith(("/", "*")) else ("/", value)
        compiled = compile_pattern(pattern)
        if not compiled.matches(path):
            continue
        if compiled.length > best:
            best, out = compiled.length, []
        if compiled.length == best:
            out.append((line, expr))
    return out


def lines_source(chosen: list[tuple[int, str]]) -> str:
    """'robots.txt line 7' or 'robots.txt lines 7, 9'."""
    return "robots.txt line" + ("s " if len(chosen) > 1 else " ") + ", ".join(str(n) for n, _ in chosen)
