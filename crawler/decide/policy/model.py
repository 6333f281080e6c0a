"""Site policies as immutable values, and the set that picks the one governing a host.

Layering: folders are given in order (bundled first); a later file for the same ``site`` (or alias)
**replaces the earlier file whole** — no field-wise merge, so the file you read is the policy that
applies, and ``policy show`` names it. A replacing file, or a file for a subdomain, that relaxes
``automated_access: forbidden`` must carry a ``permission`` block (a subdomain file may instead
carry its own reviewed ``terms``); otherwise loading fails.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.decide.pathpattern import PathPattern, compile_pattern, normalize_path
from crawler.decide.policy.errors import PolicyError, Problem
from crawler.net.urls import split_origin

ACCESS = ("allowed", "forbidden", "conditional", "unknown")


def normalize_host(host: str) -> str:
    """Lower-case, without trailing dot or IPv6 brackets, IDNA-encoded."""
    host = host.strip().rstrip(".").lower().strip("[]")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def split_site(site: str) -> tuple[str, int | None]:
    """``"example.org:8080"`` -> ``("example.org", 8080)``; IPv6 literals keep their colons."""
    if site.count(":") == 1:
        host, port = site.rsplit(":", 1)
        return normalize_host(host), int(port)
    if site.startswith("[") and "]:" in site:
        host, port = site[1:].split("]:", 1)
        return normalize_host(host), int(port)
    return normalize_host(site), None


def candidate_keys(host: str, port: int | None = None) -> list[str]:
    """Policy keys that may govern ``host[:port]``, most specific first."""
    host = normalize_host(host)
    names = [host] if _is_ip(host) else [".".join(host.split(".")[i:]) for i in range(host.count(".") + 1)]
    names = names[:1] + [n for n in names[1:] if not _is_ip(n)]  # "1.192.0.2.10" is no subdomain of an IP
    keys: list[str] = []
    for name in names:
        if port is not None:
            keys.append(f"{name}:{port}")
        keys.append(name)
    return keys


@dataclass(frozen=True)
class Rule:
    """A path pattern in robots.txt syntax (``*`` any run, trailing ``$`` end), and where it was written."""

    pattern: str
    allow: bool
    source: str
    compiled: PathPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", compile_pattern(self.pattern))

    def matches(self, path: str) -> bool:
        """Whether a path normalised by :func:`crawler.decide.pathpattern.normalize_path` matches."""
        return self.compiled.matches(path)


@dataclass(frozen=True)
class Window:
    """Daily crawl hours in a time zone; ``end`` at or before ``start`` crosses midnight."""

    start: time
    end: time | None  # None stands for 24:00
    tz: str

    @classmethod
    def parse(cls, hours: str, tz: str) -> Window:
        a, b = hours.split("-")
        end = None if b == "24:00" else time.fromisoformat(b)
        return cls(time.fromisoformat(a), end, tz)

    @property
    def hours(self) -> str:
        """The hours as a policy file writes them: ``22:00-06:00``."""
        end = "24:00" if self.end is None else self.end.isoformat("minutes")
        return f"{self.start.isoformat('minutes')}-{end}"

    def contains(self, now: datetime) -> bool:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware, e.g. datetime.now(timezone.utc)")
        t = now.astimezone(ZoneInfo(self.tz)).time().replace(tzinfo=None)
        if self.end is None:
            return t >= self.start
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def next_open(self, now: datetime) -> datetime:
        """``now`` if inside the window, else the next moment the window opens (in the window's tz)."""
        if self.contains(now):
            return now
        local = now.astimezone(ZoneInfo(self.tz))
        opens = datetime.combine(local.date(), self.start, tzinfo=local.tzinfo)
        return opens if opens > local else datetime.combine(local.date() + timedelta(days=1), self.start, tzinfo=local.tzinfo)


@dataclass(frozen=True)
class Terms:
    url: str | None
    automated_access: str
    quote: str | None = None
    note: str | None = None
    reviewed_on: date | None = None
    reviewed_by: str | None = None


@dataclass(frozen=True)
class Permission:
    granted_by: str
    on: date
    reference: str | None = None


@dataclass(frozen=True)
class Policy:
    """One validated policy file. Build with ``loader.load_file``; ``lines`` maps dotted fields to lines."""

    site: str
    source: str
    aliases: tuple[str, ...] = ()
    terms: Terms | None = None
    allow: tuple[Rule, ...] = ()
    deny: tuple[Rule, ...] = ()
    min_delay: float | None = None
    requests_per_minute: float | None = None
    concurrency: int | None = None
    max_pages: int | None = None
    max_depth: int | None = None
    window: Window | None = None
    images_collect: bool | None = None
    purposes: Mapping[str, str] = field(default_factory=dict, hash=False)
    permission: Permission | None = None
    shadows: tuple[str, ...] = ()  # files this one replaced, earliest first
    lines: Mapping[str, int] = field(default_factory=dict, hash=False, compare=False, repr=False)
    data: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str, lines: Mapping[str, int] | None = None) -> Policy:
        """Build from a document already validated against schema.json (dates as ISO strings)."""
        lines = dict(lines or {})

        def where(key: str) -> str:
            return f"{source}:{lines.get(key, 1)}"

        t, c = data.get("terms"), data.get("crawl", {})
        terms = None
        if t:
            rev = t.get("reviewed") or {}
            terms = Terms(t.get("url"), t["automated_access"], t.get("quote"), t.get("note"),
                          date.fromisoformat(rev["on"]) if rev else None, rev.get("by"))
        rules = {kind: tuple(Rule(p, kind == "allow", where(f"crawl.{kind}[{i}]")) for i, p in enumerate(c.get(kind, ())))
                 for kind in ("allow", "deny")}
        win = c.get("window")
        perm = data.get("permission")
        return cls(
            site=normalize_host(data["site"]),
            source=source,
            aliases=tuple(normalize_host(a) for a in data.get("aliases", ())),
            terms=terms,
            allow=rules["allow"],
            deny=rules["deny"],
            min_delay=c.get("min_delay"),
            requests_per_minute=c.get("requests_per_minute"),
            concurrency=c.get("concurrency"),
            max_pages=c.get("max_pages"),
            max_depth=c.get("max_depth"),
            window=Window.parse(win["hours"], win["tz"]) if win else None,
            images_collect=(data.get("images") or {}).get("collect"),
            purposes=MappingProxyType(dict(data.get("purposes") or {})),
            permission=Permission(perm["granted_by"], date.fromisoformat(perm["on"]), perm.get("reference")) if perm else None,
            lines=MappingProxyType(lines),
            data=MappingProxyType(dict(data)),
        )

    def where(self, dotted: str) -> str:
        """``file:line`` of a field (or of its nearest written parent)."""
        key = dotted
        while key and key not in self.lines:
            key = key.rpartition(".")[0]
        return f"{self.source}:{self.lines.get(key, 1)}"

    @property
    def automated_access(self) -> str:
        return self.terms.automated_access if self.terms else "unknown"

    @property
    def forbidden(self) -> bool:
        """The terms forbid automated access: no request at all to this site (audit reason ``tos``)."""
        return self.automated_access == "forbidden"

    def path_rule(self, path: str) -> tuple[bool, str | None, str | None]:
        """(allowed, matching pattern or None, ``file:line`` or None) for a path (with its query).

        Longest pattern wins; on a tie ``deny`` wins. A non-empty ``crawl.allow`` is an allow-list:
        a path it does not match is refused (pattern None, source = ``crawl.allow``). A forbidden
        site refuses every path (source = ``terms.automated_access``).
        """
        if self.forbidden:
            return False, None, self.where("terms.automated_access")
        path = normalize_path(path)
        best: Rule | None = None
        for rule in self.deny + self.allow:  # deny first, so max-by-length keeps deny on ties
            if rule.matches(path) and (best is None or rule.compiled.length > best.compiled.length):
                best = rule
        if best is not None:
            return best.allow, best.pattern, best.source
        if self.allow:
            return False, None, self.where("crawl.allow")
        return True, None, None

    def min_gap(self) -> float | None:
        """Seconds between two requests that this policy asks for, or None if it says nothing."""
        gaps = [g for g in (self.min_delay, 60.0 / self.requests_per_minute if self.requests_per_minute else None) if g is not None]
        return max(gaps) if gaps else None

    def in_window(self, now: datetime) -> bool:
        """Whether ``now`` (timezone-aware) is inside the crawl window; True without a window."""
        return self.window is None or self.window.contains(now)

    def next_window(self, now: datetime) -> datetime | None:
        """When crawling may (re)start: ``now`` if inside the window, None without a window."""
        return self.window.next_open(now) if self.window else None

    def purpose_allowed(self, purpose: str) -> bool | None:
        """True/False if the policy says so, None if it is silent; a forbidden site allows no purpose."""
        if self.forbidden:
            return False
        verdict = self.purposes.get(purpose)
        return None if verdict is None else verdict == "allowed"

    def images_allowed(self) -> bool:
        """False if ``images.collect: false``. True never lifts the personal-image refusal."""
        return self.images_collect is not False

    def to_dict(self) -> dict[str, Any]:
        """The document as written, plus where it came from (for ``policy show`` and audit details)."""
        return {"source": self.source, "shadows": list(self.shadows), **self.data}


