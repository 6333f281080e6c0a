"""Host-aware scheduling: hand out requests of the hosts with the least work waiting at the gate.

Requests wait out their host's gap inside the gate, so Scrapy's own per-slot counts do not see them;
without this, one slow host could fill every concurrent slot while other hosts sit idle.

Per request the work does not grow with the number of hosts: Scrapy's queue asks every queued host for
its load on each pop (and sums every host's queue for ``len``); this one keeps a count, takes hosts in
turn (a popped host goes to the back) and stops at the first idle one. Hosts with work at the gate are
at most the requests let out (CONCURRENT_REQUESTS), so a pop looks at no more hosts than that.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.pqueues import DownloaderAwarePriorityQueue, _path_safe

from crawler.net.urls import BadURL, host_of
from crawler.pace.local import Politeness

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class _GateLoad:
    """Stands in for Scrapy's downloader interface: load per host as the gate counts it."""

    def __init__(self, crawler: Crawler):
        # the downloader middleware that paces hosts (the gate), known by its pacer: the gate is floors above
        middlewares = crawler.engine.downloader.middleware.middlewares
        self.gate = next((mw for mw in middlewares if isinstance(getattr(mw, "politeness", None), Politeness)), None)

    def load(self, host: str) -> int:
        return self.gate.politeness.load(host) if self.gate else 0

    def stats(self, hosts: Iterable[str]) -> list[tuple[int, str]]:
        return [(self.load(h), h) for h in hosts]

    @staticmethod
    def get_slot_key(request: Request) -> str:
        try:
            return host_of(request.url)
        except BadURL:
            return ""


class HostAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's downloader-aware queue, keyed by host, balanced by the gate's per-host load, O(1) per request."""

    def __init__(self, crawler: Crawler, *args, **kwargs):
        super().__init__(crawler, *args, **kwargs)
        self._downloader_interface = _GateLoad(crawler)  # type: ignore[assignment]
        self._count = sum(len(q) for q in self.pqueues.values())  # a resumed JOBDIR's queues, counted once

    def _pick(self) -> str | None:
        """The first host in turn with nothing at the gate, else the least loaded one."""
        load = self._downloader_interface.load  # type: ignore[attr-defined]
        best, least = None, 0
        for slot in self.pqueues:
            n = load(slot)
            if n == 0:
                return slot
            if best is None or n < least:
                best, least = slot, n
        return best

    def push(self, request: Request) -> None:
        super().push(request)
        self._count += 1

    def pop(self) -> Request | None:
        slot = self._pick()
        if slot is None:
            return None
        queue = self.pqueues.pop(slot)
        request = queue.pop()
        if len(queue):
            self.pqueues[slot] = queue  # to the back: hosts take turns
        else:
            queue.close()
            if self.key:  # reclaim the slot's folder (rmdir leaves it if files remain)
                with suppress(OSError):
                    Path(self.key, _path_safe(slot)).rmdir()
        if request is not None:
            self._count -= 1
        return request

    def peek(self) -> Request | None:
        slot = self._pick()
        return self.pqueues[slot].peek() if slot is not None else None

    def __len__(self) -> int:
        return self._count
