"""The gate's decisions before any request exists: links and sitemap entries, the images a page shows, and the
final records of URLs never requested (a nofollow-only link, a duplicate, a redirect not followed).

A spider and the gate's other components ask here (``gate.admission``); every refusal is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.audit import log as A
from crawler.decide.robots import PARSED
from crawler.decide.scope import Scope, scope_refusal
from crawler.images.context import personal_context
from crawler.net.urls import BadURL, host_or_blank, origin, split_origin
from crawler.page import sitemaps

if TYPE_CHECKING:
    from crawler.audit.log import AuditLog
    from crawler.decide.policy import PolicySet
    from crawler.gate.budget import Budgets
    from crawler.gate.reads import DecisionReads
    from crawler.page.inspect import PageVerdict


class Admission:
    """Links, sitemap entries and images admitted (or recorded and dropped) before they are requested."""

    def __init__(self, audit: AuditLog, budgets: Budgets, policies: PolicySet, reads: DecisionReads, *,
                 max_depth: int | None, purpose: str, max_bytes: int):
        self.audit, self.budgets, self.policies, self.reads = audit, budgets, policies, reads
        self.max_depth, self.purpose, self.max_bytes = max_depth, purpose, max_bytes

    def link(self, url: str, *, depth: int, scope: Scope | None = None, via: str | None = None) -> bool:
        """Decide on a discovered URL: bad, off-site, too deep or over budget URLs are recorded and dropped.

        ``via`` names how it was found when not by a link (``sitemap``); its records say so.
        """
        try:
            _, host, _ = split_origin(url)
            url_origin = origin(url)
        except BadURL as exc:
            self.audit.record(url, "", A.REFUSED, "bad-url", str(exc), via=via)
            return False
        refusal = scope_refusal(scope, url, url_origin, depth, self.max_depth) or self.budgets.crawl_refusal()
        if refusal is not None:
            self.audit.record(url, host, A.SKIPPED, refusal.reason, refusal.detail, via=via)
            return False
        return True

    def image(self, url: str, attrs: dict[str, str], page: str, verdict: PageVerdict) -> bool:
        """Decide on an image a page shows, before any request: the page's directives, the site's policy,
        and markup or a URL that says "a person" (refused unseen). Refusals are recorded."""
        policy = self.policies.for_url(page)
        why_not = "noimageindex" if not verdict.images_allowed else (
            "policy" if policy is not None and not policy.images_allowed() else None)
        if why_not:
            self.unfetched(url, why_not, f"no images from {page}", A.SKIPPED)
        elif why := personal_context(url, attrs):
            self.unfetched(url, "personal-image", f"{why}; not fetched")
        return why_not is None and why is None

    def unfetched(self, url: str, reason: str, detail: str, decision: str = A.REFUSED) -> None:
        """The final record of a URL decided without any request."""
        self.audit.record(url, host_or_blank(url), decision, reason, detail)

    def robots_sitemaps(self, site: str) -> list[str]:
        """The sitemaps the origin's robots.txt lists, as already read ([] if none or not read)."""
        record = self.reads.robots_known(site)
        return sitemaps.from_robots(record.body) if record is not None and record.kind == PARSED else []

    def text_limit(self, verdict: PageVerdict) -> int | None:
        """Characters of a page's text an item keeps for our purpose (None: all)."""
        return verdict.text_limit(self.purpose)
