"""Protego behind our normaliser (crawler/decide/robotsmatch.py): its answers on coded text are the answers on the text."""

from __future__ import annotations

import random

import pytest
from protego import Protego

from crawler.decide.pathpattern import compile_pattern, normalize_path
from crawler.decide.robotsmatch import RuleMatcher, coded_path, coded_pattern, crawl_delay, request_rate
from crawler.decide.robotstxt import parse

TOKEN = "civilcrawl"
PARTS = ["/", "a", "b", "F", "3F", "2", "x.html", "index.html", "?", "=", "&", ":", "@", "+", ";", "'", " ", "~",
         "%", "%2F", "%2f", "%3D", "%3F", "%26", "%24", "%2A", "%41", "%7E", "%C3%BC", "ü", "ツ", "$", "*"]


def shape(rng: random.Random, start: list[str]) -> str:
    return rng.choice(start) + "".join(rng.choice(PARTS) for _ in range(rng.randint(0, 5)))


def test_one_rule_through_protego_is_the_pattern_matcher():
    rng = random.Random(11)
    for _ in range(20000):
        pattern = compile_pattern(shape(rng, ["/", "*", "/a", "x", "$"]))
        path = normalize_path(shape(rng, ["/", "/a"]))
        assert (not RuleMatcher([(pattern.text, False)]).allows(path)) is pattern.matches(path), (pattern.text, path)


def test_rules_ranked_longest_first_then_allow_then_file_order():
    rng = random.Random(12)
    for _ in range(3000):
        rules = [(compile_pattern(shape(rng, ["/", "*", "/a"])), rng.random() < 0.5) for _ in range(rng.randint(1, 6))]
        matcher = RuleMatcher([(p.text, allow) for p, allow in rules])
        path = normalize_path(shape(rng, ["/", "/a"]))
        ranked = sorted(range(len(rules)), key=lambda i: (-rules[i][0].length, not rules[i][1], i))
        first = next((i for i in ranked if rules[i][0].matches(path)), None)
        assert matcher.deciding(path) == first
        assert matcher.allows(path) is (first is None or rules[first][1])


def test_the_rule_found_among_many_blocks():
    rules = [(f"/section{i}/", False) for i in range(1000)] + [("/section999/public", True)]
    matcher = RuleMatcher(rules)
    assert matcher.deciding("/section999/public/x") == 1000 and matcher.allows("/section999/public/x")
    assert matcher.deciding("/section7/x") == 7 and not matcher.allows("/section7/x")
    assert matcher.deciding("/other") is None and matcher.allows("/other")


def test_code_is_twice_plus_one_and_leaves_protego_nothing_to_normalise():
    for text in ("/a%3Fb=?&*x$", "*", "$", "/%E3%83%84*"):
        anchored = text.endswith("$")
        assert len(coded_pattern(text)) == 2 * len(text) + 1
        assert "%" not in coded_pattern(text) and "$" not in coded_pattern(text)
        assert coded_pattern(text).endswith("zz") is anchored
    assert coded_path("/a?b") == "/" + "".join(f"{'ghijklmn'[ord(c) >> 4]}{ord(c) & 15:X}" for c in "/a?b") + "zz"


def _plain_protego(text: str, url: str) -> bool:
    """Protego handed our group's normalised rules as they are, without the code."""
    group = parse(text).group(TOKEN)
    rules = "".join(f"{ln.key}: {compile_pattern(ln.value).text}\n" for ln in group.lines if ln.key in ("allow", "disallow"))
    return Protego.parse("User-agent: *\n" + rules).can_fetch(normalize_path(url), TOKEN)


# Where Protego's own normalisation would answer otherwise than Google (and RFC 9309): the code is why we agree.
@pytest.mark.parametrize("text,path,google", [
    ("Disallow: /%3D\n", "/=", True),  # Protego reads %3D as =
    ("Allow: /%3D\nDisallow: /\n", "/=", False),  # ... and so fails open here
    ("Disallow: /$\n", "/$", True),  # a $ anchor also adds a rule with a literal %24
    ("Disallow: /a%3Fb\n", "/a?b", True),  # ? and %3F, & and %26 ... are one to Protego
    ("Disallow: /*F\n", "/a?", True),  # ? is %3F to Protego, which ends in F
    ("Allow: /x??\nDisallow: /*yyyy\n", "/x??yyyy", False),  # Protego ranks /x%3F%3F (8) over /*yyyy (6): fails open
])
def test_protego_alone_differs_where_the_code_agrees_with_google(text, path, google):
    googlebot = pytest.importorskip("jwm.robotstxt.googlebot")
    text, url = "User-agent: *\n" + text, "http://x.test" + path
    assert googlebot.RobotsMatcher().OneAgentAllowedByRobots(text, TOKEN, url) is google
    assert _plain_protego(text, url) is not google, "Protego now agrees: the code may no longer be needed"
    assert parse(text).group(TOKEN).allows(url) is google


@pytest.mark.parametrize("value,seconds", [("5", 5.0), ("0.5", 0.5), ("1e3", 1000.0), ("abc", None), ("-1", None),
                                           ("inf", None), ("nan", None), ("5 s", None), ("5\x85x", None)])
def test_crawl_delay_values_read_by_protego(value, seconds):
    assert crawl_delay(value) == seconds


@pytest.mark.parametrize("value,per_request", [("1/10s", 10.0), ("1/10", 10.0), ("2/1m", 30.0), ("1/1h 0600-0845", 3600.0),
                                               ("1/10S", 10.0), ("0/5", None), ("1/0", None), ("1/5x", None), ("x", None)])
def test_request_rate_values_read_by_protego(value, per_request):
    rate = request_rate(value)
    assert (rate.seconds / rate.requests if rate else None) == per_request


def test_slowest_of_several_values_applies():
    group = parse("User-agent: *\nCrawl-delay: 2\nCrawl-delay: 7\nCrawl-delay: 3\nRequest-rate: 1/5s\n"
                  "Request-rate: 1/1m\nRequest-rate: 10/1s\n").group(TOKEN)
    assert group.crawl_delay() == 7.0
    assert group.request_rate() == (1, 60.0)
