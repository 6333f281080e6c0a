"""Render a :class:`~crawler.audit.report.model.Report` as one self-contained HTML page (inline CSS and SVG, no scripts).

Every number carries a ``data-*`` attribute naming what it counts, so tests (and auditors' scripts) can
read the rendered page back and compare it with the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from crawler.audit.report.model import IMAGE_REASONS, HostReport, Report

MAX_ROWS = 500  # request rows listed per host; the timeline always shows every request
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

#: What each reason means, for refusals (the crawler would not fetch or keep it: a rule said no) ...
REFUSED = {
    "robots": "robots.txt disallows the URL for our token: not fetched",
    "robots-unavailable": "robots.txt could not be read (5xx, 429, timeout, DNS): nothing is fetched from the "
                          "site until it can be (RFC 9309, fail closed)",
    "private-network": "the address is loopback, private or otherwise not public: the network guard refused to "
                       "connect",
    "too-large": "the answer was larger than the size cap: dropped while streaming, nothing kept",
    "bad-url": "not a crawlable URL (unparseable, bad port or host): nothing sent",
    "retry-after": "the host asked for a pause (Retry-After, 429/503) longer than the crawler waits: not fetched",
    "personal-image": "an image showing a person (or marked up as one): never stored",
    "image-metadata": "an image whose metadata identifies a person (GPS, serial numbers, owner): never stored",
    "image-unchecked": "an image that could not be decoded, checked or cleaned: refused (no check, no image)",
    "image-timeout": "an image whose check took longer than the time limit: refused (no check, no image)",
    "policy": "a site policy file (or its crawl window, depth or budget) forbids it",
    "tos": "the site's terms of service forbid automated access",
    "purpose": "an opt-out signal (robots.txt Content-Signal, TDMRep, ai.txt...) reserves it against this "
               "crawl's purpose",
    "ai-optout": "an opt-out signal reserves it against AI uses",
}
#: ... and for skips (not fetched this time for the crawl's own reasons: scope, limits, a stop).
SKIPPED = {
    "offsite": "outside the seeds' sites: not followed",
    "scope": "outside the crawl's scope (--scope, --include, --exclude): not followed",
    "max-pages": "the page budget (--max-pages) was used up: not fetched this run",
    "max-depth": "deeper than the link depth limit (--max-depth): not followed",
    "interrupted": "in flight when the previous process was killed; left to the next run (resume: skip)",
    "max-time": "still waiting when the time limit (--max-time) stopped the crawl: not sent",
    "stopped": "still waiting when the crawl stopped (a signal, a close-spider limit): not sent",
    "nofollow": "linked only with nofollow: not followed",
    "noimageindex": "an image of a page that says noimageindex: not fetched",
    "policy": "a site policy file's limits (depth, page budget, images): not fetched",
}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1d2327;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e3e6e8;padding-bottom:.2rem}
h3{margin-bottom:.3rem}.muted{color:#5f6b73}table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e3e6e8;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #e3e6e8;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}.ok{color:#1a7f37}.bad{color:#c62828}svg{display:block;max-width:100%}
details{margin:.4rem 0 1.2rem}summary{cursor:pointer;color:#0b57d0}code{font-size:.85em;word-break:break-all}
.legend span{display:inline-block;margin-right:1.2rem}
.story{max-height:22rem;overflow:auto;border:1px solid #e3e6e8;border-radius:6px}.story table{margin:0}
.story th{position:sticky;top:0;background:#f6f8f9}.host{border-top:1px solid #e3e6e8;margin-top:1.5rem}
code.nw{white-space:nowrap;word-break:normal}pre.cmd{background:#f6f8f9;padding:.4rem .6rem;border-radius:6px;white-space:pre-wrap;word-break:break-all;margin:.3rem 0}.sw{display:inline-block;width:.8rem;height:.8rem;
vertical-align:-1px;margin-right:.3rem;border-radius:2px}
"""


