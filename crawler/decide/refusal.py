"""A decision not to fetch a URL, as the rules in decide/ hand it to the gate (which records it)."""

from __future__ import annotations

from typing import NamedTuple


class Refusal(NamedTuple):
    """The audit reason and detail of a refusal; ``skip``: recorded as skipped (outside the scope, the depth,
    the crawl window or a budget: not now or not here) rather than refused."""

    reason: str
    detail: str
    skip: bool = False
