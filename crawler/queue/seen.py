"""The seen-set: the URLs already decided on, so that every URL gets one decision.

The backend is the setting ``CIVIL_SEEN_SET`` (a class path, built with Scrapy's ``build_from_crawler``):
:class:`MemorySeen` (this process; the default), :class:`JournalSeen` (also what the job journal knows of
the run: ``civilcrawl run``) or the cluster's Redis set (crawler.queue.cluster: one decision per cluster).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.queue.journal import Journal

SETTING = "CIVIL_SEEN_SET"


class SeenSet:
    """The interface. Every backend keeps this process's URLs in memory; a backend with a wider memory
    overrides :meth:`known_elsewhere` (cheap, asked often) and :meth:`claim` (asked once per new URL)."""

    def __init__(self) -> None:
        self._urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def __contains__(self, url: object) -> bool:
        return url in self._urls or (isinstance(url, str) and self.known_elsewhere(url))

    def add(self, url: str) -> None:
        """Count ``url`` as seen by this process, without asking the backend (a resumed URL)."""
        self._urls.add(url)

    def add_new(self, url: str) -> bool:
        """Add ``url``; true if this is its first sight, i.e. the caller is the one to decide on it."""
        if url in self:
            return False
        self._urls.add(url)
        return self.claim(url)

    def expect(self, urls: Iterable[str]) -> None:
        """The caller is about to ask :meth:`add_new` about each of ``urls`` (a page's links): a shared backend
        may claim them all in one round trip."""

    def decided(self, url: str) -> None:
        """``url`` has its final audit record (a refusal); a backend shared by several processes may note it."""

    def known_elsewhere(self, url: str) -> bool:
        """Seen outside this process's memory (by an earlier process of the run, say)."""
        return False

    def claim(self, url: str) -> bool:
        """``url`` is new to this process: true unless the backend says another one has it."""
        return True


class MemorySeen(SeenSet):
    """This process's URLs only."""


class JournalSeen(SeenSet):
    """This process's URLs and those the job journal counts as taken in by the run (earlier processes too)."""

    def __init__(self, journal: Journal):
        super().__init__()
        self.journal = journal

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        journal = getattr(crawler.spider, "journal", None)
        if journal is None:
            raise ValueError(f"{SETTING} = {cls.__module__}.{cls.__name__} needs a spider with a job journal "
                             "(crawler.jobs.spider.JobSpider, as `civilcrawl run` uses); use "
                             "crawler.queue.seen.MemorySeen with other spiders")
        return cls(journal)

    def known_elsewhere(self, url: str) -> bool:
        return self.journal.known(url)