def render(rep: Report, *, title: str = "", source: str = "", chain: str = "") -> str:
    """The report page."""
    parts = [f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">'
             f"<title>{escape(title or 'civilcrawl report')}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title or 'What civilcrawl did')}</h1>",
             f'<p class="muted">From the audit log <code>{escape(source)}</code>: {_span(rep)}. '
             "Every number below is counted from that file.</p>"]
    if chain:
        parts.append(f'<p data-chain>{escape(chain)}</p>')
    parts.append(_overview(rep))
    parts.append(_reasons(rep))
    parts.append(_hosts(rep))
    parts.append(_images(rep))
    parts.append(_host_views(rep))
    parts.append('<p class="muted">Generated by civilcrawl report. Gaps are start-to-start times between requests '
                 "to one host, as the crawler stamped them; the allowed gap is the one the crawler held itself to "
                 "(the largest of --delay, Crawl-delay, Request-rate and back-off).</p></body></html>")
    return "".join(parts)


def _span(rep: Report) -> str:
    if rep.first is None:
        return "no timestamps"
    fmt = lambda t: datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")  # noqa: E731
    return f"{fmt(rep.first)} to {fmt(rep.last)}"


def _num(value: int | float, name: str, cls: str = "") -> str:
    return f'<span data-count="{escape(name)}" class="{cls}">{value}</span>'


def _overview(rep: Report) -> str:
    too_short = sum(h.too_short for h in rep.hosts.values())
    cards = [("records", rep.records, ""), ("fetched", rep.decisions.get("fetched", 0), ""),
             ("refused", rep.decisions.get("refused", 0), ""), ("skipped", rep.decisions.get("skipped", 0), ""),
             ("hosts", len(rep.hosts), ""), ("gaps-too-short", too_short, "bad" if too_short else "ok")]
    labels = {"gaps-too-short": "gaps shorter than allowed"}
    html = ['<h2>Overview</h2><div class="cards">']
    for name, value, cls in cards:
        html.append(f'<div class="card">{labels.get(name, name)}<b>{_num(value, name, cls)}</b></div>')
    html.append("</div>")
    if rep.bad_lines:
        html.append(f'<p class="bad">{_num(rep.bad_lines, "bad-lines")} lines of the file were not audit records '
                    "(not valid JSON, or no url and decision) and are not counted.</p>")
    return "".join(html)


def _reasons(rep: Report) -> str:
    html = ["<h2>Refusals by reason</h2>"]
    if not rep.refused and not rep.skipped:
        return html[0] + "<p>Nothing was refused or skipped.</p>"
    for decision, counts, meanings, intro in (
            ("refused", rep.refused, REFUSED, "Refused: a rule said no (robots.txt, the network guard, a policy, "
                                              "terms, an opt-out, a person in an image)."),
            ("skipped", rep.skipped, SKIPPED, "Skipped: not fetched for the crawl's own reasons (scope, limits, "
                                              "a stop); not a refusal by the site.")):
        html.append(f"<h3>{decision.capitalize()}</h3><p class=muted>{intro}</p>")
        if not counts:
            html.append(f"<p>Nothing was {decision}.</p>")
            continue
        html.append('<table><tr><th>reason</th><th>what it means</th><th class="n">URLs</th></tr>')
        for reason, n in counts.most_common():
            meaning = meanings.get(reason) or f"recorded as {decision} '{reason}': each record's detail says why"
            html.append(f"<tr><td><code>{escape(reason)}</code></td><td>{escape(meaning)}</td>"
                        f'<td class="n">{_num(n, f"{decision}:{reason}")}</td></tr>')
        html.append("</table>")
    return "".join(html)


