"""The site owner's check: did a crawler keep robots.txt, judged from the server's own access log.

Only what the log proves counts. A logged time ``t`` with resolution ``r`` means the event happened in
``[t, t + r)``, so two requests logged ``D`` apart were really less than ``D + r`` apart; a gap rule is
broken only when even that upper bound is below what the rule asks for. Crawl-delay ``d`` asks ``k·d``
seconds across any ``k`` gaps (so many requests inside one second break a 0.3 s delay even with 1 s
timestamps); Request-rate ``n/T`` asks that any ``n + 1`` requests span ``T``; after a 429 or 503 the
crawler waits Retry-After (when the log has it) or an assumed pause.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.audit.accesslog import Entry
from crawler.decide.robots import PARSED, RobotsRecord, retry_after_seconds, robots_rule

OK, BROKEN, NOT_JUDGED = "ok", "broken", "not judged"


@dataclass
class Rule:
    """One rule's verdict and the log lines that broke it."""

    name: str
    verdict: str
    summary: str
    offences: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.name, "verdict": self.verdict, "summary": self.summary, "offences": self.offences}


def token_matcher(token: str) -> re.Pattern[str]:
    """The product token as a whole word of the User-Agent (``civilcrawl/1.0``, not ``notcivilcrawler``)."""
    return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(token)}(?![A-Za-z0-9_-])", re.IGNORECASE)


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _offence(entries: Iterable[Entry], why: str) -> dict[str, Any]:
    return {"why": why, "lines": [{"line": e.line, "text": e.text} for e in entries]}


def check_disallow(reqs: list[Entry], record: RobotsRecord, token: str, base: str) -> Rule:
    """Requests for paths robots.txt disallows for ``token`` (robots.txt itself is always allowed)."""
    offences = []
    for e in reqs:
        if e.target.split("?", 1)[0] == "/robots.txt":
            continue
        url = base + e.target
        if not record.allows(url, token):
            rule = robots_rule(record.body, token, url)
            where = f" (robots.txt line {rule['line']}, group {rule['group']})" if rule.get("line") else ""
            offences.append(_offence([e], f"{e.target}: {rule.get('rule') or 'disallowed'}{where}"))
    n = len(reqs)
    summary = (f"{len(offences)} of {n} requests were for disallowed paths" if offences
               else f"none of {n} requests was for a disallowed path")
    return Rule("Disallow", BROKEN if offences else OK, summary, offences)


def check_gap(reqs: list[Entry], delay: float | None, label: str) -> Rule:
    """Crawl-delay (or any per-request gap): the most the log proves too short, segment by segment."""
    if not delay:
        return Rule(label, NOT_JUDGED, f"robots.txt gives no {label}")
    res = max((e.resolution for e in reqs), default=1.0)
    offences = []
    best, start = 0.0, 0  # Kadane over (delay - gap): a segment whose sum reaches res is proven too fast
    for j in range(1, len(reqs)):
        g = reqs[j].time - reqs[j - 1].time
        if best <= 0:
            best, start = 0.0, j - 1
        best += delay - g
        if best >= res - 1e-9:
            seg = reqs[start:j + 1]
            span = seg[-1].time - seg[0].time
            offences.append(_offence(seg, f"{len(seg)} requests logged {span:g} s apart first to last (so less than "
                                          f"{span + res:g} s really); {label} {delay:g} s asks at least "
                                          f"{(len(seg) - 1) * delay:g} s"))
            best, start = 0.0, j
    note = f"timestamps to {res:g} s, so only gaps the log proves shorter are counted"
    summary = (f"{len(offences)} runs of requests came faster than {label} {delay:g} s ({note})" if offences
               else f"no gap proven shorter than {label} {delay:g} s ({note})")
    return Rule(label, BROKEN if offences else OK, summary, offences)


def check_rate(reqs: list[Entry], rate: Any) -> Rule:
    """Request-rate n/T: any n + 1 requests must span at least T seconds."""
    if rate is None or not rate.requests:
        return Rule("Request-rate", NOT_JUDGED, "robots.txt gives no Request-rate")
    n, period = rate.requests, rate.seconds
    res = max((e.resolution for e in reqs), default=1.0)
    offences, i = [], 0
    while i + n < len(reqs):
        seg = reqs[i:i + n + 1]
        span = seg[-1].time - seg[0].time
        if span + res <= period + 1e-9:
            offences.append(_offence(seg, f"{n + 1} requests within less than {span + res:g} s; Request-rate "
                                          f"{n}/{period:g}s allows {n} per {period:g} s"))
            i += n + 1
        else:
            i += 1
    label = f"Request-rate {n}/{period:g}s"
    summary = (f"{len(offences)} windows held more requests than {label} allows" if offences
               else f"no window proven to hold more than {label} allows (timestamps to {res:g} s)")
    return Rule("Request-rate", BROKEN if offences else OK, summary, offences)


