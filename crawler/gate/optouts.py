"""Opt-outs known before a fetch, for our purpose: robots.txt's Content-Signal / Content-Usage lines, the site's
terms of service (``--terms discover``), tdmrep.json and ai.txt; weighed by crawler.decide.optout.decide.

Files are read only while nothing has refused yet; the signals stay on the request's state for the page
verdict and for ``civilcrawl check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.decide.optout import Signal, decide
from crawler.decide.optout.aitxt import aitxt_signal
from crawler.decide.optout.robots_lines import signals_from_robots
from crawler.decide.optout.tdmrep import tdm_signal
from crawler.decide.refusal import Refusal
from crawler.decide.robots import PARSED
from crawler.decide.terms.decide import decide_terms
from crawler.gate.reads import AITXT, TDMREP
from crawler.gate.state import RequestState

if TYPE_CHECKING:
    from scrapy import Request

    from crawler.decide.policy import Policy
    from crawler.decide.robots import RobotsRecord
    from crawler.gate.pacing import Pacing
    from crawler.gate.reads import DecisionReads


class OptOuts:
    """The gate's step for opt-out signals and terms before a request leaves."""

    def __init__(self, reads: DecisionReads, pacing: Pacing, token: str, purpose: str, art3: bool, terms_mode: str):
        self.reads, self.pacing, self.token = reads, pacing, token
        self.purpose, self.art3, self.terms_mode = purpose, art3, terms_mode

    async def refusal(self, request: Request, host: str, url_origin: str, record: RobotsRecord,
                      policy: Policy | None) -> Refusal | None:
        """Why the signals or terms known before fetching refuse ``request``, or None."""
        state = RequestState.of(request)
        signals: list[Signal] = []
        if record.kind == PARSED:
            signals = state.signals = signals_from_robots(record.body, self.token, request.url)
            if refusal := self.weigh(signals):
                return refusal  # refused already: read no more files
        if refusal := await self.terms(host, url_origin, policy):
            return refusal
        path = "/" + request.url.split("://", 1)[1].partition("/")[2]
        if self.purpose in ("research", "ai-train"):
            rules = await self.reads.file(url_origin, TDMREP)
            if rules and (sig := tdm_signal(path, rules)) is not None:
                signals.append(sig)
        if self.purpose == "ai-train":
            aitxt = await self.reads.file(url_origin, AITXT)
            if aitxt is not None and (sig := aitxt_signal(aitxt, self.token, request.url)) is not None:
                signals.append(sig)
        state.signals = signals
        if refusal := self.weigh(signals):
            return refusal
        state.robot_signals = [s for s in signals if s.source.startswith("robots")]
        return None

    def weigh(self, signals: list[Signal]) -> Refusal | None:
        """The refusal the signals amount to for our purpose, or None."""
        if signals and not (decision := decide(signals, self.purpose, art3=self.art3)).allowed:
            return Refusal(decision.reason or "purpose", decision.detail)
        return None

    async def terms(self, host: str, url_origin: str, policy: Policy | None) -> Refusal | None:
        """``--terms discover``: the site's own terms refuse it, or set a gap its crawl keeps (a reviewed policy
        file stands for its terms)."""
        if self.terms_mode != "discover" or (policy and policy.terms and policy.terms.reviewed_on):
            return None
        terms = await self.reads.terms(url_origin)
        decision = decide_terms(terms, self.purpose, policy)
        if not decision.allowed:
            self.reads.forget_home(url_origin)  # nothing from a refused site is kept
            return Refusal("tos", decision.detail)
        if decision.gap is not None:
            self.pacing.terms_gap(host, url_origin, decision.gap, f"terms of service ({terms.url})")
        return None
