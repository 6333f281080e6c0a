"""Scrapy's download slots made pass-throughs: the gate alone paces, so a start at the gate is a start on the wire."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

#: what each slot may hold at once: more than the gate ever lets out to one host
PASS_THROUGH = {"delay": 0.0, "jitter": 0.0, "concurrency": 64}


class SlotPins:
    """Sets each download slot's delay and jitter to 0 and its concurrency above ours, once per slot."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._pinned: set[str] = set()

    def pin(self, request: Request) -> None:
        """Make the slot ``request`` goes through a pass-through (Scrapy's own delay would add to ours)."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if key in self._pinned:
            return
        self._pinned.add(key)
        downloader.per_slot_settings[key] = PASS_THROUGH  # one dict for every slot: Scrapy only reads it
        if (slot := downloader.slots.get(key)) is not None:
            slot.delay, slot.jitter, slot.concurrency = 0.0, 0.0, max(slot.concurrency, 64)
