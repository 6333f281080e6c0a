"""What the gate does with a site's terms verdict, for the crawl's declared purpose.

- ``forbidden``: the site is refused.
- ``conditional``: every condition must be met, or the site is refused naming the unmet ones:
  a rate is met by pacing at it; robots.txt compliance always is (the gate obeys robots.txt anyway);
  research-only is met with ``--purpose research``; an AI-training ban with any purpose but ``ai-train``;
  permission/licence, API-only and search-engines-only are met only by a policy file for the site that
  records the site's permission (a ``permission`` block).
- ``none`` and ``unknown``: nothing to refuse (an unknown verdict is recorded as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.decide.terms.conditions import Condition
from crawler.decide.terms.finder import TermsResult


@dataclass(frozen=True)
class TermsDecision:
    """Whether the terms let the crawl in, why (for the audit record), and the pace a rate condition asks for."""

    allowed: bool
    detail: str
    gap: float | None = None


def met(condition: Condition, purpose: str, policy: Any = None) -> tuple[bool, str]:
    """(met, how) for one condition and the crawl's purpose; ``policy`` is the site's policy file, if any."""
    kind = condition.kind
    if kind == "rate":
        return True, f"paced at one request every {condition.gap:g} s"
    if kind == "robots":
        return True, "robots.txt is obeyed"
    if kind == "research":
        return purpose == "research", f"purpose {purpose}" + ("" if purpose == "research" else " is not research")
    if kind == "ai-train":
        return purpose != "ai-train", f"purpose {purpose}" + (" is AI training" if purpose == "ai-train" else "")
    permission = getattr(policy, "permission", None)
    if permission is not None:
        return True, f"permission granted by {permission.granted_by} on {permission.on} ({policy.where('permission')})"
    return False, "no policy file records the site's permission"


def decide_terms(result: TermsResult, purpose: str, policy: Any = None) -> TermsDecision:
    """The gate's decision from a terms verdict and the declared purpose."""
    verdict = result.verdict
    if verdict.verdict == "forbidden":
        return TermsDecision(False, result.describe())
    if verdict.verdict != "conditional":
        return TermsDecision(True, result.describe())
    unmet: list[str] = []
    notes: list[str] = []
    gap = None
    for condition in verdict.conditions:
        ok, how = met(condition, purpose, policy)
        (notes if ok else unmet).append(f"{condition.describe()}: {how}")
        if ok and condition.kind == "rate":
            gap = max(gap or 0.0, condition.gap or 0.0)
    if unmet:
        return TermsDecision(False, f"{result.describe()}; condition not met: {'; '.join(unmet)}")
    return TermsDecision(True, f"{result.describe()}; conditions met: {'; '.join(notes)}", gap)
