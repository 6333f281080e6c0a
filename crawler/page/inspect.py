"""What a fetched page says about itself: parsed once, then its directives and opt-out signals for a purpose.

Directives are read only from pages robots.txt allowed us to fetch; nothing is fetched to read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Response, TextResponse

from crawler.decide.optout import Decision, Signal, decide, directive_signals
from crawler.decide.optout.content_usage import header_signal
from crawler.decide.optout.directives import Directives, directives_from_headers, directives_from_html, meta_tags
from crawler.decide.optout.tdmrep import TdmRule, tdm_signal
from crawler.page.extract import parse_html

HTML_TYPES = ("", "text/html", "application/xhtml+xml")


@dataclass
class PageVerdict:
    """The outcome of reading a page: keep an item? follow its links? how much text?"""

    root: Any = None  # the parsed lxml tree, handed to the spider so the page is parsed once
    directives: Directives = field(default_factory=Directives)
    decision: Decision | None = None
    content_type: str = ""

    @property
    def item_allowed(self) -> bool:
        return not self.directives.noindex and (self.decision is None or self.decision.allowed)

    @property
    def follow(self) -> bool:
        return not self.directives.nofollow

    @property
    def images_allowed(self) -> bool:
        return not self.directives.noimageindex and (self.decision is None or self.decision.images_allowed)

    def refusal(self) -> tuple[str, str] | None:
        """(audit reason, detail) when no item may be kept."""
        if self.directives.noindex:
            where = ", ".join(sorted({w for r, w in self.directives.sources if r in ("noindex", "none")}))
            return "noindex", f"noindex ({where})"
        if self.decision is not None and not self.decision.allowed:
            return self.decision.reason or "purpose", self.decision.detail
        return None

    def text_limit(self, purpose: str) -> int | None:
        """Characters of text to keep: 0 for nosnippet (search) and noarchive (archive), else max-snippet."""
        d = self.directives
        if purpose == "archive" and d.noarchive:
            return 0
        if purpose == "search":
            if d.nosnippet:
                return 0
            if d.max_snippet is not None and d.max_snippet >= 0:
                return d.max_snippet
        return None

    def notes(self) -> str:
        """The directives and signals that shaped the page's use, for the audit detail."""
        parts = [f"{r} ({w})" for r, w in self.directives.sources if r in ("nofollow", "none", "noarchive",
                                                                        "nosnippet", "noimageindex")]
        if self.decision is not None:
            parts += [f"{s.name} {s.value}: {effect}" for s, effect in self.decision.seen if effect != "no effect"]
        return "; ".join(parts)


def content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0].strip().lower()


def inspect(response: Response, *, token: str, purpose: str, art3: bool = False,
            robots_signals: Sequence[Signal] = (), tdm_rules: Sequence[TdmRule] = ()) -> PageVerdict:
    """Parse an HTML page once and weigh its directives and signals (with robots.txt's and tdmrep.json's)."""
    ctype = content_type(response)
    verdict = PageVerdict(content_type=ctype)
    headers = response.headers.getlist("X-Robots-Tag")
    directives = directives_from_headers(headers, token) if headers else Directives()
    meta: list[tuple[str, str]] = []
    if isinstance(response, TextResponse) and ctype in HTML_TYPES and 200 <= response.status < 300:
        verdict.root = parse_html(response.body, response.encoding)
        if verdict.root is not None:
            meta = meta_tags(verdict.root, token)
            if meta:
                directives = directives.merge(directives_from_html(meta, token))
    verdict.directives = directives
    path = response.url.split("://", 1)[-1].partition("/")[2]
    signals = [*robots_signals, *directive_signals(directives)]
    if cu := response.headers.getlist("Content-Usage"):
        if (sig := header_signal(cu)) is not None:
            signals.append(sig)
    tdm = tdm_signal("/" + path, tdm_rules, response.headers.get("tdm-reservation"),
                     response.headers.get("tdm-policy"), meta)
    if tdm is not None:
        signals.append(tdm)
    verdict.decision = decide(signals, purpose, art3=art3)
    return verdict
