"""The gap between two requests to a site: our delay, the site's policy, robots.txt's Crawl-delay and Request-rate.

Pure rules; the gate applies them per origin and host (crawler.gate.pacing) and the pacer keeps them
(crawler.pace.local).
"""

from __future__ import annotations

from crawler.decide.policy import Policy


def own_gap(delay: float, delay_source: str, policy: Policy | None) -> tuple[float, str]:
    """(seconds, where from): our delay, or the policy's, which may lower it."""
    own = policy.min_gap() if policy is not None else None
    if policy is None or own is None:
        return delay, delay_source
    key = "crawl.min_delay" if own == policy.min_delay else "crawl.requests_per_minute"
    return own, f"policy {policy.where(key)}"


def origin_gap(delay: float, delay_source: str, policy: Policy | None, crawl_delay: float | None,
               request_rate: float | None, url_origin: str) -> tuple[float, str]:
    """(seconds, where from) between requests to one origin: the largest of our own gap (:func:`own_gap`)
    and robots.txt's Crawl-delay and Request-rate; a policy never lowers the gap below robots.txt's."""
    gap, source = own_gap(delay, delay_source, policy)
    if crawl_delay is not None and crawl_delay > gap:
        gap, source = crawl_delay, f"Crawl-delay {crawl_delay:g} ({url_origin}/robots.txt)"
    if request_rate is not None and request_rate > gap:
        gap, source = request_rate, f"Request-rate 1/{request_rate:g}s ({url_origin}/robots.txt)"
    return gap, source


def host_floor(delay: float, policy: Policy | None) -> float:
    """The gap that holds between any two starts at a host, whatever its origins: our delay, or the policy's."""
    own = policy.min_gap() if policy is not None else None
    return max(delay if own is None else own, 0.0)
