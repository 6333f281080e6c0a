"""Crawl scope: which discovered URLs belong to the crawl (``--scope``, ``--include``, ``--exclude``).

The gate asks :func:`out_of_scope` once per URL; a URL outside is recorded as skipped with reason ``scope``.
Modes, each relative to the seeds: ``origin`` (scheme, host and port: the default), ``host`` (the same host
name, any scheme or port), ``subdomains`` (the seed's host and every name under it), ``domain`` (the same
registrable domain, per the Public Suffix List: ``www.example.co.uk`` and ``shop.example.co.uk``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from crawler.decide.refusal import Refusal
from crawler.net.urls import BadURL, origin, split_origin

MODES = ("origin", "host", "subdomains", "domain")
DEFAULT_MODE = "origin"


@lru_cache(maxsize=1)
def _psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the list bundled with the package: nothing is downloaded


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """``shop.example.co.uk`` -> ``example.co.uk``; an address, or a name with no registrable part, stays itself."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return _psl().privatesuffix(host) or host


def compile_patterns(patterns: Iterable[str], option: str) -> list[re.Pattern[str]]:
    """Regular expressions for ``option`` (``--include``); raises ValueError naming the bad one."""
    out = []
    for text in patterns:
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise ValueError(f"{option} {text!r}: not a regular expression ({exc}); "
                             "quote it for the shell, and escape '.', '?' and '+' meant literally") from None
    return out


class Scope:
    """The seeds' part of the web for one ``mode``, narrowed by include/exclude regular expressions on URLs."""

    def __init__(self, seeds: Iterable[str] = (), mode: str = DEFAULT_MODE, include: Iterable[str] = (),
                 exclude: Iterable[str] = ()):
        if mode not in MODES:
            raise ValueError(f"scope {mode!r}: expected one of {', '.join(MODES)}")
        self.mode = mode
        self.include = compile_patterns(include, "--include")
        self.exclude = compile_patterns(exclude, "--exclude")
        self.keys: set[str] = set()
        self.seeds: set[str] = set()
        for url in seeds:
            try:
                self.add(url)
            except BadURL:
                continue  # recorded by the gate when the seed is admitted
            self.seeds.add(url)

    @classmethod
    def from_settings(cls, settings: Any, seeds: Iterable[str]) -> Scope:
        return cls(seeds, settings.get("CIVIL_SCOPE") or DEFAULT_MODE, settings.getlist("CIVIL_INCLUDE"),
                   settings.getlist("CIVIL_EXCLUDE"))

    def _key(self, url: str) -> str:
        if self.mode == "origin":
            return origin(url)
        host = split_origin(url)[1]
        return registrable_domain(host) if self.mode == "domain" else host

    def add(self, url: str) -> None:
        """Widen the scope to ``url``'s site (a seed, or where a seed redirected to)."""
        self.keys.add(self._key(url))

    def follow_seed(self, first: str, url: str) -> None:
        """A seed that redirects (``first`` -> ... -> ``url``) is crawled where it moved to."""
        if first in self.seeds and self.why_out(url) is not None:
            self.add(url)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self.why_out(url) is None

    def why_out(self, url: str) -> str | None:
        """Why ``url`` is outside the scope, or None if it is inside."""
        try:
            key = self._key(url)
        except BadURL as exc:
            return str(exc)
        if self.mode == "subdomains":
            inside = any(key == k or key.endswith("." + k) for k in self.keys)
        else:
            inside = key in self.keys
        if not inside:
            return f"outside {self.mode} scope {', '.join(sorted(self.keys))}"
        for pattern in self.exclude:
            if pattern.search(url):
                return f"matches --exclude {pattern.pattern!r}"
        if self.include and url not in self.seeds and not any(p.search(url) for p in self.include):
            return "matches no --include (" + ", ".join(repr(p.pattern) for p in self.include) + ")"
        return None


def out_of_scope(scope: Scope | set[str], url: str, url_origin: str) -> str | None:
    """Why ``url`` is outside ``scope`` (a Scope, or a plain set of origins as older spiders keep), or None."""
    if isinstance(scope, Scope):
        return scope.why_out(url)
    return None if url_origin in scope else f"outside {', '.join(sorted(scope))}"


def scope_refusal(scope: Scope | set[str] | None, url: str, url_origin: str, depth: int,
                  max_depth: int | None) -> Refusal | None:
    """Why ``url``, found ``depth`` links from a seed, is outside the crawl (its scope, ``--max-depth``), or None."""
    if scope is not None and (why := out_of_scope(scope, url, url_origin)):
        return Refusal("scope", why, True)
    if max_depth is not None and depth > max_depth:
        return Refusal("max-depth", f"depth {depth} > {max_depth}", True)
    return None
