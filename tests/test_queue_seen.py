"""The seen-set backends: one decision per URL, in this process (memory) or across a job's processes (journal)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.utils.test import get_crawler

from crawler.queue.journal import Journal
from crawler.queue.seen import JournalSeen, MemorySeen, SeenSet
from crawler.spider import CivilSpider


def test_memory_seen_says_new_once():
    seen = MemorySeen()
    assert seen.add_new("http://a.test/") and not seen.add_new("http://a.test/")
    assert "http://a.test/" in seen and "http://a.test/x" not in seen
    seen.add("http://a.test/x")
    assert not seen.add_new("http://a.test/x")


def test_journal_seen_counts_what_earlier_processes_of_the_run_took_in(tmp_path):
    first = Journal(tmp_path)
    first.open_run()
    first.queue("http://a.test/1", 0)
    first.close()
    journal = Journal(tmp_path)
    journal.open_run()  # the same run, resumed
    seen = JournalSeen(journal)
    assert "http://a.test/1" in seen and not seen.add_new("http://a.test/1")
    assert seen.add_new("http://a.test/2") and "http://a.test/2" in seen
    journal.remember(["http://a.test/3"])
    assert not seen.add_new("http://a.test/3")
    journal.close()


def test_a_backend_that_claims_nothing_makes_every_url_old():
    class Taken(SeenSet):
        def claim(self, url: str) -> bool:
            return False

    seen = Taken()
    assert not seen.add_new("http://a.test/") and "http://a.test/" in seen  # seen here, decided elsewhere


@pytest.mark.parametrize("setting, backend", [(None, MemorySeen), ("crawler.queue.seen.MemorySeen", MemorySeen),
                                              ("crawler.queue.seen.JournalSeen", JournalSeen)])
def test_the_spider_builds_the_backend_the_setting_names(tmp_path, setting, backend):
    crawler = get_crawler(CivilSpider, {"CIVIL_SEEN_SET": setting} if setting else {})
    spider = CivilSpider.from_crawler(crawler, seeds=["http://a.test/"])
    journal = Journal(tmp_path)
    journal.open_run()
    crawler.spider = SimpleNamespace(journal=journal) if backend is JournalSeen else spider
    assert type(spider.seen) is backend and spider.seen is spider.seen
    journal.close()


def test_journal_seen_without_a_journal_says_what_to_use():
    crawler = get_crawler(CivilSpider, {"CIVIL_SEEN_SET": "crawler.queue.seen.JournalSeen"})
    crawler.spider = CivilSpider.from_crawler(crawler, seeds=["http://a.test/"])
    with pytest.raises(ValueError, match="MemorySeen"):
        _ = crawler.spider.seen