def _hosts(rep: Report) -> str:
    contacted = [n for n in sorted(rep.hosts) if rep.hosts[n].contacted]
    quiet = [n for n in sorted(rep.hosts) if not rep.hosts[n].contacted]
    html = ['<h2>Hosts</h2><table><tr><th>host</th><th class="n">fetched</th><th class="n">refused</th>'
            '<th class="n">skipped</th><th>robots.txt</th><th>policy, terms, opt-outs</th>'
            '<th class="n">allowed gap</th><th class="n">shortest gap</th><th class="n">too short</th></tr>']
    for name in contacted:
        h = rep.hosts[name]
        n = lambda d, h=h, name=name: _num(h.decisions.get(d, 0), f"host:{name}:{d}")  # noqa: E731
        allowed = f"{h.allowed_gap:.3f} s" if h.allowed_gap is not None else "–"
        shortest = f"{h.min_gap:.3f} s" if h.min_gap is not None else "–"
        bad = h.too_short
        html.append(f'<tr><td><a href="#host-{escape(name)}"><code class=nw>{escape(name)}</code></a></td>'
                    f"<td class=n>{n('fetched')}</td>"
                    f"<td class=n>{n('refused')}</td><td class=n>{n('skipped')}</td>"
                    f"<td>{escape(h.robots_status())}</td><td>{escape(h.policy_status())}</td>"
                    f"<td class=n>{allowed}</td><td class=n>{shortest}</td>"
                    f'<td class=n>{_num(bad, f"host:{name}:too-short", "bad" if bad else "ok")}</td></tr>')
    html.append("</table>")
    if quiet:
        urls = sum(sum(rep.hosts[n].decisions.values()) for n in quiet)
        html.append(f'<details><summary>{_num(len(quiet), "hosts-not-contacted")} hosts never contacted '
                    f"({urls} URLs decided without a request: off-site links, refusals before any request)"
                    "</summary><p>")
        items = []
        for name in quiet:
            h = rep.hosts[name]
            why = ", ".join(f"{d} {r} {_num(c, f'host:{name}:{d}:{r}')}" for (d, r), c in sorted(h.reasons.items()))
            counts = "".join(f'<span hidden>{_num(c, f"host:{name}:{d}")}</span>' for d, c in h.decisions.items())
            items.append(f"<code>{escape(name)}</code> ({why}){counts}")
        html.append("; ".join(items) + "</p></details>")
    return "".join(html)


def _images(rep: Report) -> str:
    total = rep.images
    html = ["<h2>Personal images refused</h2>",
            "<p>Counts only: the images themselves were never stored.</p>",
            '<table><tr><th>host</th>' + "".join(f'<th class="n">{r}</th>' for r in IMAGE_REASONS) + "</tr>"]
    for name in sorted(rep.hosts):
        h = rep.hosts[name]
        if h.images:
            html.append(f"<tr><td><code>{escape(name)}</code></td>" + "".join(
                f'<td class="n">{_num(h.images.get(r, 0), f"images:{name}:{r}")}</td>' for r in IMAGE_REASONS) + "</tr>")
    html.append("<tr><th>all hosts</th>" + "".join(
        f'<th class="n">{_num(total.get(r, 0), f"images:{r}")}</th>' for r in IMAGE_REASONS) + "</tr></table>")
    return "".join(html)


def _host_views(rep: Report) -> str:
    """One screen per contacted host: who to grep for, how to check, the pace, and every decision."""
    html = ['<h2>Each host\'s story</h2><p class="legend">'
            '<span><i class="sw" style="background:#2e7d32"></i>gap at or above the allowed gap</span>'
            '<span><i class="sw" style="background:#c62828"></i>gap shorter than allowed</span>'
            '<span><i class="sw" style="background:#1565c0;height:2px"></i>allowed gap</span></p>']
    uas = rep.user_agents
    token = uas[0].split("/", 1)[0] if uas else "civilcrawl"
    for name in sorted(rep.hosts):
        h = rep.hosts[name]
        if not h.contacted:
            continue
        html.append(f'<section class="host" id="host-{escape(name)}"><h3><code>{escape(name)}</code> '
                    f'<span class="muted">{_num(len(h.requests), f"host:{name}:requests")} requests, '
                    f'{len(h.story)} decisions</span></h3>')
        if uas:
            html.append("<div>Your access log shows these requests with the User-Agent "
                        + " or ".join(f'<code data-ua="{escape(ua)}">{escape(ua)}</code>' for ua in uas)
                        + (f"; signed (Web Bot Auth) with <code>Signature-Agent: sig=&quot;{escape(rep.signature_agents[0])}"
                           "&quot;</code>" if rep.signature_agents else "") + ".</div>")
        else:
            html.append(f"<div>This log does not record the User-Agent (written before civilcrawl recorded it): "
                        f"look for the token <code>{escape(token)}</code>.</div>")
        html.append("<div>Check it on your own server (exit 0: nothing broken):</div>"
                    f'<pre class="cmd" data-verify="{escape(name)}">civilcrawl verify /var/log/nginx/access.log '
                    f"--robots /path/to/{escape(name)}/robots.txt --token {escape(token)}</pre>")
        html.append(_chart(h))
        html.append(_story(h))
        html.append("</section>")
    return "".join(html)


