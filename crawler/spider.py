"""The spider behind ``civilcrawl crawl``: follows links inside the seeds' origins, one item per page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import audit as A
from crawler.extract import links_of, text_of, title_of
from crawler.gate import CivilGate
from crawler.urls import BadURL, origin


class CivilSpider(Spider):
    """Crawl ``seeds`` and the pages they link to on the same origins (scheme + host + port)."""

    name = "civilcrawl"

    def __init__(self, seeds: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.civil_seeds = list(dict.fromkeys(seeds))
        self.civil_scope: set[str] = set()
        for url in self.civil_seeds:
            try:
                self.civil_scope.add(origin(url))
            except BadURL:
                pass  # recorded by the gate when the seed is admitted
        self.seen: set[str] = set()
        self.nofollow_only: dict[str, str] = {}  # url -> the page that linked it with nofollow

    @property
    def gate(self) -> CivilGate:
        gate = self.crawler.get_downloader_middleware(CivilGate)
        if gate is None:
            raise RuntimeError("CivilSpider runs only with the civilcrawl add-on (crawler.addon.CivilAddon)")
        return gate

    async def start(self) -> AsyncIterator[Request]:
        for url in self.civil_seeds:
            if request := self._follow(url, 0):
                yield request

    def _follow(self, url: str, depth: int) -> Request | None:
        if url in self.seen:
            return None
        self.seen.add(url)
        self.nofollow_only.pop(url, None)
        if not self.gate.admit(url, depth=depth, scope=self.civil_scope):
            return None
        return Request(url, callback=self.parse, errback=self.failed, meta={"civil_admitted": True, "depth": depth})

    def parse(self, response: Response) -> list[Any]:
        """One item per page, then requests for the new in-scope links it has (not a generator: cheaper)."""
        return list(self._parse(response))

    def _parse(self, response: Response) -> Iterator[Any]:
        gate = self.gate
        verdict = response.meta.get("civil_page")
        item: dict[str, Any] = {"url": response.url, "status": response.status,
                                "fetched_at": A.utc_iso(response.meta.get("civil_started"))}
        root = verdict.root if verdict is not None else None
        if root is None:
            if verdict is None or verdict.item_allowed:
                item.update(content_type=(verdict.content_type if verdict else None) or None, title="", text="", links=[])
                yield item
            return
        links = links_of(root, response.url)
        if verdict.item_allowed:
            text = text_of(root)
            limit = verdict.text_limit(gate.purpose)
            item.update(title=title_of(root), text=text if limit is None else text[:limit], links=[u for u, _ in links])
            yield item
        depth = response.meta.get("depth", 0) + 1
        for url, nofollow in links:
            if nofollow or not verdict.follow:
                if url not in self.seen:
                    self.nofollow_only.setdefault(url, response.url)
            elif request := self._follow(url, depth):
                yield request

    def closed(self, reason: str) -> None:
        """Links reachable only through nofollow pages or rel=nofollow anchors get their final record now."""
        for url, page in self.nofollow_only.items():
            if url not in self.seen:
                self.gate.record_skip(url, "nofollow", f"only linked with nofollow (from {page})")

    def failed(self, failure: Failure) -> None:
        """Download failures are already in the audit log (the gate records them); nothing more to do."""
