"""The gate's pacing step: each host's gap (crawler.decide.rate), pauses after 429/503, and the host's turn.

The gap of an origin is the largest of our delay (or its policy's), its robots.txt's Crawl-delay and
Request-rate and its terms of service; the host keeps the largest of its origins' gaps, and our delay
holds between any two starts at it. The turn itself is the pacer's (crawler.pace.local, or the cluster's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crawler.decide.rate import host_floor, origin_gap
from crawler.decide.robots import retry_after_seconds
from crawler.gate.announce import setting_label
from crawler.gate.slots import SlotPins
from crawler.options import default
from crawler.pace.local import Politeness

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from crawler.decide.policy import Policy
    from crawler.decide.robots import RobotsRecord


class PausedTooLong(Exception):
    """The host is paused (Retry-After, Crawl-delay) for longer than CIVIL_MAX_RETRY_AFTER allows to wait."""


class Pacing:
    """Per-host gaps and turns for the gate, on the pacer the settings name (``CIVIL_PACE``)."""

    def __init__(self, crawler: Crawler, politeness: Politeness):
        s = crawler.settings
        self.politeness = politeness
        # Scrapy's own DOWNLOAD_DELAY, when a project sets one, only ever adds to our courtesy delay
        self.delay = max(s.getfloat("CIVIL_DELAY", default("CIVIL_DELAY")), s.getfloat("DOWNLOAD_DELAY", 0.0))
        if self.delay < 0:
            raise ValueError(f"CIVIL_DELAY must be >= 0, got {self.delay}")
        self.delay_label = setting_label(s, "CIVIL_DELAY")
        self.max_wait = s.getfloat("CIVIL_MAX_RETRY_AFTER", default("CIVIL_MAX_RETRY_AFTER"))
        self.max_crawl_delay = s.getfloat("CIVIL_MAX_CRAWL_DELAY", default("CIVIL_MAX_CRAWL_DELAY"))
        self.max_crawl_delay_label = setting_label(s, "CIVIL_MAX_CRAWL_DELAY")
        self.host_concurrency = max(1, s.getint("CIVIL_HOST_CONCURRENCY", default("CIVIL_HOST_CONCURRENCY")))
        self.slots = SlotPins(crawler)
        self._gaps: dict[str, dict[str, tuple[float, str]]] = {}  # host -> origin -> (gap, where from)

    def apply(self, host: str, url_origin: str, record: RobotsRecord, policy: Policy | None, token: str) -> None:
        """Set ``url_origin``'s gap, once: our delay or the policy's, robots.txt's Crawl-delay and Request-rate."""
        gaps = self._gaps.setdefault(host, {})
        if url_origin in gaps:
            return
        crawl_delay, request_rate = record.delays(token)
        gaps[url_origin] = origin_gap(self.delay, f"{self.delay_label} {self.delay:g}", policy, crawl_delay,
                                      request_rate, url_origin)
        gap, source = max(gaps.values())
        if gap > self.max_crawl_delay:
            limit = self.max_crawl_delay_label
            self.politeness.pause(host, float("inf"), f"{source} exceeds {limit} {self.max_crawl_delay:g}")
        concurrency = self.host_concurrency
        if policy is not None and policy.concurrency:
            concurrency = min(concurrency, policy.concurrency)
        # each origin keeps its own Crawl-delay / Request-rate; our delay (or the policy's) holds for the host
        own, own_source = gaps[url_origin]
        self.politeness.set_origin_gap(host, url_origin, own, own_source, host_floor(self.delay, policy), concurrency)

    def terms_gap(self, host: str, url_origin: str, gap: float, source: str) -> None:
        """A site's terms ask for a longer gap than it has: the origin keeps the longer one."""
        gaps = self._gaps.setdefault(host, {})
        if gap > gaps.get(url_origin, (0.0, ""))[0]:
            gaps[url_origin] = (gap, source)
            largest, where = max(gaps.values())
            self.politeness.set_gap(host, largest, where, self.politeness.state(host).concurrency)

    async def turn(self, request: Request, host: str, url_origin: str, give_up: Callable[[], bool] | None) -> float:
        """Wait for the host's turn; the seconds waited. Raises PausedTooLong, or the pacer's GaveUp and
        ShutdownError (the budget was spent, the crawl is stopping: no turn taken)."""
        if host not in self._gaps:
            self._gaps[host] = {}
            self.politeness.set_gap(host, self.delay, f"{self.delay_label} {self.delay:g}", self.host_concurrency)
        paused = self.politeness.paused_for(host)
        if paused > self.max_wait:
            reason = self.politeness.state(host).pause_reason
            raise PausedTooLong(f"{reason}; {paused:.0f} s left > {self.max_wait:g} s")
        waited = await self.politeness.acquire(host, give_up, origin=url_origin)
        self.slots.pin(request)
        return waited

    def held_to(self, host: str) -> float:
        """The gap the host's last start was held to."""
        return self.politeness.state(host).held_to

    def answered(self, host: str, status: int, retry_after: bytes | None) -> tuple[float, str]:
        """Pause the host after a 429 or 503 (its Retry-After, or back-off): (seconds, the note for the record)."""
        wait = retry_after_seconds(retry_after)
        source = f"Retry-After {wait:g} s" if wait is not None else "back-off"
        if wait is None:
            wait = self.politeness.state(host).effective_gap or self.delay or 1.0
        self.politeness.pause(host, wait, f"HTTP {status}, {source}")
        return wait, f"HTTP {status}: host paused {wait:g} s ({source})"

    def detail(self, host: str, waited: float) -> str:
        """What the wait for the turn was, for the audit record ("" when there was none to speak of)."""
        st = self.politeness.state(host)
        return f"waited {waited:.3f} s; gap {st.effective_gap:g} s from {st.gap_source}" if waited > 0.001 else ""

    def host(self, host: str) -> tuple[float, str, int] | None:
        """(gap, where from, concurrency) set for ``host``, or None before its first request."""
        st = self.politeness.hosts.get(host)
        return None if st is None else (st.gap, st.gap_source, st.concurrency)