def _story(h: HostReport) -> str:
    """Every decision about the host in log order: time, decision, reason, the rule or detail, status, URL."""
    rows = h.story[:MAX_ROWS]
    html = ['<div class="story"><table><tr><th>time (UTC)</th><th>decision</th><th>reason</th>'
            '<th>rule / detail</th><th class="n">status</th><th>URL</th></tr>']
    for d in rows:
        when = datetime.fromtimestamp(d.ts, tz=UTC).strftime("%H:%M:%S.%f")[:-3] if d.ts else "–"
        cls = ' class="bad"' if d.decision == "refused" else ""
        sent = "" if d.sent or d.decision != "fetched" else " (stored answer)"
        html.append(f"<tr{cls}><td>{when}</td><td>{escape(d.decision)}{sent}</td><td><code>{escape(d.reason)}</code>"
                    f"</td><td>{escape(d.detail)}</td><td class=n>{d.status if d.status is not None else '–'}</td>"
                    f"<td><code>{escape(d.url)}</code></td></tr>")
    html.append("</table></div>")
    if len(h.story) > len(rows):
        html.append(f"<p class='muted'>{len(h.story) - len(rows)} more decisions not listed (the audit log has "
                    "them all).</p>")
    return "".join(html)


def _chart(h: HostReport, width: int = 1000, height: int = 160) -> str:
    """Requests on a time axis (ticks), and each gap as a bar against the allowed gap (a line)."""
    reqs = h.requests
    t0, t1 = reqs[0].started, reqs[-1].started
    span = max(t1 - t0, 1e-6)
    gaps = h.gaps
    # scale to the allowed gaps and the usual gaps, so one long pause (a restart, a Retry-After) does not flatten
    # the rest; taller bars are clipped and say so in their tooltip
    ordered = sorted(r.gap for r in gaps if r.gap is not None)
    usual = ordered[int(len(ordered) * 0.95)] if ordered else 0.0
    top = max([usual * 1.2] + [(r.allowed or 0) * 2 for r in gaps] + [1e-3])
    pad, axis = 40, 24
    plot = height - axis - 10
    x = lambda t: pad + (t - t0) / span * (width - pad - 10)  # noqa: E731
    y = lambda v: 10 + plot - min(v, top) / top * plot  # noqa: E731
    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="request gaps for {escape(h.host)}">',
           f'<line x1="{pad}" y1="{10 + plot}" x2="{width - 10}" y2="{10 + plot}" stroke="#9aa4ab"/>',
           f'<text x="2" y="16" font-size="11" fill="#5f6b73">{top:.2f} s</text>',
           f'<text x="2" y="{10 + plot}" font-size="11" fill="#5f6b73">0</text>',
           f'<text x="{pad}" y="{height - 4}" font-size="11" fill="#5f6b73">0 s</text>',
           f'<text x="{width - 10}" y="{height - 4}" font-size="11" fill="#5f6b73" text-anchor="end">{span:.1f} s</text>']
    bar = max(1.0, min(8.0, (width - pad) / max(len(reqs), 1) * 0.6))
    for r in gaps:
        colour = "#c62828" if r.too_short else "#2e7d32"
        out.append(f'<rect x="{x(r.started) - bar:.1f}" y="{y(r.gap):.1f}" width="{bar:.1f}" '
                   f'height="{10 + plot - y(r.gap):.1f}" fill="{colour}"><title>{r.gap:.3f} s (allowed '
                   f'{r.allowed if r.allowed is not None else "?"} s) before {escape(r.url)}</title></rect>')
        if r.allowed is not None:
            out.append(f'<line x1="{x(r.started) - bar - 1:.1f}" x2="{x(r.started) + 1:.1f}" y1="{y(r.allowed):.1f}" '
                       f'y2="{y(r.allowed):.1f}" stroke="#1565c0" stroke-width="2"/>')
    for r in reqs:
        out.append(f'<line x1="{x(r.started):.1f}" x2="{x(r.started):.1f}" y1="{10 + plot}" y2="{14 + plot}" '
                   'stroke="#37474f"/>')
    out.append("</svg>")
    return "".join(out)
