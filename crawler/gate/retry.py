"""Retries of answers worth asking again (429, 5xx) and of network errors, with Scrapy's ``get_retry_request``.

The attempt count is Scrapy's ``retry_times`` meta; the request's state (crawler.gate.state) carries what the
next attempt's audit record says: the note on why, and when the earlier attempts started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import get_retry_request

from crawler.audit import log as A
from crawler.gate.state import STATE_META, RequestState

if TYPE_CHECKING:
    from scrapy import Request, Spider

RETRY_STATUSES = {429, 500, 502, 503, 504}


def attempts(request: Request) -> int:
    """Retries of ``request`` so far (0 for a first attempt)."""
    return int(request.meta.get("retry_times", 0))


def retry(request: Request, spider: Spider, *, reason: str | Exception, note: str, times: int) -> Request | None:
    """The next attempt of ``request``, or None when it asked for none (``dont_retry``) or had ``times`` retries."""
    if attempts(request) >= times or request.meta.get("dont_retry"):
        return None
    again = get_retry_request(request, spider=spider, reason=reason, max_retry_times=times, priority_adjust=0)
    if again is not None:
        state = RequestState.of(request)
        again.meta[STATE_META] = state.retried(note, A.utc_iso(state.started) if state.started else None)
    return again
