"""Progress while a job runs: a live status line on a terminal, plain log lines otherwise.

Shows pages fetched, refusals by reason, pending URLs and the hosts that are waiting, with why
(their gap and its source, or a pause such as Retry-After).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sys
import time
from collections.abc import Sized
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.audit import log as A

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("crawler.progress")

LIVE, LINES, OFF = "live", "lines", "off"
NOT_PAGES = A.OWN_FILES | {"terms"}  # read by the gate to decide (terms pages too): not counted as fetched here


def snapshot(gate: Any, pending: int | None = None, now: float | None = None) -> dict[str, Any]:
    """What the crawl is doing right now, from the gate's counters and per-host pacing state."""
    now = time.monotonic() if now is None else now
    counts = gate.audit.counts
    refused: dict[str, int] = {}
    for (decision, reason), n in counts.items():
        if decision in ("refused", "skipped"):
            refused[reason] = refused.get(reason, 0) + n
    waiting = {}
    for host, st in gate.politeness.hosts.items():
        if st.paused_until > now:
            waiting[host] = f"paused {st.paused_until - now:.0f} s: {st.pause_reason}"
        elif st.waiting or st.active:
            waiting[host] = f"{st.waiting} waiting, gap {st.effective_gap:g} s from {st.gap_source}"
    fetched = sum(n for (d, r), n in counts.items() if d == "fetched" and r not in NOT_PAGES)
    return {"fetched": fetched, "refused": refused, "pending": pending, "hosts_waiting": waiting}


def render(snap: dict[str, Any], width: int = 120) -> str:
    """One line: ``fetched 120 | refused robots 3, private-network 1 | pending 42 | waiting a.test (gap 1 s ...)``."""
    parts = [f"fetched {snap['fetched']}"]
    if snap["refused"]:
        parts.append("refused/skipped " + ", ".join(f"{r} {n}" for r, n in sorted(snap["refused"].items(), key=lambda x: -x[1])))
    if snap["pending"] is not None:
        parts.append(f"pending {snap['pending']}")
    if snap["hosts_waiting"]:
        parts.append("waiting " + "; ".join(f"{h} ({why})" for h, why in sorted(snap["hosts_waiting"].items())))
    line = " | ".join(parts)
    return line if len(line) <= width else line[:width - 1] + "…"


class Progress:
    """Extension: every ``CIVIL_PROGRESS_INTERVAL`` seconds, show :func:`snapshot` as ``CIVIL_PROGRESS`` says."""

    def __init__(self, crawler: Crawler, mode: str, interval: float, stream: TextIO = sys.stderr):
        self.crawler, self.mode, self.interval, self.stream = crawler, mode, interval, stream
        self.json = crawler.settings.get("CIVIL_LOG_FORMAT") == "json"
        self.via_log = crawler.settings.getbool("CIVIL_JOB")  # `run` formats every line through its log handler
        self._task: asyncio.Task | None = None
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        mode = crawler.settings.get("CIVIL_PROGRESS", OFF)
        if mode == OFF:
            raise NotConfigured("progress display off")
        return cls(crawler, mode, crawler.settings.getfloat("CIVIL_PROGRESS_INTERVAL", 10.0 if mode == LINES else 0.5))

    def _opened(self, spider: Any) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.show()

    def show(self, final: bool = False) -> None:
        from crawler.gate.middleware import CivilGate

        gate = self.crawler.get_downloader_middleware(CivilGate)
        if gate is None:
            return
        snap = snapshot(gate, self._pending())
        if self.mode == LIVE:
            width = shutil.get_terminal_size((120, 20)).columns - 1
            self.stream.write("\r\x1b[K" + render(snap, width) + ("\n" if final else ""))
            self.stream.flush()
        elif self.json:
            logger.info(json.dumps({"progress": snap}, separators=(",", ":")))
        elif self.via_log:
            logger.info("progress: %s", render(snap, 10_000))
        else:  # `crawl` logs warnings only: its progress lines go straight to the stream
            self.stream.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} progress: {render(snap, 10_000)}\n")
            self.stream.flush()

    def _pending(self) -> int | None:
        """URLs not done yet: the job's journal, else the scheduler's queue."""
        journal = getattr(self.crawler.spider, "journal", None)
        if journal is not None and getattr(journal, "run", None) is not None:
            return journal.pending()
        try:
            scheduler = self.crawler.engine.scheduler
            return len(scheduler) if isinstance(scheduler, Sized) else None
        except (AttributeError, TypeError):
            return None

    def _closed(self, spider: Any, reason: str) -> None:
        if self._task is not None:
            self._task.cancel()
        self.show(final=True)
