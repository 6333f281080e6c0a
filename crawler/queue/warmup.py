"""Warm-ups: a host's decision reads (robots.txt, terms, tdmrep.json...) made ahead of its first request.

The scheduler (crawler.queue.hosts) hands a host's requests out only once the gate has prepared its origin
(the gate's ``prepare``: a probe decision that records nothing). Reads that go to the network take seconds at
the host's pace, so at most ``limit`` hosts wait on them at once, first come first served; a host whose reads
are known already (its robots.txt in the state folder: a resumed run, or reads grown stale) prepares from
there in moments, so it does not queue behind those: up to 4 x ``limit`` of them at once, in a line of their own.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from crawler.net.urls import BadURL, origin

logger = logging.getLogger(__name__)


class WarmUps:
    """Hosts being prepared, and those waiting for a turn to be (in two lines: from the network, from memory)."""

    def __init__(self, limit: int, prepare: Callable[[str], Awaitable[Any]], known: Callable[[str], bool],
                 ready: Callable[[str], None]):
        self.limits = {False: max(1, limit), True: 4 * max(1, limit)}  # by "its reads are known"
        self.prepare, self.known, self.ready = prepare, known, ready
        self.running: dict[str, tuple[list[str], bool]] = {}  # origin -> (hosts waiting for it, known)
        self.counts = {False: 0, True: 0}
        self.lines: dict[bool, dict[str, None]] = {False: {}, True: {}}  # hosts waiting for a turn, in order
        self.held: set[str] = set()  # hosts in a warm-up or waiting for one: none of their requests goes out
        self.tasks: set[asyncio.Future[Any]] = set()

    def warm(self, host: str, url: str) -> None:
        """Prepare ``url``'s origin for ``host`` now, or line the host up for it."""
        try:
            key = origin(url)
        except BadURL:
            key = url
        self.held.add(host)
        if key in self.running:
            self.running[key][0].append(host)
            return
        known = self.known(url)
        if self.counts[known] >= self.limits[known]:
            self.lines[known][host] = None
            return
        self.running[key] = ([host], known)
        self.counts[known] += 1
        task = asyncio.ensure_future(self.prepare(url))
        self.tasks.add(task)
        task.add_done_callback(functools.partial(self._done, key=key))

    def _done(self, task: asyncio.Future[Any], key: str) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.debug("reading ahead for %s failed (its requests read at the gate): %s", key, exc)
        hosts, known = self.running.pop(key, ([], False))
        self.counts[known] -= 1
        for host in hosts:
            self.held.discard(host)
            self.ready(host)
        if self.lines[known]:
            self.ready("")  # a turn is free: the scheduler looks again (and calls next_in_line)

    def next_in_line(self) -> list[str]:
        """Hosts waiting for a turn, as many as there are free turns (each line in its order)."""
        out = []
        for known in (True, False):
            line = self.lines[known]
            for _ in range(self.limits[known] - self.counts[known]):
                if not line:
                    break
                host = next(iter(line))
                del line[host]
                self.held.discard(host)
                out.append(host)
        return out

    def waiting(self) -> bool:
        return any(self.lines[k] and self.counts[k] < self.limits[k] for k in (False, True))

    def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
