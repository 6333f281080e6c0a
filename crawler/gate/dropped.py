"""Requests the scheduler drops as duplicates get their final record: ``skipped``, reason ``duplicate``.

Scrapy's dupefilter compares request fingerprints, which ignore query order and percent-encoding, so
``/a?y=2&x=1`` after ``/a?x=1&y=2`` or ``/%61b`` after ``/ab`` are dropped although their URLs differ.
Any scheduler's drop arrives as the engine's ``request_dropped`` signal (the cluster's shared frontier
included), so this does not depend on which dupefilter or scheduler a project uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request, signals

from crawler.audit import log as A

if TYPE_CHECKING:
    from crawler.gate.middleware import CivilGate

DETAIL = ("the same request as one already scheduled (Scrapy's fingerprint ignores query order and "
          "percent-encoding); not fetched again")


def watch(gate: CivilGate) -> None:
    """Record every request the scheduler drops, unless its URL already has its decision (a redirect loop)."""

    def on_dropped(request: Request, spider: Any = None) -> None:
        redirected = request.meta.get("redirect_urls")
        if redirected:
            seen = getattr(gate.crawler.spider, "seen", ())
            if request.url in redirected or request.url in seen:
                return  # a redirect back to a URL already decided on: that decision stands
            detail = f"redirected from {redirected[-1]}: {DETAIL}"
        else:
            detail = DETAIL
        gate.admission.unfetched(request.url, "duplicate", detail, A.SKIPPED)
        if (decided := getattr(getattr(gate.crawler.spider, "seen", None), "decided", None)) is not None:
            decided(request.url)  # a cluster: no survivor needs to decide on it again

    gate.crawler.signals.connect(on_dropped, signal=signals.request_dropped, weak=False)
