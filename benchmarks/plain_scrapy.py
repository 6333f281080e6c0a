"""Baseline for benchmarks/throughput.py: a plain Scrapy CrawlSpider, as the docs teach it.

Usage: python benchmarks/plain_scrapy.py OUT.jsonl URL [URL ...]   (names *.docs resolve to 127.0.0.1)
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from plain_base import PlainSpider
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import Rule


class DocsSpider(PlainSpider):
    name = "plain"

    def __init__(self, urls: list[str], **kw):
        self.allowed_domains = [urlsplit(u).hostname for u in urls]
        netlocs = [urlsplit(u).netloc for u in urls]
        self.rules = (Rule(LinkExtractor(allow_domains=netlocs), callback="parse_item", follow=True),)
        super().__init__(urls, **kw)


if __name__ == "__main__":
    out, urls = sys.argv[1], sys.argv[2:]
    process = CrawlerProcess({
        "ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 16, "LOG_LEVEL": "WARNING",
        "TWISTED_DNS_RESOLVER": "plain_base.LoopbackNames",
        "FEEDS": {out: {"format": "jsonlines", "overwrite": True}}, "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
    })
    process.crawl(DocsSpider, urls=urls)
    process.start()
