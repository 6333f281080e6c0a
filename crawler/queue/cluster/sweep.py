"""When Scrapy is done with a leased request: the engine's in-progress set, looked at from later reactor steps."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class LeaseSweeper:
    """The requests this worker holds under a lease; ``finished(lease, host)`` runs once for each Scrapy is done
    with (its callback ran and what it yielded is queued), never for one handed back unfetched."""

    def __init__(self, crawler: Crawler, finished: Callable[[str, str], None]):
        self.crawler, self.finished = crawler, finished
        self._live: dict[str, weakref.finalize] = {}
        self._last_gc = 0.0

    def hold(self, request: Request, lease: str, host: str) -> None:
        self._live[lease] = weakref.finalize(request, self._done, lease, host)

    def _done(self, lease: str, host: str) -> None:
        self._live.pop(lease, None)
        self.finished(lease, host)

    def drop(self, lease: str) -> None:
        """Forget ``lease`` without finishing it: its request was never fetched (the others will take it)."""
        finalizer = self._live.pop(lease, None)
        if finalizer is not None:
            finalizer.detach()

    def __len__(self) -> int:
        return len(self._live)

    def _in_progress(self) -> set[Request] | None:
        """The engine's requests not yet finished: from the download until its callback's output is handled.

        Scrapy's engine adds a request when it starts downloading it and removes it once the scraper has
        handled what its callback (or errback) returned: yielded requests are queued, items have passed the
        pipelines. None if this Scrapy has no such set (then the garbage collector decides).
        """
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        return inprogress if isinstance(inprogress, set) else None

    def sweep(self, collect: bool = False) -> None:
        """Finish the leases of the requests the engine is done with (no garbage collection on the hot path).

        Every request the scheduler hands out enters the engine's in-progress set in the same synchronous step
        (``ExecutionEngine._start_scheduled_request``), and this runs only from later reactor steps, so a leased
        request that is not in the set is done. A request the stop caught before it left was dropped already
        (the gate's hand-back calls the scheduler's keep_stopped): close() hands it back to the cluster.
        """
        inprogress = self._in_progress()
        if inprogress is None:
            if collect or (self._live and time.monotonic() - self._last_gc > 1.0):
                self._last_gc = time.monotonic()  # requests caught in reference cycles: at most once a second
                gc.collect()
            return
        for finalizer in list(self._live.values()):
            info = finalizer.peek()  # None once finished
            if info is None or info[0] in inprogress:
                continue
            finalizer()  # runs _done once
