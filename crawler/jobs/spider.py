"""The spider behind ``civilcrawl run``: CivilSpider that keeps the job journal.

It takes its pending work from the journal on resume, asks again with conditional requests what an
earlier run fetched, and writes items only for pages that are new or changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypedDict

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.audit import log as A
from crawler.gate.refusal import Refused, Stopping
from crawler.gate.state import RequestState, state_meta
from crawler.jobs.journalmw import AlreadyHandled
from crawler.jobs.resume import ResumePlan
from crawler.queue.journal import DONE, Journal, Row
from crawler.spider import CivilSpider

NEW, CHANGED, UNCHANGED, REFUSED, ERROR = "new", "changed", "unchanged", "refused", "error"


class Validators(TypedDict, total=False):
    """A page's cache validators, as Journal.done takes them."""

    etag: str
    last_modified: str


class JobSpider(CivilSpider):
    """Crawl like CivilSpider, remembering every URL in ``journal`` (see crawler/queue/journal.py)."""

    name = "civilcrawl-job"
    #: what keeps the journal in step: the seen-set asks it too, middlewares commit 'sent' and 'received'
    custom_settings = {
        "CIVIL_SEEN_SET": "crawler.queue.seen.JournalSeen",
        "DOWNLOADER_MIDDLEWARES": {"crawler.jobs.journalmw.ReplayMiddleware": 940,
                                   "crawler.jobs.journalmw.JournalMiddleware": 960},
    }

    def __init__(self, seeds: list[str], journal: Journal, plan: ResumePlan | None = None, **kwargs: Any):
        super().__init__(seeds, **kwargs)
        self.journal = journal
        self.plan = plan or ResumePlan()  # what a resumed run still has to do (crawler.jobs.resume)
        self._found: list[str] | None = None
        self._not_found: list[str] | None = None  # nofollow links of the page being parsed
        self._awaiting_item: dict[str, tuple[str, str, str | None, list[str], list[str], Validators]] = {}

    async def start(self) -> AsyncIterator[Request]:
        for replay, rows in ((False, self.plan.send), (True, self.plan.replay)):
            for row in rows:
                self.seen.add(row.url)
                yield self.request_for(row, replay=replay)
        async for request in super().start():
            yield request

    # -- requests -----------------------------------------------------------------------------------------

    def _follow(self, url: str, depth: int, via: str | None = None) -> Request | None:
        if self._found is not None:
            self._found.append(url)
        if self.journal.known(url):
            return None
        request = super()._follow(url, depth, via)
        if request is not None:
            self.journal.queue(url, depth)
            self._conditional(request, self.journal.get(url))
        else:
            self.journal.remember([url])  # its decision is in the audit log
        return request

    def _not_followed(self, url: str, page: str) -> None:
        if self._not_found is not None:
            self._not_found.append(url)  # kept with the page: recorded when the run ends (_record_nofollow)

    def request_for(self, row: Row, *, replay: bool = False) -> Request:
        """A request that carries a resumed URL on, as the first process would have sent it."""
        meta: dict[str, Any] = {**state_meta(admitted=True, replay=replay), "depth": row.depth}
        if row.via:
            meta["redirect_urls"] = [row.via]
        if replay:
            meta["handle_httpstatus_all"] = True
        request = Request(row.url, callback=self.parse, errback=self.failed, meta=meta, dont_filter=True)
        if not replay:
            self._conditional(request, row)
        return request

    @staticmethod
    def _conditional(request: Request, row: Row | None) -> None:
        if row is None or not (row.etag or row.last_modified) or row.digest is None:
            return
        if row.etag:
            request.headers["If-None-Match"] = row.etag
        if row.last_modified:
            request.headers["If-Modified-Since"] = row.last_modified
        request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", ()), 304]

    # -- responses ----------------------------------------------------------------------------------------

    def _results(self, response: Response) -> Iterator[Any]:
        url = response.request.url if response.request is not None else response.url
        previous = self.journal.get(url)
        if RequestState.answered(response).replay and response.status >= 400 and response.status != 304:
            self.journal.done(url, ERROR)  # a stored error answer: nothing to parse
            return
        depth = response.meta.get("depth", 0) + 1
        digest = hashlib.sha256(response.body).hexdigest() if response.status != 304 else None
        if response.status == 304 or (previous and previous.digest and digest == previous.digest and previous.links is not None):
            links = previous.links if previous and previous.links is not None else []
            with self.journal.batch():
                out = [r for link in links if (r := self._follow(link, depth))]
                self.journal.done(url, UNCHANGED, **self._validators(response))
            yield from out
            return
        outcome = CHANGED if previous is not None and previous.digest else NEW
        self._found, self._not_found = [], []
        try:
            with self.journal.batch():
                out = list(super()._results(response))
                found, self._found = self._found, None
                nofollow, self._not_found = self._not_found, None
                items = [x for x in out if not isinstance(x, Request)]
                page = response.url
                if page in self.plan.items_written:  # written before the kill: replayed for its links only
                    dropped = self._forget_images(page)
                    out = [x for x in out if isinstance(x, Request) and x.url not in dropped]
                    self.journal.done(url, outcome, digest=digest, links=found, nofollow=nofollow,
                                       **self._validators(response))
                elif not items and page not in self.waiting:  # no item (noindex), none awaiting its images
                    self.journal.done(url, outcome, digest=digest, links=found, nofollow=nofollow,
                                       **self._validators(response))
                else:
                    for item in items + ([self.waiting[page][0]] if page in self.waiting else []):
                        if isinstance(item, dict):
                            item.setdefault("change", outcome)
                    # 'done' follows once the item is written (item_scraped); until then a resume re-parses
                    self._awaiting_item[response.url] = (url, outcome, digest, found, nofollow,
                                                         self._validators(response))
        finally:
            self._found = self._not_found = None
        yield from out

    def parse_sitemap(self, response: Response) -> list[Request]:
        """A sitemap file is done once its URLs are queued (it is no page: no item, no links of its own)."""
        with self.journal.batch():
            out = super().parse_sitemap(response)
            self.journal.done(response.request.url if response.request is not None else response.url, NEW)
        return out

    def _forget_images(self, page: str) -> set[str]:
        """Stop waiting for a page's images; return the image URLs no other page waits for."""
        self.waiting.pop(page, None)
        dropped = set()
        for image, pages in list(self.image_waiters.items()):
            if page in pages:
                pages.remove(page)
                if not pages:
                    del self.image_waiters[image]
                    dropped.add(image)
        return dropped

    def closed(self, reason: str) -> None:
        """Nofollow-only links are recorded when the run ends, not when a process stops (the run resumes)."""
        if reason == "finished":
            self._record_nofollow()

    def _record_nofollow(self) -> None:
        """Links that only nofollow led to, on every page of the run (fetched by any of its processes, or
        unchanged since the last run: their nofollow links are kept in the journal), get a ``nofollow`` record."""
        for row in self.journal.rows(DONE):
            for link in row.nofollow or ():
                if not self.journal.known(link):
                    self.admission.unfetched(link, "nofollow", f"only linked with nofollow (from {row.url})", A.SKIPPED)
                    self.journal.remember([link])

    @staticmethod
    def _validators(response: Response) -> Validators:
        out: Validators = {}
        if etag := response.headers.get("ETag"):
            out["etag"] = etag.decode("latin-1")
        if lm := response.headers.get("Last-Modified"):
            out["last_modified"] = lm.decode("latin-1")
        return out

    def item_finished(self, item: Any) -> None:
        """The item of a page is written (or dropped by a pipeline): the page is done."""
        url = item.get("url") if isinstance(item, dict) else getattr(item, "url", None)
        if url is None:
            return  # not a page's item
        pending = self._awaiting_item.pop(url, None)
        if pending is not None:
            req_url, outcome, digest, links, nofollow, validators = pending
            self.journal.done(req_url, outcome, digest=digest, links=links, nofollow=nofollow, **validators)

    def failed(self, failure: Failure) -> None:
        """Refused or failed: done for this run, unless the crawl is stopping (then the next run sends it)."""
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it on errback failures
        if failure.check(AlreadyHandled):
            return
        if failure.check(Stopping):
            self.journal.requeue(request.url)
            return
        if isinstance(failure.value, Refused) and (target := failure.value.target):
            self.journal.done(target, REFUSED)  # a redirect refused as it was read: its source's row says redirect
            return
        refused = failure.check(IgnoreRequest) and not failure.check(HttpError)
        self.journal.done(request.url, REFUSED if refused else ERROR)

