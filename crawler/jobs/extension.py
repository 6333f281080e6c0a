"""The job extension: marks pages done once their item is safe, and restores the page budget on resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class JobExtension:
    """Glue between Scrapy's signals and :class:`crawler.jobs.spider.JobSpider`."""

    def __init__(self, crawler: Crawler, pages_done: int, origin_pages: dict[str, int] | None = None):
        self.crawler = crawler
        self.pages_done = pages_done
        self.origin_pages = origin_pages or {}
        for sig in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_finished, signal=sig)
        crawler.signals.connect(self._opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobExtension:
        if not crawler.settings.getbool("CIVIL_JOB"):
            raise NotConfigured("not a civilcrawl job")
        s = crawler.settings
        return cls(crawler, s.getint("CIVIL_JOB_PAGES_DONE"), s.getdict("CIVIL_JOB_ORIGIN_PAGES"))

    def _opened(self, spider: Any) -> None:
        from crawler.gate.middleware import CivilGate

        gate = self.crawler.get_downloader_middleware(CivilGate)
        if gate is not None:
            sites: dict[str, int] = {}
            for url_origin, n in self.origin_pages.items():  # the policy a page fell under is its site's now
                if (policy := gate.policies.for_url(url_origin + "/")) is not None:
                    sites[policy.site] = sites.get(policy.site, 0) + int(n)
            gate.budgets.restore(self.pages_done, sites)

    def _item_finished(self, item: Any, spider: Any = None, **kwargs: Any) -> None:
        finished = getattr(self.crawler.spider, "item_finished", None)
        if finished is not None:
            finished(item)