class PolicySet:
    """Policies from several folders in order; ``for_host`` returns the one governing a host."""

    def __init__(self, layers: Iterable[Iterable[Policy]] = ()):
        self._by_key: dict[str, Policy] = {}
        self._by_url: dict[str, Policy | None] = {}
        problems: list[Problem] = []
        for layer in layers:
            seen: dict[str, Policy] = {}
            for policy in layer:
                keys = (policy.site, *policy.aliases)
                earlier = []
                for key in keys:
                    if key in seen and seen[key] is not policy:
                        problems.append(Problem(policy.source, policy.lines.get("site", 1), "site",
                                                f"{key} is already governed by {seen[key].where('site')} in the same folder — merge the two files or remove one"))
                    seen[key] = policy
                    if key in self._by_key and self._by_key[key] not in earlier:
                        earlier.append(self._by_key[key])
                for old in earlier:
                    problems += _relaxes(policy, old, "an earlier file for the same site")
                policy = replace(policy, shadows=tuple(s for old in earlier for s in (*old.shadows, old.source)))
                for key in keys:
                    self._by_key[key] = policy
        for key, policy in self._by_key.items():
            parent = next((p for k in candidate_keys(*split_site(key))[1:] if (p := self._by_key.get(k)) and p is not policy), None)
            if parent and not (policy.terms and policy.terms.reviewed_on):
                problems += _relaxes(policy, parent, f"the policy for a parent domain, {parent.site}")
        if problems:
            raise PolicyError(problems)

    def for_url(self, url: str) -> Policy | None:
        """The policy for ``url``'s host and port (as :meth:`for_host`), remembered per host and port."""
        parts = urlsplit(url)
        _, host, port = split_origin(url)
        key = f"{host}:{port}"
        if key not in self._by_url:
            self._by_url[key] = self.for_host(host, port if parts.port is not None else None)
        return self._by_url[key]

    def for_host(self, host: str, port: int | None = None) -> Policy | None:
        """The most specific policy for ``host`` (``port``: the URL's explicit port, None for the default)."""
        if port is None and host.count(":") == 1:
            host, port = split_site(host)
        return next((self._by_key[k] for k in candidate_keys(host, port) if k in self._by_key), None)

    def __iter__(self) -> Iterator[Policy]:
        """Each effective policy once, sorted by site."""
        unique = {id(p): p for p in self._by_key.values()}
        return iter(sorted(unique.values(), key=lambda p: p.site))

    def __len__(self) -> int:
        return len({id(p) for p in self._by_key.values()})


def _relaxes(new: Policy, old: Policy, what: str) -> list[Problem]:
    if not old.forbidden or new.forbidden or new.permission is not None:
        return []
    line = new.lines.get("terms.automated_access", new.lines.get("site", 1))
    return [Problem(new.source, line, "terms.automated_access",
                    f"relaxes automated_access: forbidden set by {old.where('terms.automated_access')} ({what}) — "
                    "add a permission block (granted_by, on, reference) recording the site's written permission, or say forbidden too")]
