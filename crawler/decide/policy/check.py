"""What a site's policy file says about one request: its terms, window, paths, purposes, depth and page budget."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from crawler.decide.policy.model import Policy
from crawler.decide.refusal import Refusal


def policy_refusal(policy: Policy | None, url: str, depth: int, purpose: str, now: datetime, *,
                   require: str | None = None) -> Refusal | None:
    """Why ``policy`` refuses ``url``, or None. ``require`` names the option that requires a reviewed policy
    (``--terms require-policy``); without it, a site with no policy file is crawled by the other rules."""
    if policy is None:
        return Refusal("policy", f"no reviewed policy file for this site ({require})") if require else None
    if policy.forbidden:
        t = policy.terms
        quote = f': "{t.quote[:160]}"' if t and t.quote else ""
        return Refusal("tos", f"terms forbid automated access ({t.url if t else ''}; "
                              f"{policy.where('terms.automated_access')}){quote}")
    if require and not (policy.terms and policy.terms.reviewed_on):
        return Refusal("policy", f"{policy.source} has no reviewed terms ({require})")
    if policy.window is not None and not policy.in_window(now):
        w = policy.window
        return Refusal("policy", f"outside the crawl window {w.hours} {w.tz} ({policy.where('crawl.window')})", True)
    allowed, pattern, where = policy.path_rule(urlsplit(url).path or "/")
    if not allowed:
        rule = f"rule {pattern!r}" if pattern else "not in crawl.allow"
        return Refusal("policy", f"{rule} ({where})")
    if policy.purpose_allowed(purpose) is False:
        return Refusal("purpose", f"purpose {purpose} forbidden ({policy.where('purposes')})")
    if policy.max_depth is not None and depth > policy.max_depth:
        return Refusal("policy", f"depth {depth} > {policy.max_depth} ({policy.where('crawl.max_depth')})", True)
    return None


def site_budget_refusal(policy: Policy | None, pages: int) -> Refusal | None:
    """The policy's ``crawl.max_pages`` when ``pages`` of the site were fetched already, or None."""
    if policy is None or policy.max_pages is None or pages < policy.max_pages:
        return None
    return Refusal("policy", f"site budget of {policy.max_pages} pages used ({policy.where('crawl.max_pages')})", True)
