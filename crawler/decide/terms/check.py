"""The gate's terms-of-service check: read the site's terms (crawler.gate.reads), decide for the purpose, pace.

Mixed into :class:`crawler.gate.middleware.CivilGate`; the decision itself is crawler.decide.terms.decide.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request

from crawler.decide.terms.decide import decide_terms


class TermsCheck:
    """``--terms discover``: a site's own terms refuse it, or set conditions its crawl must meet."""

    async def check_terms(self, request: Request, host: str, url_origin: str, policy: Any) -> None:
        """Refuse the request (reason ``tos``) when the terms forbid it or a condition is not met; else pace."""
        if self.terms_mode != "discover" or (policy and policy.terms and policy.terms.reviewed_on):
            return  # a reviewed policy file is what the terms say
        terms = await self.terms_for(url_origin)
        decision = decide_terms(terms, self.purpose, policy)
        if not decision.allowed:
            self._prefetched.pop(url_origin + "/", None)  # nothing from a refused site is kept
            self._refuse(request, host, "tos", decision.detail)
        if decision.gap is not None:
            gaps = self._host_gaps.setdefault(host, {})
            if decision.gap > gaps.get(url_origin, (0.0, ""))[0]:
                gaps[url_origin] = (decision.gap, f"terms of service ({terms.url})")
                gap, source = max(gaps.values())
                self.politeness.set_gap(host, gap, source, self.politeness.state(host).concurrency)
