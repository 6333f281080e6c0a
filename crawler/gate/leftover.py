"""Requests the gate let out whose outcome never came back through it: their host's turn is given back, and they get
their audit record.

The gate frees a host's turn when the answer (or the download's exception) passes back up through it. A downloader
middleware ordered below the gate (a user's, above 950) can stop that: an exception it raises in process_response
skips every middleware above it, and a Request it returns (from process_response or process_exception) is handed
straight to the engine. The host would stay busy for good and the URL would have no record. So every fetch the
engine's downloader makes is watched to its end (the whole middleware chain, both ways): if the gate still holds the
request's turn then, it is given back at that moment (the host's gap counts from there) and an exception is
recorded as ``error``. Scrapy's ``request_left_downloader`` signal cannot serve: it is sent before the answer goes
back up through the middlewares, and not at all when a middleware answers in process_request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from crawler.audit import log as A
from crawler.gate import failures
from crawler.gate.state import STATE_META, RequestState

if TYPE_CHECKING:
    from crawler.gate.middleware import CivilGate

logger = logging.getLogger(__name__)

WHERE = "a downloader middleware after the gate, on"
_MARK = "_civil_fetch_watched"


def watch(gate: CivilGate) -> None:
    """Watch each fetch of the engine's downloader to its end, from the spider's opening (before any request)."""

    def install(*_: Any, **__: Any) -> None:
        downloader = getattr(getattr(gate.crawler, "engine", None), "downloader", None)
        if downloader is None or getattr(downloader, _MARK, False):
            return
        fetch = downloader.fetch

        def watched_fetch(request: Request, *args: Any, **kwargs: Any) -> Deferred[Any]:
            d: Deferred[Any] = maybeDeferred(fetch, request, *args, **kwargs)
            d.addBoth(_settle, gate, request)
            return d

        setattr(downloader, "fetch", watched_fetch)  # noqa: B010 - the engine calls the instance's fetch
        setattr(downloader, _MARK, True)  # noqa: B010

    gate.crawler.signals.connect(install, signal=signals.spider_opened, weak=False)
    gate.crawler.signals.connect(install, signal=signals.engine_started, weak=False)


def _settle(result: Any, gate: CivilGate, request: Request) -> Any:
    """The fetch of ``request`` has ended with ``result``: if the gate never saw how, end the request's turn here."""
    try:
        state = request.meta.get(STATE_META)
        if isinstance(state, RequestState) and (host := state.host) is not None:
            state.host = None
            settle(gate, request, state, host, result)
    except Exception:  # never change the fetch's outcome
        logger.exception("could not settle %s", request.url)
    return result


def settle(gate: CivilGate, request: Request, state: RequestState, host: str, result: Any) -> None:
    """Give ``host``'s turn back now and write the record the gate would have: an exception is an ``error``; a new
    request in the place of the answer is decided when it passes the gate (recorded here only if its URL is another)."""
    gate.politeness.release(host, origin=state.origin)
    timing = state.timing()
    if isinstance(result, Failure) and not isinstance(result.value, IgnoreRequest):
        failures.note(gate, request, result.value, WHERE, A.FETCHED, **timing)  # logged and counted; reads not recorded
        return
    if isinstance(result, Failure):  # a middleware's deliberate drop: recorded, not counted as unexpected
        detail = failures.describe(result.value)
    elif isinstance(result, Request):
        if result.url == request.url:
            return
        detail = f"its answer was replaced by a request for {result.url}"
    else:
        detail = "its answer did not pass back through the gate"
    if state.recorded:
        gate.audit.record(request.url, host, A.FETCHED, "error", f"{WHERE}: {detail}", **timing)
