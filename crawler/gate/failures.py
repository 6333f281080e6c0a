"""Unexpected exceptions on a request's path: each ends as an audit record and a log line, and is counted.

A hostile answer that trips a bug (an overflowing date, a deeply nested file) must not lose its URL in
silence. The gate's request and response steps are wrapped by :func:`audited`; exceptions raised by
spider callbacks and errbacks arrive through Scrapy's ``spider_error`` signal (:func:`watch`). Each is
an ``error`` record with the exception's type in the detail, an ERROR log line, and a count in the
``civil/errors/unexpected`` stat, which turns the crawl's exit status non-zero (crawler.cli.runner).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.audit import log as A
from crawler.gate.refusal import Refused
from crawler.gate.state import RequestState
from crawler.net.urls import host_or_blank

if TYPE_CHECKING:
    from crawler.gate.middleware import CivilGate

logger = logging.getLogger(__name__)

ERRORS_STAT = "civil/errors/unexpected"
_DETAIL_MAX = 300
T = TypeVar("T")


def describe(exc: BaseException) -> str:
    """``Type: message``, cut to a readable length (a hostile input can make the message huge)."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return text if len(text) <= _DETAIL_MAX else text[:_DETAIL_MAX] + "..."


def note(gate: CivilGate, request: Request, exc: BaseException, where: str, decision: str, **extra: Any) -> None:
    """Log, count and (for the crawl's own URLs, not the files read to decide) record one unexpected exception."""
    logger.error("unexpected %s while %s %s", type(exc).__name__, where, request.url,
                 exc_info=(type(exc), exc, exc.__traceback__))
    gate.crawler.stats.inc_value(ERRORS_STAT)
    if RequestState.of(request).is_read:
        return  # their reader turns the failure into its decision (robots.txt unreachable: disallow all)
    gate.audit.record(request.url, host_or_blank(request.url), decision, "error", f"{where}: {describe(exc)}", **extra)


def audited(where: str, decision: str) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Awaitable[T]]]:
    """Wrap a gate step: an exception other than a refusal is recorded, then the request is refused."""

    def wrap(step: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        @functools.wraps(step)
        async def run(gate: CivilGate, *args: Any, **kwargs: Any) -> T:
            try:
                return await step(gate, *args, **kwargs)
            except IgnoreRequest:
                raise
            except Exception as exc:
                given = [*args, *kwargs.values()]
                request = next(a for a in given if isinstance(a, Request))
                response = next((a for a in given if isinstance(a, Response)), None)
                _fail(gate, request, exc, where, decision, status=response.status if response else None)

        return run

    return wrap


def _fail(gate: CivilGate, request: Request, exc: Exception, where: str, decision: str, **extra: Any) -> NoReturn:
    state = RequestState.of(request)
    if (host := state.host) is not None:
        state.host = None
        gate.politeness.release(host)  # the request held the host's turn: hand it back
    note(gate, request, exc, where, decision, spent=state.spent or None, **extra)  # a page sent spent its budget
    raise Refused("error", describe(exc)) from exc


def watch(gate: CivilGate) -> None:
    """Record exceptions raised by spider callbacks and errbacks (Scrapy's ``spider_error`` signal)."""

    def on_spider_error(failure: Failure, response: Response | Failure, spider: Any = None) -> None:
        request = getattr(response, "request", None)
        if request is None:
            return
        where = "the spider's callback on" if isinstance(response, Response) else "the spider's errback for"
        note(gate, request, failure.value, where, A.FETCHED if isinstance(response, Response) else A.REFUSED,
             status=getattr(response, "status", None))

    gate.crawler.signals.connect(on_spider_error, signal=signals.spider_error, weak=False)
