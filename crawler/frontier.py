"""Host-aware scheduling: hand out requests of the hosts with the least work waiting at the gate.

Requests wait out their host's gap inside the gate, so Scrapy's own per-slot counts do not see them;
without this, one slow host could fill every concurrent slot while other hosts sit idle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from scrapy.pqueues import DownloaderAwarePriorityQueue

from crawler.urls import BadURL, host_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class _GateLoad:
    """Stands in for Scrapy's downloader interface: load per host as the gate counts it."""

    def __init__(self, crawler: Crawler):
        from crawler.gate import CivilGate

        self.gate = crawler.get_downloader_middleware(CivilGate)

    def stats(self, hosts: Iterable[str]) -> list[tuple[int, str]]:
        load = self.gate.politeness.load if self.gate else (lambda h: 0)
        return [(load(h), h) for h in hosts]

    @staticmethod
    def get_slot_key(request: Request) -> str:
        try:
            return host_of(request.url)
        except BadURL:
            return ""


class HostAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's downloader-aware queue, keyed by host and balanced by the gate's per-host load."""

    def __init__(self, crawler: Crawler, *args, **kwargs):
        super().__init__(crawler, *args, **kwargs)
        self._downloader_interface = _GateLoad(crawler)  # type: ignore[assignment]
