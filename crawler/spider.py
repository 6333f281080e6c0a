"""The spider behind ``civilcrawl crawl``: follows links inside the seeds' origins, one item per page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.python.failure import Failure

from crawler.audit import log as A
from crawler.decide.scope import Scope
from crawler.gate.admission import Admission
from crawler.gate.middleware import CivilGate
from crawler.gate.state import RequestState, image_verdict, page_verdict, state_meta
from crawler.images.store import ImageStore
from crawler.net.urls import BadURL, origin
from crawler.options import default
from crawler.output.feeds import extra_fields
from crawler.page import sitemaps
from crawler.page.extract import images_of, links_of, text_of, title_of
from crawler.queue.seen import SETTING as SEEN_SET
from crawler.queue.seen import MemorySeen, SeenSet

logger = logging.getLogger(__name__)


class CivilSpider(Spider):
    """Crawl ``seeds`` and the pages they link to inside the crawl's scope (crawler.decide.scope; default: their origins)."""

    name = "civilcrawl"

    def __init__(self, seeds: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.seeds = list(dict.fromkeys(seeds))
        self.crawl_scope = Scope(self.seeds)  # the seeds' origins until the settings say more (the gate holds to it)
        self.item_fields: list[str] = []  # crawler.output.feeds.EXTRA_FIELDS asked for (--item-fields)
        self.sitemaps = False  # follow sitemaps (--sitemaps)
        self.sitemap_sites: dict[str, int] = {}  # origin -> sitemap files requested
        self.nofollow_only: dict[str, str] = {}  # url -> the page that linked it with nofollow
        self.image_store: ImageStore | None = None
        self.image_results: dict[str, dict[str, str] | None] = {}  # image url -> stored record, None if refused
        self.image_waiters: dict[str, list[str]] = {}  # image url -> pages whose item waits for it
        self.waiting: dict[str, list[Any]] = {}  # page url -> [item, images still undecided]

    def _set_crawler(self, crawler: Any) -> None:
        super()._set_crawler(crawler)
        self.crawl_scope = Scope.from_settings(crawler.settings, self.seeds)
        self.item_fields = crawler.settings.getlist("CIVIL_ITEM_FIELDS")
        self.sitemaps = crawler.settings.getbool("CIVIL_SITEMAPS")
        if crawler.settings.getbool("CIVIL_IMAGES"):
            self.image_store = ImageStore(crawler.settings.get("CIVIL_IMAGES_DIR") or default("CIVIL_IMAGES_DIR"))

    @cached_property
    def seen(self) -> SeenSet:
        """URLs already decided on, in the backend the setting CIVIL_SEEN_SET names (crawler.queue.seen)."""
        backend = load_object(self.crawler.settings.get(SEEN_SET) or MemorySeen)
        return build_from_crawler(backend, self.crawler)

    @property
    def admission(self) -> Admission:
        """The gate's decisions on URLs before they are requested (crawler.gate.admission)."""
        gate = self.crawler.get_downloader_middleware(CivilGate)
        if gate is None:
            raise RuntimeError("CivilSpider runs only with the civilcrawl add-on (crawler.addon.CivilAddon)")
        return gate.admission

    async def start(self) -> AsyncIterator[Request]:
        for url in self.seeds:
            if request := self._follow(url, 0):
                yield request

    def _follow(self, url: str, depth: int, via: str | None = None) -> Request | None:
        if not self.seen.add_new(url):  # in a cluster the seen-set is shared: one worker decides on a URL
            return None
        self.nofollow_only.pop(url, None)
        if not self._admit(url, depth, via):
            return None
        meta = {**state_meta(admitted=True, via=via), "depth": depth}
        return Request(url, callback=self.parse, errback=self.failed, meta=meta)

    def _admit(self, url: str, depth: int, via: str | None) -> bool:
        """The gate's decision on a URL new to the crawl; a refusal is final (the seen-set of a cluster notes it)."""
        if self.admission.link(url, depth=depth, scope=self.crawl_scope, via=via):
            return True
        self.seen.decided(url)
        return False

    # -- sitemaps (crawler.page.sitemaps): robots.txt's Sitemap lines and /sitemap.xml, once per origin ----------

    def _sitemaps_for(self, url: str) -> Iterator[Request]:
        try:
            site = origin(url)
        except BadURL:
            return
        if site in self.sitemap_sites:
            return
        self.sitemap_sites[site] = 0
        for sitemap in [*self.admission.robots_sitemaps(site), site + "/sitemap.xml"]:
            if request := self._sitemap_request(sitemap, site):
                yield request

    def _sitemap_request(self, url: str, site: str) -> Request | None:
        if self.sitemap_sites[site] >= sitemaps.MAX_FILES:
            if url not in self.seen:
                self.admission.unfetched(url, "max-sitemaps", f"more than {sitemaps.MAX_FILES} sitemap files "
                                                                f"for {site}", A.SKIPPED)
            return None
        if not self.seen.add_new(url) or not self._admit(url, 0, sitemaps.VIA):
            return None
        self.sitemap_sites[site] += 1
        return Request(url, callback=self.parse_sitemap, errback=self.failed,
                       meta={**state_meta(admitted=True, via=sitemaps.VIA), "depth": 0, "sitemap_site": site})

    def parse_sitemap(self, response: Response) -> list[Request]:
        """The pages (or, for an index, the sitemaps) a sitemap lists, each through the gate."""
        found = sitemaps.parse(response.body, limit=self.admission.max_bytes)
        if found.problem:
            logger.warning("sitemap %s: %s", response.url, found.problem)
        site = response.meta.get("sitemap_site") or origin(response.url)
        self.sitemap_sites.setdefault(site, 0)
        out = []
        for url, _lastmod in found.urls:
            request = self._sitemap_request(url, site) if found.index else self._follow(url, 1, via=sitemaps.VIA)
            if request is not None:
                out.append(request)
        return out

    def parse(self, response: Response) -> list[Any]:
        """One item per page, then requests for the new in-scope links it has (not a generator: cheaper)."""
        return list(self._results(response))

    def _results(self, response: Response) -> Iterator[Any]:
        if self.sitemaps:
            yield from self._sitemaps_for(response.url)
        verdict = page_verdict(response.request)
        item: dict[str, Any] = {"url": response.url, "status": response.status,
                                "fetched_at": A.utc_iso(RequestState.answered(response).started)}
        if verdict is None or verdict.root is None:
            if verdict is None or verdict.item_allowed:
                item.update(content_type=(verdict.content_type if verdict else None) or None, title="", text="", links=[])
                if self.item_fields:
                    item.update(extra_fields(response, self.item_fields))
                yield item
            return
        root = verdict.root
        links = links_of(root, response.url)
        if verdict.item_allowed:
            images = images_of(root, response.url) if self.image_store is not None else []
            text = text_of(root)
            limit = self.admission.text_limit(verdict)
            item.update(title=title_of(root), text=text if limit is None else text[:limit], links=[u for u, _ in links])
            if self.item_fields:
                item.update(extra_fields(response, self.item_fields))
            if self.image_store is None:
                yield item
            else:
                item["images"] = []
                yield from self._collect_images(item, images, verdict, response.meta.get("depth", 0))
        depth = response.meta.get("depth", 0) + 1
        self.seen.expect(url for url, nofollow in links if verdict.follow and not nofollow)
        for url, nofollow in links:
            if nofollow or not verdict.follow:
                self._not_followed(url, response.url)
            elif request := self._follow(url, depth):
                yield request

    def _not_followed(self, url: str, page: str) -> None:
        """A nofollow link: recorded as ``nofollow`` at the end unless another page leads to it."""
        if url not in self.seen:
            self.nofollow_only.setdefault(url, page)

    # -- images: every one through the gate, which refuses personal ones before anything sees them --------

    def _collect_images(self, item: dict[str, Any], images: list[tuple[str, dict[str, str]]], verdict: Any,
                        depth: int) -> Iterator[Any]:
        """Request the page's images; the page's item leaves once all of them are decided."""
        page = item["url"]
        wanted = []
        for url, attrs in images:
            if not self.admission.image(url, attrs, page, verdict):
                continue
            if url in self.image_results:
                if self.image_results[url] is not None:
                    item["images"].append(self.image_results[url])
            else:
                wanted.append(url)
        if not wanted:
            yield item
            return
        self.waiting[page] = [item, len(wanted)]
        for url in wanted:
            waiters = self.image_waiters.setdefault(url, [])
            waiters.append(page)
            if len(waiters) == 1:  # the first page to want it asks for it
                yield Request(url, callback=self.stored_image, errback=self.no_image, dont_filter=True, priority=10,
                              meta={**state_meta(admitted=True, image_of=page, image_url=url), "depth": depth})

    def stored_image(self, response: Response) -> list[Any]:
        verdict = image_verdict(response.request)
        url = RequestState.answered(response).image_url or response.url
        record = None
        if verdict is not None:
            assert self.image_store is not None  # image requests are sent only with a store
            record = {"url": url, **self.image_store.save(verdict)}
        return self._image_done(url, record)

    def no_image(self, failure: Failure) -> list[Any]:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it on errback failures
        return self._image_done(RequestState.of(request).image_url or request.url, None)

    def _image_done(self, url: str, record: dict[str, str] | None) -> list[Any]:
        self.image_results[url] = record
        done = []
        for page in self.image_waiters.pop(url, ()):
            entry = self.waiting[page]
            if record is not None:
                entry[0]["images"].append(record)
            entry[1] -= 1
            if entry[1] == 0:
                done.append(self.waiting.pop(page)[0])
        return done

    def closed(self, reason: str) -> None:
        """Links reachable only through nofollow pages or rel=nofollow anchors get their final record now."""
        for url, page in self.nofollow_only.items():
            if url not in self.seen:
                self.admission.unfetched(url, "nofollow", f"only linked with nofollow (from {page})", A.SKIPPED)

    def failed(self, failure: Failure) -> None:
        """Download failures are already in the audit log (the gate records them); nothing more to do."""
