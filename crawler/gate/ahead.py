"""Decisions taken ahead: before a host's first request is handed out (crawler.queue.hosts), the gate decides once
on a probe of it, recording nothing, so the reads its decision needs (robots.txt, terms, tdmrep.json, ai.txt)
are done and its pace set; the request itself then waits for none of them inside the engine's slots."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from scrapy import Request

from crawler.gate.reads import READING_AHEAD
from crawler.gate.refusal import Refused
from crawler.gate.state import state_meta
from crawler.net.urls import BadURL, origin, split_origin

AHEAD_FOR = 600.0  # seconds a host counts as prepared: then its reads are looked at again (they may have expired)

Decide = Callable[[Request, str, str], Awaitable[object]]


class ReadAhead:
    """The origins prepared lately, and the probe that prepares one with the gate's own ``decide``."""

    def __init__(self, decide: Decide):
        self.decide = decide
        self._ahead: dict[str, float] = {}  # origin -> when (monotonic) it was prepared

    def prepared(self, url: str) -> bool:
        """Has :meth:`prepare` run for ``url``'s origin lately? (a bad URL needs nothing: the gate refuses it)"""
        try:
            return time.monotonic() - self._ahead.get(origin(url), float("-inf")) < AHEAD_FOR
        except BadURL:
            return True

    async def prepare(self, url: str) -> None:
        """Decide on ``url`` once ahead, recording nothing (a refusal is recorded when the request comes)."""
        try:
            _, host, _ = split_origin(url)
            url_origin = origin(url)
        except BadURL:
            return
        READING_AHEAD.set(True)  # this task's own context: its reads wait behind requests whose turn has come
        try:
            await self.decide(Request(url, meta=state_meta(probe=True, admitted=True)), host, url_origin)
        except Refused:
            pass
        finally:
            self._ahead[url_origin] = time.monotonic()
