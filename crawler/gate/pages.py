"""What the gate reads from an answer it let through: a page's directives and signals (one parse, kept for the
spider), or an image's verdict (judged in memory before anything else sees its bytes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.audit import log as A
from crawler.decide.optout.robots_lines import signals_from_robots
from crawler.decide.robots import PARSED
from crawler.gate.images import AUDIT_REASONS, ImageJudge
from crawler.gate.refusal import Refused
from crawler.gate.state import RequestState, image_verdict, set_image_verdict, set_page_verdict
from crawler.net.urls import origin
from crawler.page.bodies import decode as decode_body
from crawler.page.inspect import PageVerdict, inspect

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.audit.log import AuditLog
    from crawler.gate.reads import DecisionReads


class AnswerReader:
    """Pages read once for their directives and opt-outs; images judged, refused ones recorded and dropped."""

    def __init__(self, crawler: Crawler, audit: AuditLog, reads: DecisionReads, images: ImageJudge, *, token: str,
                 purpose: str, art3: bool):
        self.crawler, self.audit, self.reads, self.images = crawler, audit, reads, images
        self.token, self.purpose, self.art3 = token, purpose, art3

    def page(self, request: Request, response: Response) -> PageVerdict:
        """The page's directives and signals for our purpose (one parse), with robots.txt's and tdmrep.json's;
        kept for the spider (crawler.gate.state.page_verdict)."""
        url_origin = origin(request.url)
        state = RequestState.of(request)
        signals, state.robot_signals = state.robot_signals, None
        if signals is None:  # not checked before this answer (a replayed or reused page): read them now
            record = self.reads.robots_known(url_origin)
            signals = [s for s in signals_from_robots(record.body, self.token, request.url)
                       if s.source.startswith("robots")] if record and record.kind == PARSED else []
        verdict = inspect(response, token=self.token, purpose=self.purpose, art3=self.art3, robots_signals=signals,
                          tdm_rules=self.reads.tdm_rules(url_origin))
        set_page_verdict(request, verdict)
        return verdict

    def reuse(self, request: Request, host: str, response: Response) -> Response:
        """Serve a page already read for terms discovery (and counted in the budgets then) instead of fetching
        it again."""
        verdict = self.page(request, response)
        reason, detail = verdict.refusal() or ("ok", "")
        self.audit.record(request.url, host, A.FETCHED, reason, f"{detail}; read once for terms discovery".lstrip("; "),
                          status=response.status)
        return response.replace(request=request)

    def stored(self, request: Request, response: Response, max_bytes: int) -> Response:
        """The page verdict for a stored answer; the response as the spider must see it (Content-Encoding undone)."""
        try:
            response = decode_body(response, max_bytes)
        except ValueError:
            response = response.replace(body=b"")  # stored before it was refused: read nothing from it
        self.page(request, response)
        return response

    async def image(self, request: Request, response: Response, host: str, reason: str, detail: str) -> Response:
        """Refuse personal images before any other component sees their bytes; keep accepted ones stripped."""
        verdict = image_verdict(request) or await self.images.judge(response.body)  # judged at the wire
        timing = RequestState.of(request).timing()
        if not verdict.ok:
            why = AUDIT_REASONS.get(verdict.reason or "", "image-unchecked")
            self.audit.record(request.url, host, A.REFUSED, why, verdict.detail, status=response.status, **timing)
            self.crawler.stats.inc_value(f"civil/images/refused/{why}")
            raise Refused(why, verdict.detail)  # the response, and its bytes, go no further
        self.audit.record(request.url, host, A.FETCHED, reason, f"image accepted, metadata stripped; {detail}".rstrip("; "),
                          status=response.status, **timing)
        set_image_verdict(request, verdict)
        return response.replace(body=verdict.clean or b"")
