"""Why a URL would (not) be fetched: the gate's own checks, run dry, with the rules and lines behind them."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request

from crawler.decide.optout import decide
from crawler.decide.robots import PARSED, robots_rule
from crawler.gate.middleware import CivilGate
from crawler.gate.refusal import Refused
from crawler.gate.state import RequestState, state_meta
from crawler.net.urls import origin, split_origin


async def explain(gate: CivilGate, url: str) -> dict[str, Any]:
    """Run the gate's checks for ``url`` without fetching it, and say what decided."""
    out: dict[str, Any] = {"url": url, "purpose": gate.purpose, "token": gate.token}
    request = Request(url, meta={**state_meta(admitted=True), "depth": 0})
    _, host, _ = split_origin(url)
    url_origin = origin(url)
    policy = gate.policies.for_url(url)
    out["policy"] = None if policy is None else {
        "file": policy.source, "site": policy.site, "terms": policy.automated_access,
        "terms_url": policy.terms.url if policy.terms else None,
        "path_rule": dict(zip(("allowed", "rule", "where"), policy.path_rule(urlsplit(url).path or "/"), strict=True))}
    try:
        await gate.decide(request, host, url_origin)
        out["decision"], out["reason"], out["detail"] = "fetch", None, ""
    except Refused as exc:
        out["decision"], out["reason"], out["detail"] = "refuse", exc.reason, exc.detail
    record = gate.reads.robots_known(url_origin)
    if record is None and out["reason"] not in ("tos", "private-network", "bad-url", "robots-unavailable"):
        record = await gate.reads.robots(url_origin)  # refused before robots.txt was read: read it to explain
    if record is not None:
        eff = record.effective(time.time())
        gate.pacing.apply(host, url_origin, eff, policy, gate.token)
        out["robots"] = {"status": eff.describe(), "kind": eff.kind,
                         **(robots_rule(eff.body, gate.token, url) if eff.kind == PARSED else {})}
    if (pace := gate.pacing.host(host)) is not None:
        out["delay"] = dict(zip(("seconds", "source", "concurrency"), pace, strict=True))
    terms = gate.reads.terms_known(url_origin)
    out["terms_conditions"] = [{"kind": c.kind, "detail": c.detail} for c in terms.verdict.conditions] if terms else []
    out["terms"] = terms.describe() if terms else (
        f"policy: {policy.automated_access} ({policy.where('terms')})" if policy and policy.terms else
        "not checked (use --terms discover)")
    signals = RequestState.of(request).signals
    decision = decide(signals, gate.purpose, art3=gate.art3)
    out["signals"] = [{"signal": s.name, "value": s.value, "source": s.source, "effect": e} for s, e in decision.seen]
    return out


def render(info: dict[str, Any]) -> str:
    """The explanation as text for a person."""
    lines = [f"{info['url']}: {'WOULD BE FETCHED' if info['decision'] == 'fetch' else 'REFUSED'}"
             + (f" ({info['reason']}: {info['detail']})" if info["reason"] else ""),
             f"  purpose:   {info['purpose']} (token {info['token']})"]
    if r := info.get("robots"):
        rule = f"; rule '{r['rule']}' at line {r['line']}" if r.get("rule") else "; no rule matches"
        lines.append(f"  robots:    {r['status']}" + (f"; group {r['group']}{rule}" if r["kind"] == PARSED else ""))
    p = info.get("policy")
    lines.append(f"  policy:    {p['file']} (site {p['site']}, terms {p['terms']}); path: "
                 f"{'allowed' if p['path_rule']['allowed'] else 'denied'}"
                 + (f" by '{p['path_rule']['rule']}' ({p['path_rule']['where']})" if p["path_rule"]["rule"] else "")
                 if p else "  policy:    none for this site")
    lines.append(f"  terms:     {info['terms']}")
    if d := info.get("delay"):
        lines.append(f"  delay:     {d['seconds']:g} s between requests, from {d['source']}; {d['concurrency']} at a time")
    for s in info["signals"]:
        lines.append(f"  signal:    {s['signal']} {s['value']} ({s['source']}): {s['effect']}")
    if not info["signals"]:
        lines.append("  signals:   none seen")
    return "\n".join(lines)
