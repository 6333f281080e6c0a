"""Baseline for benchmarks/broad.py: a plain Scrapy CrawlSpider over the synthetic web, polite as Scrapy's docs teach.

Usage: python benchmarks/plain_broad.py OUT.jsonl SEEDS.txt CONCURRENCY SECONDS   (``*.broad.test`` resolves to 127.0.0.1)
ROBOTSTXT_OBEY on, DOWNLOAD_DELAY 1 s per host (not randomized), one request per host at a time.
"""

from __future__ import annotations

import sys

from plain_base import PlainSpider
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import Rule


class BroadSpider(PlainSpider):
    name = "plainbroad"
    allowed_domains = ["broad.test"]
    rules = (Rule(LinkExtractor(), callback="parse_item", follow=True),)  # allowed_domains keeps it on broad.test



if __name__ == "__main__":
    out, seeds, concurrency, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    process = CrawlerProcess({
        "ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 1.0, "DOWNLOAD_DELAY_JITTER": 0,
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "LOG_LEVEL": "WARNING",
        "CLOSESPIDER_TIMEOUT": seconds, "USER_AGENT": "plainscrapy (+mailto:bench@localhost)",
        "TWISTED_DNS_RESOLVER": "plain_base.LoopbackNames",
        "FEEDS": {out: {"format": "jsonlines", "overwrite": True}}, "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
    })
    process.crawl(BroadSpider, urls=open(seeds).read().split())
    process.start()
