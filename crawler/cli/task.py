"""Run one coroutine against the gate inside a real Scrapy crawl (for ``check`` and ``tos``).

Every request such a task makes goes through the same gate as a crawl: robots.txt, policies, the
network guard and the per-host pace apply, and the audit log records it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from scrapy import Spider

from crawler.gate.middleware import CivilGate

Task = Callable[[CivilGate], Awaitable[Any]]


class TaskSpider(Spider):
    """A spider whose only work is to await ``task(gate)`` and keep its result."""

    name = "civilcrawl-task"

    def __init__(self, task: Task, box: dict[str, Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.task, self.box = task, box

    async def start(self) -> AsyncIterator[Any]:
        gate = self.crawler.get_downloader_middleware(CivilGate)
        try:
            assert gate is not None, "civilcrawl's gate is not among the downloader middlewares"  # the addon adds it
            self.box["result"] = await self.task(gate)
        except Exception as exc:  # reported by the command, never a traceback for the user
            self.box["error"] = exc
        return
        yield  # an async generator that yields nothing


def run_task(settings: dict[str, Any], task: Task) -> Any:
    """Run ``task`` in a crawl with ``settings``; return its result or raise what it raised."""
    from crawler.cli.runner import run_crawl

    box: dict[str, Any] = {}
    run_crawl(settings, TaskSpider, task=task, box=box)
    if "error" in box:
        raise box["error"]
    if "result" not in box:
        raise RuntimeError("the crawl ended before the task ran (see the log above)")
    return box["result"]