def check_backoff(reqs: list[Entry], assumed: float) -> Rule:
    """After a 429 or 503, the next request must wait Retry-After (if logged) or the assumed pause."""
    offences, answers, assumed_used = [], 0, False
    for k, e in enumerate(reqs):
        if e.status not in (429, 503):
            continue
        answers += 1
        if k + 1 == len(reqs):
            break  # nothing came after it
        wait = retry_after_seconds(e.retry_after, now=e.time) if e.retry_after else None
        source = f"Retry-After {e.retry_after}" if wait is not None else f"assumed pause {assumed:g} s"
        assumed_used |= wait is None
        wait = assumed if wait is None else wait
        nxt = reqs[k + 1]
        span = nxt.time - e.time
        if span + max(e.resolution, nxt.resolution) <= wait + 1e-9:
            offences.append(_offence([e, nxt], f"next request less than {span + max(e.resolution, nxt.resolution):g} s "
                                               f"after HTTP {e.status}; {source} asks {wait:g} s"))
    if not answers:
        return Rule("Back-off after 429/503", OK, "the server answered no request with 429 or 503")
    note = (f" (Retry-After is not in this log: a pause of {assumed:g} s is assumed, see --assume-backoff)"
            if assumed_used else " (the Retry-After the log has)")
    summary = (f"{len(offences)} of {answers} answers 429/503 were not waited out{note}" if offences
               else f"all {answers} answers 429/503 were waited out{note}")
    return Rule("Back-off after 429/503", BROKEN if offences else OK, summary, offences)


LAST_GOOD = 30 * 24 * 3600.0  # RFC 9309 §2.4: a cached copy may stand in for an unreachable robots.txt this long


def check_unreachable(reqs: list[Entry]) -> Rule:
    """After robots.txt answers 429 or 5xx, nothing else until it is read again, unless a good copy stands in."""
    offences, unsure, failures = [], [], 0
    last_good: float | None = None
    failed: Entry | None = None
    start = reqs[0].time if reqs else 0.0
    for e in reqs:
        if e.target.split("?", 1)[0] == "/robots.txt":
            if e.status == 429 or e.status >= 500:
                failures += 1
                failed = failed or e
            else:
                failed = None
                if 200 <= e.status < 300:
                    last_good = e.time
            continue
        if failed is None or e.time < failed.time:
            continue
        if last_good is not None and failed.time - last_good < LAST_GOOD:
            continue  # the copy read at last_good may stand in
        if last_good is None and failed.time - start < LAST_GOOD:
            unsure.append(_offence([failed, e], f"{e.target} requested after robots.txt answered HTTP {failed.status}; "
                                                "this log holds no good copy, one read before it began may stand in"))
            continue
        offences.append(_offence([failed, e], f"{e.target} requested after robots.txt answered HTTP {failed.status}, "
                                              "with no good copy from the last 30 days: RFC 9309 says disallow all"))
    name = "robots.txt unavailable"
    if offences:
        return Rule(name, BROKEN, f"{len(offences)} requests while robots.txt could not be read", offences)
    if unsure:
        return Rule(name, NOT_JUDGED, f"{len(unsure)} requests after robots.txt answered 429/5xx: allowed only if "
                                      "the crawler held a copy read less than 30 days before (not in this log)",
                    unsure)
    if failures:
        return Rule(name, OK, f"robots.txt answered 429/5xx {failures} times; nothing else was requested without "
                              "a good copy to stand in")
    return Rule(name, OK, "robots.txt never answered 429 or 5xx")


def verify(entries: list[Entry], record: RobotsRecord, token: str, *, assumed_backoff: float = 1.0,
           base: str = "http://site.invalid") -> dict[str, Any]:
    """Every rule's verdict for the requests whose User-Agent carries ``token``."""
    match = token_matcher(token)
    reqs = sorted((e for e in entries if match.search(e.user_agent)), key=lambda e: (e.time, e.line))
    if record.kind != PARSED:
        record = RobotsRecord(record.origin, record.kind, time.time(), record.status, record.detail)
    delay, per_request = record.delays(token)
    rate = record.request_rate(token)
    rules = [check_disallow(reqs, record, token, base), check_gap(reqs, delay, "Crawl-delay"),
             check_rate(reqs, rate), check_backoff(reqs, assumed_backoff), check_unreachable(reqs)]
    return {"token": token, "requests": len(reqs), "lines": len(entries),
            "user_agents": sorted({e.user_agent for e in reqs}),
            "first": _when(reqs[0].time) if reqs else None, "last": _when(reqs[-1].time) if reqs else None,
            "resolution": max((e.resolution for e in reqs), default=None),
            "rules": [r.to_json() for r in rules],
            "violations": sum(len(r.offences) for r in rules if r.verdict == BROKEN)}


def render(result: dict[str, Any], log: str, robots: str, fmt: str) -> str:
    """The verdict as text for a person."""
    res = result["resolution"]
    out = [f"log:        {log} ({fmt} format; {result['lines']} lines read)",
           f"robots.txt: {robots}",
           f"requests with '{result['token']}' in the User-Agent: {result['requests']}"
           + (f", {result['first']} to {result['last']}" if result["requests"] else "")]
    for ua in result["user_agents"][:5]:
        out.append(f"  User-Agent: {ua}")
    if res is not None:
        out.append(f"timestamps: to {res:g} s" + (" (nginx logs the time a request ended)" if fmt == "combined" else ""))
    for rule in result["rules"]:
        out.append(f"\n{rule['rule']}: {rule['verdict'].upper()} - {rule['summary']}")
        for off in rule["offences"]:
            out.append(f"  {off['why']}")
            out.extend(f"    line {ln['line']}: {ln['text']}" for ln in off["lines"])
    v = result["violations"]
    out.append(f"\n{v} violation{'s' if v != 1 else ''}" + (" (exit 1)" if v else ""))
    return "\n".join(out)
