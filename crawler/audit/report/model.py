"""What the report shows, computed from audit records alone (so an auditor can recompute every number)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

#: A gap may be this much shorter than allowed before it counts as too short (clock and rounding noise).
TOLERANCE = 0.005
IMAGE_REASONS = ("personal-image", "image-metadata")
_GAP_DETAIL = re.compile(r"gap ([0-9.]+) s from ([^;]+)")


def parse_ts(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class Request:
    """One request that left the crawler, with the gap since the previous one to the same host."""

    url: str
    started: float
    status: int | None
    reason: str
    allowed: float | None  # the gap this start was held to (None: not recorded)
    source: str  # where the allowed gap came from, when the record says
    gap: float | None = None  # since the previous start at this host

    @property
    def too_short(self) -> bool:
        return self.gap is not None and self.allowed is not None and self.gap < self.allowed - TOLERANCE


@dataclass
class Decision:
    """One audit record of a host, as its story lists it."""

    ts: float | None
    url: str
    decision: str
    reason: str
    detail: str
    status: int | None
    sent: bool  # a request left for this URL (the record has a start time)


@dataclass
class HostReport:
    """Everything about one host."""

    host: str
    story: list[Decision] = field(default_factory=list)  # every record, in log order
    decisions: Counter[str] = field(default_factory=Counter)  # fetched / refused / skipped
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: list[Request] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)  # what the robots.txt fetches said
    policy: Counter[str] = field(default_factory=Counter)  # refusals from policy files, terms, opt-outs
    images: Counter[str] = field(default_factory=Counter)

    @property
    def contacted(self) -> bool:
        """Did any request reach (or leave for) this host?"""
        return bool(self.requests)

    @property
    def gaps(self) -> list[Request]:
        return [r for r in self.requests if r.gap is not None]

    @property
    def too_short(self) -> int:
        return sum(r.too_short for r in self.requests)

    @property
    def min_gap(self) -> float | None:
        return min((r.gap for r in self.requests if r.gap is not None), default=None)

    @property
    def allowed_gap(self) -> float | None:
        return max((r.allowed for r in self.requests if r.allowed is not None), default=None)

    def robots_status(self) -> str:
        if self.robots:
            return self.robots[-1]
        if self.reasons.get(("refused", "robots-unavailable")):
            return "unavailable: nothing fetched (disallow all)"
        return "cached from an earlier run" if self.decisions.get("fetched") else "not fetched"

    def policy_status(self) -> str:
        """Refusals grouped as policy files (``policy``), terms of service (``tos``) and opt-out signals."""
        if not self.policy:
            return "no refusals"
        groups = {"policy files": self.policy.get("policy", 0), "terms of service": self.policy.get("tos", 0),
                  "opt-out signals": sum(n for r, n in self.policy.items() if r not in ("policy", "tos"))}
        return "; ".join(f"{label}: {n} refused" for label, n in groups.items() if n)


@dataclass
class Report:
    """The whole audit log, by decision, reason and host."""

    records: int = 0
    first: float | None = None
    last: float | None = None
    decisions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    hosts: dict[str, HostReport] = field(default_factory=dict)
    bad_lines: int = 0
    first_bad_line: int | None = None
    user_agents: list[str] = field(default_factory=list)  # as the log's process lines name them
    signature_agents: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    @property
    def images(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for h in self.hosts.values():
            total.update(h.images)
        return total


def _is_policy(reason: str) -> bool:
    """Refusals that come from policy files, terms of service or opt-out signals, not from robots.txt."""
    return reason not in {"robots", "robots-unavailable", "private-network", "offsite", "scope", "max-pages",
                          "max-depth", "too-large", "bad-url", "error", "retry-after", "interrupted", "max-time",
                          "stopped", *IMAGE_REASONS}


def analyse(records: Iterable[dict[str, Any]], bad_lines: int = 0) -> Report:
    """Aggregate audit records into a :class:`Report`."""
    rep = Report(bad_lines=bad_lines)
    for rec in records:
        rep.records += 1
        decision, reason, host = rec.get("decision", "?"), rec.get("reason", "?"), rec.get("host") or "(no host)"
        ts = parse_ts(rec.get("ts"))
        if ts is not None:
            rep.first = ts if rep.first is None else min(rep.first, ts)
            rep.last = ts if rep.last is None else max(rep.last, ts)
        rep.decisions[decision] += 1
        if decision == "refused":
            rep.refused[reason] += 1
        elif decision == "skipped":
            rep.skipped[reason] += 1
        for key, seen in (("user_agent", rep.user_agents), ("signature_agent", rep.signature_agents),
                          ("run", rep.runs)):
            if isinstance(rec.get(key), str) and rec[key] not in seen:
                seen.append(rec[key])
        h = rep.hosts.get(host) or rep.hosts.setdefault(host, HostReport(host))
        h.story.append(Decision(ts, rec.get("url", ""), decision, reason, str(rec.get("detail") or ""),
                                rec.get("status"), rec.get("started") is not None))
        h.decisions[decision] += 1
        h.reasons[(decision, reason)] += 1
        if reason in IMAGE_REASONS:
            h.images[reason] += 1
        elif decision in ("refused", "skipped") and _is_policy(reason):
            h.policy[reason] += 1
        if reason == "robots-txt":
            h.robots.append(_robots_line(rec))
        started = parse_ts(rec.get("started"))
        if started is not None:
            allowed, source = rec.get("gap"), ""
            if m := _GAP_DETAIL.search(rec.get("detail") or ""):
                allowed = allowed if allowed is not None else float(m.group(1))
                source = m.group(2).strip()
            h.requests.append(Request(rec.get("url", ""), started, rec.get("status"), reason,
                                      float(allowed) if allowed is not None else None, source))
            for when in rec.get("earlier") or []:  # attempts before a retry reached the server too
                if (t := parse_ts(when)) is not None:
                    h.requests.append(Request(rec.get("url", ""), t, None, "retried", None, "an earlier attempt"))
    for h in rep.hosts.values():
        h.requests.sort(key=lambda r: r.started)
        for a, b in pairwise(h.requests):
            b.gap = b.started - a.started
    return rep


def _robots_line(rec: dict[str, Any]) -> str:
    status = rec.get("status")
    if status is None:
        return f"fetch failed: {rec.get('detail', '')}"
    if 200 <= status < 300:
        return f"HTTP {status}: rules parsed and obeyed"
    if 400 <= status < 500 and status != 429:
        return f"HTTP {status}: no robots.txt, all allowed (RFC 9309)"
    if 300 <= status < 400:
        return f"HTTP {status}: redirect followed"
    return f"HTTP {status}: unavailable, nothing crawled (fail closed)"
