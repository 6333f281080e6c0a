"""The one robots-syntax pattern matcher: linear time, one normalisation for every caller."""

from __future__ import annotations

import time

import pytest

from crawler.decide.optout.robots_lines import signals_from_robots
from crawler.decide.optout.tdmrep import TdmRule, match_file
from crawler.decide.pathpattern import compile_pattern, matches, normalize_path, path_of
from crawler.decide.policy.model import Rule


@pytest.mark.parametrize("pattern,path,expected", [
    ("/", "/x", True), ("/fish", "/fish.html?id=1", True), ("/fish", "/Fish.asp", False),
    ("/fish", "/catfish", False), ("/fish*", "/fishheads", True), ("/fish/", "/fish", False),
    ("/*.php", "/index?f=filename.php/", True), ("/*.php$", "/filename.php?x", False),
    ("/*.php$", "/folder/filename.php", True), ("/fish*.php", "/fishheads/catfish.php?p", True),
    ("/$", "/", True), ("/$", "/a", False), ("*.gif$", "/a/b.gif", True), ("/a*b*c$", "/abxbc", True),
    ("/a*b*c$", "/abxbcd", False), ("/a*bc*c$", "/abc", False), ("/a**b", "/ab", True),
    ("/foo/bar$", "/foo/bar", True), ("/foo/bar$", "/foo/bar/", False), ("/a$b", "/a$b", True),
    ("/a$b", "/a%24b", True), ("/a*", "/a", True), ("x", "/x", False), ("", "/x", True),
])
def test_glob_semantics(pattern, path, expected):
    assert matches(pattern, path) is expected


@pytest.mark.parametrize("pattern,path,expected", [
    ("/a%2Fb", "/a%2fb", True),  # escapes compare case-insensitively...
    ("/a%2Fb", "/a/b", False),  # ...but %2F is never a path separator
    ("/a/b", "/a%2Fb", False),
    ("/foo/bar/%62%61%7A", "/foo/bar/baz", True),  # unreserved escapes are their characters (RFC 9309 table)
    ("/foo/bar/ツ", "/foo/bar/%E3%83%84", True), ("/foo/bar/%E3%83%84", "/foo/bar/ツ", True),
    ("/path/file-with-a-%2A.html", "/path/file-with-a-*.html", True),  # a literal * in a URL is %2A
    ("/path/file-with-a-%2A.html", "/path/file-with-a-x.html", False),
    ("/a%3cb", "/a%3Cb", True), ("/100%", "/100%25", True), ("/a b", "/a%20b", True),
    ("/q?x=1", "/q?x=1&y", True), ("/q?", "/q", False),
])
def test_one_normalisation(pattern, path, expected):
    assert matches(pattern, path) is expected


def test_normalisation_is_idempotent():
    for raw in ("/a%2fb", "/ツ?q=ü", "/%62%7e*$", "/100%", "/a b"):
        once = normalize_path(raw)
        assert normalize_path(once) == once


def test_path_of_keeps_query_and_bare_question_mark():
    assert path_of("http://h:8/a/b?x=1#frag") == "/a/b?x=1"
    assert path_of("http://h/a?") == "/a?"
    assert path_of("http://h") == "/" and path_of("http://h?q") == "/?q"


def test_length_is_normalised_octets():
    assert compile_pattern("/*.html").length == 7
    assert compile_pattern("/ツ").length == len("/%E3%83%84")
    assert compile_pattern("/a$").length == 3


@pytest.mark.parametrize("path,expected", [("/a%2Fb", True), ("/a%2fb/c", True), ("/a/b", False), ("/a%2Fc", False)])
def test_policy_and_optout_agree_on_encoded_slash(path, expected):
    # Policy files and robots.txt Content-Usage used to compile patterns two ways (%2f vs %2F).
    robots = "User-agent: *\nContent-Usage: /a%2fb train-ai=n\n"
    assert matches("/a%2fb", path) is expected
    assert Rule("/a%2fb", allow=False, source="p.yaml:3").matches(normalize_path(path)) is expected
    assert bool(signals_from_robots(robots, "civilcrawl", path)) is expected
    assert (match_file([TdmRule("/a%2fb", 1)], path) is not None) is expected


PATHOLOGICAL = "/" + "*a" * 14 + "*b"


def test_pathological_pattern_is_linear():
    path = "/" + "a" * 40
    start = time.perf_counter()
    assert not matches(PATHOLOGICAL, path)
    assert matches(PATHOLOGICAL, path + "b")
    assert not matches(PATHOLOGICAL + "$", path + "bc")
    assert not matches("/" + "*a" * 200 + "*b", "/" + "a" * 100_000)
    # Backtracking took 4.6 s at 9 stars, x3.5 per star; this bound only guards against a hang.
    assert time.perf_counter() - start < 1.0


def test_pathological_pattern_in_every_caller():
    start = time.perf_counter()
    robots = f"User-agent: *\nContent-Usage: {PATHOLOGICAL} train-ai=n\nContent-Signal: {PATHOLOGICAL} ai-train=no\n"
    assert signals_from_robots(robots, "civilcrawl", "/" + "a" * 40) == []
    assert len(signals_from_robots(robots, "civilcrawl", "/" + "a" * 40 + "b")) == 2
    assert match_file([TdmRule(PATHOLOGICAL, 1)], "/" + "a" * 40) is None
    assert not Rule(PATHOLOGICAL, allow=False, source="p.yaml:1").matches(normalize_path("/" + "a" * 40))
    assert time.perf_counter() - start < 1.0
