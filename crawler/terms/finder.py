"""Find and read a site's terms of service with a caller's polite fetcher (the crawl's gate)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from crawler.terms.clauses import TermsVerdict, analyse
from crawler.terms.discover import discover
from crawler.terms.text import html_to_text

#: fetch(url) -> (status, headers, text) or None when refused or unreachable.
Fetch = Callable[[str], Awaitable["tuple[int, object, str] | None"]]
NONE_FOUND = TermsVerdict("none found")


@dataclass
class TermsResult:
    """The verdict for a site, the page it came from and every candidate tried."""

    verdict: TermsVerdict = NONE_FOUND
    url: str | None = None
    tried: list[tuple[str, str, str]] = field(default_factory=list)  # (url, source, outcome)

    def refuses(self, purpose: str) -> bool:
        """Forbidden terms refuse every purpose, but an AI-only clause only ai-train, and a search-engine
        exception lets purpose search through. Conditional terms are recorded, not refused."""
        v = self.verdict
        if v.verdict != "forbidden":
            return False
        if v.purposes_forbidden and purpose not in v.purposes_forbidden:
            return False
        return not (purpose == "search" and "public search engines" in v.exceptions)

    def describe(self) -> str:
        if self.url is None:
            return "no terms page found" if not self.tried else f"{self.verdict.verdict} ({len(self.tried)} pages read)"
        quote = f': "{self.verdict.clauses[0][:200]}"' if self.verdict.clauses else ""
        return f"terms {self.verdict.verdict} at {self.url}{quote}"


async def find_terms(fetch: Fetch, home: str, *, guess_paths: bool = False, max_pages: int = 2) -> TermsResult:
    """Read ``home``, then up to ``max_pages`` candidate terms pages, best first; stop at the first verdict.

    During a crawl only pages the site links to are read (no guessed paths: they cost the site 404s);
    ``guess_paths`` adds the common paths for the ``tos`` command.
    """
    result = TermsResult()
    page = await fetch(home)
    if page is None:
        result.tried.append((home, "home", "not fetched"))
        return result
    status, headers, html = page
    candidates = [c for c in discover(html, home, headers) if guess_paths or c.source != "common-path"]
    budget = max_pages + (6 if guess_paths else 0)
    for cand in candidates[:budget]:
        got = await fetch(cand.url)
        if got is None or got[0] != 200:
            result.tried.append((cand.url, cand.source, "not fetched" if got is None else f"HTTP {got[0]}"))
            continue
        text, lang = html_to_text(got[2])
        verdict = analyse(text, lang)
        result.tried.append((cand.url, cand.source, verdict.verdict))
        if verdict.verdict != "none found":
            result.verdict, result.url = verdict, cand.url
            break
        if cand.source != "common-path" and len([t for t in result.tried if t[1] != "common-path"]) >= max_pages:
            if not guess_paths:
                break
    return result
