"""What the plain-Scrapy baselines share: the benchmarks' host names resolve to 127.0.0.1, and one spider shape."""

from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver
from scrapy.spiders import CrawlSpider

#: throughput.py serves ``*.docs``, broad.py serves ``*.broad.test``.
SUFFIXES = (".docs", ".broad.test")


class LoopbackNames(CachingThreadedResolver):
    """Set as ``TWISTED_DNS_RESOLVER = "plain_base.LoopbackNames"`` (the scripts run with benchmarks/ on sys.path)."""

    def getHostByName(self, name, timeout=None):
        if name.endswith(SUFFIXES):
            from twisted.internet import defer

            return defer.succeed("127.0.0.1")
        return super().getHostByName(name, timeout)


class PlainSpider(CrawlSpider):
    """A CrawlSpider as Scrapy's docs teach it: start URLs given, every page an item of its URL and title."""

    def __init__(self, urls: list[str], **kw):
        self.start_urls = urls
        super().__init__(**kw)

    def parse_start_url(self, response):
        return self.parse_item(response)

    def parse_item(self, response):
        yield {"url": response.url, "title": response.css("title::text").get()}
