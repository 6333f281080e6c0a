"""Differential conformance: civilcrawl's robots.txt matching vs Google's reference matcher.

The cases (tests/data/robots_conformance.json: body, token, URL, expected answer) are from RFC 9309 and
google/robotstxt's robots_test.cc.
Where our answer differs from the expected one, or Protego's from Google's, the side we take is pinned
below with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.decide.robots import PARSED, record_from_response

CASES_FILE = Path(__file__).with_name("data") / "robots_conformance.json"

#: Cases where civilcrawl deliberately answers differently from the file's expected answer.
PINNED = {
    # RFC 9309 §2.2.2's table says %-encoded unreserved octets equal their decoded form, so
    # "Allow: /foo/bar/%62%61%7A" covers /foo/bar/baz (Protego). Google's test says otherwise.
    46: True,
}
#: Cases where Google's matcher (called on the raw URL) is not the reference, with why.
GOOGLE_DIFFERS = {
    44: "Google leaves %-encoding of the URL to the caller; RFC 9309 §2.2.2 makes the crawler encode it",
    46: "see PINNED: we follow the RFC table",
    50: "a literal '*' in the URL must be compared as %2A (RFC 9309 §2.2.3); Google expects the caller to encode",
    90: "/robots.txt is implicitly allowed (RFC 9309 §2.2.2); Google's matcher has no such rule",
}


def load_cases() -> list[tuple[int, str, str, str, bool]]:
    data = json.loads(CASES_FILE.read_text("utf-8"))
    return [(c["id"], c["body"], c["agent"], c["url"], c["allowed"]) for c in data["cases"]]


CASES = load_cases()


def civil_allows(body: str, agent: str, url: str) -> bool:
    record = record_from_response("http://foo.bar", 200, body.encode("utf-8"), url, None, None, 0.0)
    assert record.kind == PARSED
    return record.allows(url, agent)


def test_cases_file_read_whole():
    assert [c[0] for c in CASES] == list(range(1, 91)), "cases 1-90, each once"


@pytest.mark.parametrize("num,body,agent,url,expected", CASES, ids=[f"case{c[0]}" for c in CASES])
def test_civilcrawl_matches_expected(num, body, agent, url, expected):
    assert civil_allows(body, agent, url) == PINNED.get(num, expected)


@pytest.mark.parametrize("num,body,agent,url,expected", CASES, ids=[f"case{c[0]}" for c in CASES])
def test_google_reference_agrees_or_is_pinned(num, body, agent, url, expected):
    googlebot = pytest.importorskip("jwm.robotstxt.googlebot")
    google = googlebot.RobotsMatcher().OneAgentAllowedByRobots(body, agent, url)
    ours = civil_allows(body, agent, url)
    if num in GOOGLE_DIFFERS:
        assert google != ours, f"case {num} is pinned as a difference, but Google now agrees: unpin it"
    else:
        assert google == ours


def test_unknown_line_does_not_end_group():
    # Protego alone would end FooBot's group at the unknown line and allow everything (fails open).
    assert not civil_allows("User-agent: FooBot\nContent-Signal: ai-train=no\nUser-agent: *\nDisallow: /\n",
                            "FooBot", "http://foo.bar/x")


def test_bom_and_latin1_bytes():
    rec = record_from_response("http://h", 200, "\ufeffUser-agent: civilcrawl\nDisallow: /\n".encode(), "", None, None, 0)
    assert not rec.allows("http://h/x", "civilcrawl")
    rec = record_from_response("http://h", 200, b"# caf\xe9\nUser-agent: *\nDisallow: /p\n", "", None, None, 0)
    assert not rec.allows("http://h/p", "civilcrawl") and rec.allows("http://h/q", "civilcrawl")


def test_parse_limit_500_kib():
    body = b"User-agent: *\nDisallow: /early\n" + b"# filler comment line\n" * 30000 + b"Disallow: /late\n"
    assert len(body) > 600 * 1024
    rec = record_from_response("http://h", 200, body, "", None, None, 0)
    assert not rec.allows("http://h/early", "civilcrawl")
    assert rec.allows("http://h/late", "civilcrawl"), "rules after the first 500 KiB are ignored (Google does too)"


@pytest.mark.parametrize("status,allowed", [(404, True), (410, True), (401, True), (403, True),
                                            (429, False), (500, False), (503, False)])
def test_status_rules(status, allowed):
    rec = record_from_response("http://h", status, b"User-agent: *\nAllow: /\n", "", None, None, 0)
    assert rec.allows("http://h/x", "civilcrawl") is allowed


def test_unreachable_keeps_last_good_copy_and_backs_off():
    good = record_from_response("http://h", 200, b"User-agent: *\nDisallow: /a\n", "", None, None, 0)
    bad = record_from_response("http://h", 503, b"", "", 3600.0, good, 10 * 3600)
    assert bad.kind == "unreachable" and bad.retry_at == 10 * 3600 + 3600
    eff = bad.effective(10 * 3600)
    assert not eff.allows("http://h/a", "civilcrawl") and eff.allows("http://h/b", "civilcrawl")
    assert not bad.effective(31 * 24 * 3600).allows("http://h/b", "civilcrawl"), "no good copy beyond 30 days"
    worse = record_from_response("http://h", 500, b"", "", None, bad, 11 * 3600)
    assert worse.failures == 2 and worse.retry_at - 11 * 3600 == 120


def test_delays_for_our_group():
    rec = record_from_response("http://h", 200, b"User-agent: civilcrawl\nCrawl-delay: 5\nUser-agent: *\n"
                                                b"Crawl-delay: 1\n", "", None, None, 0)
    assert rec.delays("civilcrawl") == (5.0, None)
    rec = record_from_response("http://h", 200, b"User-agent: *\nCrawl-delay: abc\nRequest-rate: 1/10s\n", "", None, None, 0)
    assert rec.delays("civilcrawl") == (None, 10.0)
    rec = record_from_response("http://h", 200, b"User-agent: *\nCrawl-delay: 0.5\n", "", None, None, 0)
    assert rec.delays("civilcrawl") == (0.5, None)
