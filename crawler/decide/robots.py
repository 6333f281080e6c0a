"""robots.txt as RFC 9309 says, failing closed.

One :class:`RobotsRecord` per origin (scheme + host + port). 2xx: the first 500 KiB are read by crawler/decide/robotstxt.py, as Google reads them
(Protego matches the rules).
3xx: up to five hops are followed, across hosts too; the rules apply to the original origin.
4xx other than 429: allow all. 429, 5xx and network errors: disallow all, retry after a bounded back-off,
or keep using the last good copy (up to 30 days), as RFC 9309 §2.3.1.4 and §2.4 allow.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from crawler.decide.robotsmatch import RequestRate
from crawler.decide.robotstxt import RobotsTxt, parse

logger = logging.getLogger(__name__)

PARSE_LIMIT = 500 * 1024
MAX_REDIRECTS = 5
CACHE_TTL = 24 * 3600.0
LAST_GOOD_MAX_AGE = 30 * 24 * 3600.0
MIN_RETRY, MAX_RETRY = 60.0, 24 * 3600.0

PARSED, ALLOW_ALL, UNREACHABLE = "parsed", "allow-all", "unreachable"

def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None if absent/garbage."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


@dataclass
class RobotsRecord:
    """What we know about one origin's robots.txt."""

    origin: str
    kind: str  # PARSED | ALLOW_ALL | UNREACHABLE
    fetched_at: float  # wall clock
    status: int | None = None
    detail: str = ""
    body: str = ""
    final_url: str = ""
    retry_at: float = 0.0  # wall clock; for UNREACHABLE
    failures: int = 0
    last_good: dict[str, Any] | None = None  # the previous PARSED/ALLOW_ALL record, as a dict
    _parsed: RobotsTxt | None = field(default=None, repr=False, compare=False)

    @property
    def parsed(self) -> RobotsTxt:
        """The body read as crawler/decide/robotstxt.py reads every robots.txt (empty unless PARSED)."""
        if self._parsed is None:
            self._parsed = parse(self.body if self.kind == PARSED else "")
        return self._parsed

    def fresh(self, now: float) -> bool:
        """Usable without a new fetch: good copies for 24 h, failures until their retry time."""
        if self.kind == UNREACHABLE:
            return now < self.retry_at
        return now - self.fetched_at < CACHE_TTL

    def effective(self, now: float) -> RobotsRecord:
        """The record whose rules apply: the last good copy stands in for an unreachable file (≤ 30 days)."""
        if self.kind == UNREACHABLE and self.last_good:
            good = RobotsRecord(**self.last_good)
            if now - good.fetched_at <= LAST_GOOD_MAX_AGE:
                return good
        return self

    def allows(self, url: str, token: str) -> bool:
        if self.kind == ALLOW_ALL:
            return True
        if self.kind == UNREACHABLE:
            return False
        return self.parsed.group(token).allows(url)

    def delays(self, token: str) -> tuple[float | None, float | None]:
        """(Crawl-delay, seconds per request from Request-rate) for our group, when given."""
        rate = self.request_rate(token)
        return self.parsed.group(token).crawl_delay(), rate.seconds / rate.requests if rate else None

    def request_rate(self, token: str) -> RequestRate | None:
        """Our group's Request-rate (the slowest, if several), or None."""
        return self.parsed.group(token).request_rate()

    @property
    def sitemaps(self) -> list[str]:
        return self.parsed.sitemaps

    def why_refused(self, url: str, token: str) -> str:
        """The audit detail of a refusal: the rule and its line, or why the file counts as disallow-all."""
        if self.kind != PARSED:
            return self.describe()
        r = robots_rule(self.body, token, url)
        where = f" ({self.final_url or self.origin + '/robots.txt'} line {r['line']}, group {r['group']})" if r["line"] else ""
        return f"{r['rule'] or 'disallowed'}{where}"

    def describe(self) -> str:
        where = f" via {self.final_url}" if self.final_url and not self.final_url.startswith(self.origin + "/") else ""
        return f"robots.txt {self.kind} ({self.detail}){where}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("_parsed", None)
        return d


def robots_text(body: bytes) -> str:
    """The part of a robots.txt body that is read (the first 500 KiB), as text."""
    return body[:PARSE_LIMIT].decode("utf-8-sig", errors="ignore")


def robots_sitemaps(body: bytes) -> list[str]:
    """The Sitemap URLs of a robots.txt body, read as every robots.txt is."""
    return parse(robots_text(body)).sitemaps


def record_from_response(origin: str, status: int, body: bytes, final_url: str, retry_after: float | None,
                         previous: RobotsRecord | None, now: float) -> RobotsRecord:
    """Apply the RFC 9309 status-code rules to a final (non-redirect) robots.txt answer."""
    if 200 <= status < 300:
        text = robots_text(body)
        cut = " (cut at 500 KiB)" if len(body) > PARSE_LIMIT else ""
        return RobotsRecord(origin, PARSED, now, status, f"HTTP {status}{cut}", text, final_url)
    if 400 <= status < 500 and status != 429:
        return RobotsRecord(origin, ALLOW_ALL, now, status, f"HTTP {status}: no robots.txt, all allowed", "", final_url)
    return unreachable(origin, f"HTTP {status}", previous, now, retry_after, status)


def unreachable(origin: str, detail: str, previous: RobotsRecord | None, now: float,
                retry_after: float | None = None, status: int | None = None) -> RobotsRecord:
    """A failed fetch: disallow all until a bounded, growing back-off (or Retry-After) has passed."""
    failures = (previous.failures + 1) if previous and previous.kind == UNREACHABLE else 1
    backoff = min(MAX_RETRY, MIN_RETRY * 2 ** (failures - 1))
    if retry_after is not None:
        backoff = min(MAX_RETRY, max(backoff, retry_after))
    last_good = None
    if previous is not None:
        last_good = previous.last_good if previous.kind == UNREACHABLE else previous.to_json()
    return RobotsRecord(origin, UNREACHABLE, now, status, detail, retry_at=now + backoff,
                        failures=failures, last_good=last_good)


def robots_rule(body: str, token: str, url: str) -> dict[str, Any]:
    """The group that applies to ``token`` and the Allow/Disallow line that decides ``url``, with its number."""
    group = parse(body).group(token)
    _, line = group.decide(url)
    name = {"ours": f"{token} (ours)", "*": "*", None: "none"}[group.whose]
    return {"group_lines": len(group.lines), "rule": f"{line.key.capitalize()}: {line.value}" if line else None,
            "line": line.number if line else None, "group": name}
