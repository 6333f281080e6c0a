"""Run one civil crawl in this process and turn its outcome into an exit status."""

from __future__ import annotations

import logging
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1


def run_crawl(settings: dict[str, Any], spider_cls: type | None = None, **spider_kwargs: Any) -> tuple[int, dict]:
    """Crawl with the civil add-on on; return (exit status, final stats)."""
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.addon import CivilAddon
    from crawler.spider import CivilSpider

    base = {"ADDONS": {CivilAddon: 0}, "LOG_LEVEL": "WARNING", "TWISTED_REACTOR_ENABLED": True,
            "CIVIL_CLI": True}  # messages name --options, not settings
    base.update(settings)
    process = AsyncCrawlerProcess(base)
    crawler = process.create_crawler(spider_cls or CivilSpider)
    process.crawl(crawler, **spider_kwargs)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    reason = stats.get("finish_reason")
    if reason is None or reason not in ("finished",) and not str(reason).startswith("closespider"):
        logging.getLogger(__name__).warning("crawl ended with finish_reason=%s", reason)
        return EXIT_FAILED, stats
    if errors := unexpected_errors(stats):
        logging.getLogger(__name__).error("%d unexpected error(s): see the audit log's 'error' records and the "
                                          "log above; exit status %d", errors, EXIT_FAILED)
        return EXIT_FAILED, stats
    return EXIT_OK, stats


def unexpected_errors(stats: dict[str, Any]) -> int:
    """Exceptions that are bugs or hostile input, not the web's ordinary failures (crawler.gate.failures)."""
    from crawler.gate.failures import ERRORS_STAT

    return int(stats.get(ERRORS_STAT, 0))
