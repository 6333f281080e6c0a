"""The gate's refusal: the exception a refused request ends with, its reason and detail as fields."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class Refused(IgnoreRequest):
    """A request the gate refused; its audit record is already written. ``reason`` is the audit reason;
    ``target``: the redirect target refused while its source's answer was read (crawler.gate.redirects)."""

    def __init__(self, reason: str, detail: str = "", target: str | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail, self.target = reason, detail, target

    def __reduce__(self) -> tuple[type[Refused], tuple[str, str, str | None]]:
        return type(self), (self.reason, self.detail, self.target)


class Stopping(Refused):
    """The crawl stopped before the request left: no decision was taken on it (no audit record)."""

    def __init__(self, detail: str = "crawl stopping"):
        super().__init__("shutdown", detail)

    def __reduce__(self) -> tuple[type[Stopping], tuple[str]]:  # type: ignore[override]
        return type(self), (self.detail,)
