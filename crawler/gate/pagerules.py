"""Page directives kept for any spider: what a callback yields from a page passes through here.

No item leaves a page the gate read as noindex (or whose signals forbid our purpose), and no request leaves
a nofollow page; a URL that only such pages asked for gets its final audit record (``skipped nofollow``)
when the spider closes. The add-on installs this last in the chain (nearest the engine), so it sees what
every other spider middleware let through.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request

from crawler.audit import log as A
from crawler.gate.state import RequestState, page_verdict

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class PageRulesMiddleware:
    """Spider middleware: drops items from noindex pages and requests from nofollow pages."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.sent: set[str] = set()  # URLs requested from pages that allow following
        self.held: dict[str, str] = {}  # URL -> the nofollow page that asked for it
        crawler.signals.connect(self._closed, signal=A.audit_closing)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageRulesMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        rules = self._rules(response)
        for x in result:
            if self._keep(x, response, rules):
                yield x

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        rules = self._rules(response)
        async for x in result:
            if self._keep(x, response, rules):
                yield x

    @staticmethod
    def _rules(response: Response) -> tuple[bool, bool]:
        """(items allowed, links followed) for what a callback yields from ``response``."""
        verdict = page_verdict(getattr(response, "request", None))
        if verdict is None:
            return True, True
        return verdict.item_allowed, verdict.follow

    def _keep(self, x: Any, response: Response, rules: tuple[bool, bool]) -> bool:
        items_ok, follow = rules
        stats = self.crawler.stats
        if isinstance(x, Request):
            if follow or RequestState.of(x).image_of is not None:  # civilcrawl's images were admitted by the gate already
                self.sent.add(x.url)
                self.held.pop(x.url, None)
                return True
            stats.inc_value("civil/dropped/requests/nofollow")
            if x.url not in self.sent:
                self.held.setdefault(x.url, response.url)
            return False
        if items_ok:
            return True
        stats.inc_value("civil/dropped/items/noindex")
        logger.debug("item from %s dropped: the page is noindex (or its signals forbid our purpose)", response.url)
        return False

    def _closed(self) -> None:
        from crawler.gate.middleware import CivilGate

        gate = self.crawler.get_downloader_middleware(CivilGate)
        if gate is None:
            return
        for url, page in self.held.items():
            if url not in self.sent:
                gate.admission.unfetched(url, "nofollow", f"only requested from a nofollow page ({page}); not fetched",
                                      A.SKIPPED)
