"""Two downloader middlewares around the gate that keep the journal in step with the wire.

:class:`ReplayMiddleware` (before the gate) answers a resumed request from the body stored at the
kill, so a page whose answer was already in is never fetched again, and drops requests for URLs this
run has finished. :class:`JournalMiddleware` (after the gate, next to the downloader) commits 'sent'
as the gate lets a request go and 'received' before the gate writes the audit record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.gate.middleware import CivilGate
from crawler.gate.redirects import redirect_target
from crawler.gate.refusal import Refused
from crawler.gate.retry import attempts
from crawler.gate.state import RequestState
from crawler.queue.journal import DONE, RECEIVED, Journal

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

REDIRECTS = {301, 302, 303, 307, 308}


class AlreadyHandled(Refused):
    """A request for a URL this run has finished (a duplicate after a resume): dropped without a record."""

    def __init__(self, detail: str = ""):
        super().__init__("already-handled", detail)

    def __reduce__(self) -> tuple[type[AlreadyHandled], tuple[str]]:  # type: ignore[override]
        return type(self), (self.detail,)


def _is_page(request: Request) -> bool:
    """A page of the crawl (images are fetched for their page and settled with it; the gate's own files are not)."""
    return RequestState.of(request).is_page


def _journal(crawler: Crawler) -> Journal | None:
    return getattr(crawler.spider, "journal", None)


class ReplayMiddleware:
    """Serve stored answers to replayed requests; drop duplicates of finished URLs."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Response | None:
        journal = _journal(self.crawler)
        state = RequestState.of(request)
        if journal is None or not state.is_page or attempts(request):
            return None
        if state.replay:
            stored = journal.stored_response(request.url)
            if stored is None:
                raise AlreadyHandled(f"no stored answer for {request.url}")
            status, headers, body = stored
            hdrs = Headers(headers)
            cls = responsetypes.from_args(headers=hdrs, url=request.url, body=body)
            response = cls(url=request.url, status=status, headers=hdrs, body=body, request=request)
            gate = self.crawler.get_downloader_middleware(CivilGate)
            if gate is not None and hasattr(gate, "judge_stored"):
                response = gate.judge_stored(request, response)  # the same page verdict a fetch would have had
            return response
        row = journal.get(request.url)
        if row is not None and row.run == journal.run_id and row.state in (RECEIVED, DONE):
            raise AlreadyHandled(f"{request.url} is already handled in this run")
        return None


class JournalMiddleware:
    """Commit 'sent' when the gate releases a request and 'received' before its audit record is written."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JournalMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        journal = _journal(self.crawler)
        if journal is not None and self._tracked(request):
            journal.sent(request.url, request.meta.get("depth", 0))
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        journal = _journal(self.crawler)
        if journal is None or not self._tracked(request):
            return response
        if response.status in REDIRECTS and response.headers.get("Location") and self._will_redirect(request):
            # the target as the redirect middleware will follow it; None: it refuses it (bad-url) and sends nothing
            target = redirect_target(request, response)
            with journal.batch():
                journal.done(request.url, "redirect")
                if target is not None and not journal.known(target):
                    journal.queue(target, request.meta.get("depth", 0), via=request.url)
            return response
        headers: dict[str, Any] = {k.decode("latin-1"): [v.decode("latin-1") for v in vs]
                                   for k, vs in response.headers.items()}
        journal.received(request.url, response.status, headers, response.body)
        return response

    def _will_redirect(self, request: Request) -> bool:
        meta = request.meta
        return not meta.get("dont_redirect") and len(meta.get("redirect_urls", ())) < self.max_redirects \
            and request.method != "HEAD"

    @staticmethod
    def _tracked(request: Request) -> bool:
        state = RequestState.of(request)
        return state.is_page and not state.replay and state.host is not None
