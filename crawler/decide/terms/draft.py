"""Draft a policy file from a terms verdict, for a person to review before it is relied on."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from crawler.decide.terms.clauses import TermsVerdict

_ACCESS = {"forbidden": "forbidden", "conditional": "conditional", "none": "unknown", "unknown": "unknown"}


def site_of(url: str) -> str:
    """The site a policy for ``url`` should govern: its host (``www.`` dropped) and explicit port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    return f"{host}:{parts.port}" if parts.port else host


def draft_policy(verdict: TermsVerdict, terms_url: str, *, today: date | None = None) -> str:
    """YAML text of a draft policy; ``terms.reviewed`` is left for the reviewer to fill in."""

    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar

    today = today or date.today()
    lines = [
        f"# DRAFT written by civilcrawl on {today.isoformat()} from {terms_url}",
        "# Read the terms yourself, fix what is wrong, then fill in terms.reviewed (on, by).",
        f"# civilcrawl's verdict: {verdict.verdict}"
        + (f"; conditions: {'; '.join(c.describe() for c in verdict.conditions)}" if verdict.conditions else ""),
        f"site: {site_of(terms_url)}",
        "terms:",
        f"  url: {q(terms_url)}",
        f"  automated_access: {_ACCESS.get(verdict.verdict, 'unknown')}",
    ]
    if verdict.quotes:
        lines.append(f"  quote: {q(' / '.join(verdict.quotes[:3]))}")
    lines.append("  # reviewed: {on: YYYY-MM-DD, by: \"your name\"}")
    if "ai-train" in verdict.kinds:
        lines += ["purposes:", "  ai-train: forbidden"]
    return "\n".join(lines) + "\n"


def write_draft(directory: str | Path, verdict: TermsVerdict, terms_url: str, *, today: date | None = None) -> Path:
    """Write ``<site>.yaml`` into ``directory``; refuse to overwrite an existing policy."""
    path = Path(directory) / f"{site_of(terms_url).replace(':', '_')}.yaml"
    if path.exists():
        raise FileExistsError(f"{path} already exists — review and edit it by hand, or move it away first")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(draft_policy(verdict, terms_url, today=today), "utf-8")
    return path
