"""The gate's decision from a terms verdict and the purpose; the verdict's cached form; find_terms' limits."""

from __future__ import annotations

import asyncio
import time

import pytest

from crawler.decide.policy import load_text
from crawler.decide.terms import analyse
from crawler.decide.terms.decide import decide_terms
from crawler.decide.terms.finder import MAX_AGE, TermsResult, find_terms

URL = "https://example.org/terms"


def result(text: str) -> TermsResult:
    return TermsResult(analyse(text), URL, [(URL, "anchor", "x")])


@pytest.mark.parametrize("text, purpose, allowed", [
    ("You must not crawl this site.", "search", False),
    ("Returns within 14 days.", "ai-train", True),
    ("Crawlers are welcome if they obey our robots.txt.", "archive", True),
    ("Automated collection is permitted for non-commercial research only.", "research", True),
    ("Automated collection is permitted for non-commercial research only.", "archive", False),
    ("You may not use our content to train AI models.", "archive", True),
    ("You may not use our content to train AI models.", "ai-train", False),
    ("Scraping is prohibited without our prior written permission.", "research", False),
    ("Automated access is allowed only through our API at /api.", "research", False),
    ("Only public search engines may crawl this site.", "search", False),
])
def test_decision_per_purpose(text, purpose, allowed):
    d = decide_terms(result(text), purpose)
    assert d.allowed is allowed
    if not allowed and "must not crawl" not in text:
        assert "condition not met" in d.detail and URL in d.detail


def test_rate_is_met_by_pacing():
    d = decide_terms(result("Bots may visit provided they send no more than 12 requests per minute."), "research")
    assert d.allowed and d.gap == 5.0 and "paced at one request every 5 s" in d.detail


def test_policy_permission_meets_permission_api_and_search_conditions():
    policy = load_text("site: example.org\npermission:\n  granted_by: owner@example.org\n  on: 2026-11-30\n", "p.yaml")
    for text in ("Scraping is prohibited without our prior written permission.",
                 "Automated access is allowed only through our API.", "Only search engines may crawl this site."):
        d = decide_terms(result(text), "research", policy)
        assert d.allowed and "owner@example.org" in d.detail and "p.yaml" in d.detail


def test_cached_form_round_trips_and_ages():
    r = result("Bots may visit provided they send no more than 30 requests per minute.")
    back = TermsResult.from_dict(r.to_dict())
    assert back.to_dict() == r.to_dict() and back.verdict.conditions[0].gap == 2.0
    assert back.fresh(time.time()) and not back.fresh(r.read_at + MAX_AGE + 1)
    assert not TermsResult(read_at=time.time() - 7200).fresh(time.time()), "an unread verdict is retried sooner"


def test_find_terms_limits_and_robots():
    pages = {"https://s.org/": (200, {}, '<html lang="de"><body>home</body></html>'),
             "https://s.org/agb": (404, {}, ""), "https://s.org/nutzungsbedingungen": (200, {}, "<p>Das Crawlen ist untersagt.</p>")}
    asked: list[str] = []

    async def fetch(url):
        asked.append(url)
        return pages.get(url, (404, {}, ""))

    r = asyncio.run(find_terms(fetch, "https://s.org/", allowed=lambda u: not u.endswith("/impressum")))
    assert r.verdict.verdict == "forbidden" and r.url == "https://s.org/nutzungsbedingungen"
    assert asked == ["https://s.org/", "https://s.org/agb", "https://s.org/nutzungsbedingungen"], "German paths first"
    asked.clear()
    r = asyncio.run(find_terms(fetch, "https://s.org/", allowed=lambda u: False))
    assert asked == ["https://s.org/"] and r.verdict.verdict == "unknown", "robots.txt disallows every guess"
    asked.clear()
    pages["https://s.org/nutzungsbedingungen"] = (404, {}, "")
    asyncio.run(find_terms(fetch, "https://s.org/"))
    assert len(asked) == 1 + 4, "at most four guessed paths in a crawl"
