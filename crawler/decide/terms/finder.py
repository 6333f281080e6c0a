"""Find and read a site's terms of service with a caller's polite fetcher (the crawl's gate)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler.decide.terms.clauses import UNKNOWN, Clause, TermsVerdict, analyse
from crawler.decide.terms.conditions import Condition
from crawler.decide.terms.discover import Candidate, common_paths, discover
from crawler.decide.terms.text import html_to_text

#: fetch(url) -> (status, headers, text[, final url after redirects]) or None when refused or unreachable.
Fetch = Callable[[str], Awaitable["tuple[int, Mapping[Any, Any], str] | tuple[int, Mapping[Any, Any], str, str] | None"]]
#: Terms pages read at most (candidates that answer), and common paths tried at most, during a crawl.
MAX_PAGES, MAX_GUESSES = 2, 4
#: How long a verdict is reused (state folder, cluster): a week; a verdict from no page read, an hour.
MAX_AGE, MAX_AGE_UNREAD = 7 * 24 * 3600.0, 3600.0


@dataclass
class TermsResult:
    """The verdict for a site, the page it came from, every candidate tried and when it was read."""

    verdict: TermsVerdict = UNKNOWN
    url: str | None = None
    tried: list[tuple[str, str, str]] = field(default_factory=list)  # (url, source, outcome)
    read_at: float = field(default_factory=time.time)

    def fresh(self, now: float) -> bool:
        """Still good to decide with: read within MAX_AGE (MAX_AGE_UNREAD when no terms page was read)."""
        return now - self.read_at < (MAX_AGE if self.url is not None else MAX_AGE_UNREAD)

    def where(self, clause: Clause | None) -> str:
        """Where a clause was found: the terms page and the heading or paragraph in it."""
        if clause is None:
            return self.url or ""
        return f"{self.url}, {clause.where}" if clause.where else (self.url or "")

    def describe(self) -> str:
        """One line for the audit log and ``civilcrawl check``."""
        v = self.verdict
        if self.url is None:
            return "no terms page found" if not self.tried else f"terms unknown ({len(self.tried)} pages tried, none read)"
        if v.verdict == "none":
            return f"terms at {self.url}: nothing about automated access"
        clause = v.decisive()
        quote = f': "{clause.text[:200]}"' if clause else ""
        kinds = f" ({'; '.join(c.describe() for c in v.conditions)})" if v.conditions else ""
        return f"terms {v.verdict}{kinds} at {self.where(clause)}{quote}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form, for caches and ``civilcrawl tos --json``."""
        return {"verdict": self.verdict.verdict, "terms_url": self.url, "read_at": self.read_at,
                "conditions": [{"kind": c.kind, "detail": c.detail, "gap": c.gap} for c in self.verdict.conditions],
                "clauses": [{"quote": c.text, "kind": c.kind, "where": self.where(c),
                             "conditions": [{"kind": k.kind, "detail": k.detail, "gap": k.gap} for k in c.conditions]}
                            for c in self.verdict.clauses],
                "tried": [{"url": u, "source": s, "outcome": o} for u, s, o in self.tried]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TermsResult:
        """Back from :meth:`to_dict` (a cached verdict)."""
        url = data.get("terms_url")
        clauses = []
        for c in data.get("clauses", []):
            where = c.get("where", "")
            where = where[len(url) + 2:] if url and where.startswith(f"{url}, ") else ("" if where == url else where)
            clauses.append(Clause(c["quote"], c["kind"], tuple(Condition(k["kind"], k.get("detail", ""), k.get("gap"))
                                                               for k in c.get("conditions", [])), where))
        return cls(TermsVerdict(data["verdict"], tuple(clauses)), url,
                   [(t["url"], t["source"], t["outcome"]) for t in data.get("tried", [])], data.get("read_at", 0.0))


async def find_terms(fetch: Fetch, home: str, *, allowed: Callable[[str], bool] = lambda url: True,
                     guess_paths: bool = True, max_pages: int = MAX_PAGES, max_guesses: int = MAX_GUESSES) -> TermsResult:
    """Read ``home``, then candidate terms pages, best first, until one has a verdict or ``max_pages`` were read.

    Common paths (only in the home page's language, then English) are guessed when no linked page could be read,
    at most ``max_guesses`` of them, and only those ``allowed`` (robots.txt) says may be fetched.
    """
    result = TermsResult()
    page = await fetch(home)
    if page is None or page[0] != 200:
        result.tried.append((home, "home", "not fetched" if page is None else f"HTTP {page[0]}"))
        if page is None:
            return result
    status, headers, html = page[:3]
    base = page[3] if len(page) > 3 else home  # a home page that redirected (to /en/, to https): links are relative to it
    _, lang = html_to_text(html) if status == 200 else ("", None)
    linked = [c for c in discover(html if status == 200 else "", base, headers) if c.source != "common-path"]
    guessed = [Candidate(u, "common-path") for u in common_paths(home, lang) if u not in {c.url for c in linked}]
    read = guesses = 0
    for cand in linked + (guessed if guess_paths else []):
        if read >= max_pages:
            break
        if cand.source == "common-path":
            if guesses >= max_guesses or read:
                break  # guessed paths are for sites that link no terms page we could read
            if not allowed(cand.url):
                result.tried.append((cand.url, cand.source, "disallowed by robots.txt: not tried"))
                continue
            guesses += 1
        got = await fetch(cand.url)
        if got is None or got[0] != 200:
            result.tried.append((cand.url, cand.source, "not fetched" if got is None else f"HTTP {got[0]}"))
            continue
        read += 1
        text, page_lang = html_to_text(got[2])
        verdict = analyse(text, page_lang or lang)
        result.tried.append((cand.url, cand.source, verdict.verdict))
        if result.url is None or verdict.verdict != "none":
            result.verdict, result.url = verdict, cand.url
        if verdict.verdict != "none":
            break
    return result
