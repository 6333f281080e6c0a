import pytest

from crawler.decide.optout.content_usage import header_signal, parse, purposes, robots_signal
from crawler.decide.optout.decide import decide


def test_parse_tokens_only():
    assert parse("train-ai=n, search=y, ai-use=n") == {"train-ai": "n", "search": "y", "ai-use": "n"}
    # non-token values and other tokens are unknown, not errors (vocab 6.4)
    assert parse('train-ai="n", search=?1, bots=maybe') == {}


def test_last_duplicate_key_wins():
    assert parse("train-ai=n, train-ai=y") == {"train-ai": "y"}


@pytest.mark.parametrize("raw", ["Train-AI=n", "train-ai=n,", "train-ai=n;;", "=n", "train ai=n", "tráin=n"])
def test_malformed_is_none(raw):
    assert parse(raw) is None


def test_generic_header():
    s = header_signal([b"train-ai=n"])
    assert s.refuses == {"ai-train"} and s.source == "header Content-Usage"
    assert not decide([s], "ai-train").allowed and decide([s], "research").allowed


def test_search_n():
    s = header_signal(["search=n, train-ai=y"])
    assert s.refuses == {"search"} and s.grants == {"ai-train"}


def test_multiple_header_lines_combine():
    s = header_signal(["search=y", "train-ai=n"])
    assert s.refuses == {"ai-train"} and s.grants == {"search"}


def test_malformed_header_makes_preferences_unknown_not_error():
    s = header_signal([b"train-ai=n, Search=y"])
    assert s.refuses == s.grants == frozenset() and "malformed" in s.value
    d = decide([s], "ai-train")
    assert d.allowed and d.seen[0][1] == "no effect"


def test_absent_header():
    assert header_signal([]) is None


@pytest.mark.parametrize("expr, refused", [
    ("train-genai=n", {"ai-train"}), ("genai=n", {"ai-train"}), ("ai=n", {"ai-train"}),
    ("tdm=n", {"research", "ai-train"}), ("bots=n", {"search", "archive", "research", "ai-train"}),
    ("ai-use=n", set()), ("inference=n", set()), ("unknown-key=n", set()),
])
def test_legacy_and_unknown_keys(expr, refused):
    assert purposes(parse(expr))[0] == refused


def test_more_specific_key_decides_within_one_expression():
    refuses, grants = purposes(parse("bots=n, search=y"))
    assert "search" in grants and "search" not in refuses and "archive" in refuses
    refuses, _ = purposes(parse("train-ai=y, genai=n"))  # same tier: "n" wins
    assert "ai-train" in refuses


ROBOTS = [(3, "/ train-ai=n"), (4, "/ai-ok/ train-ai=y"), (5, "/mixed/ search=y"), (6, "/mixed/ search=n"),
          (7, "/bad/ train-ai=N")]


@pytest.mark.parametrize("path, refuses, grants, source", [
    ("/page", {"ai-train"}, set(), "robots.txt line 3"),
    ("/ai-ok/x", set(), {"ai-train"}, "robots.txt line 4"),  # longest path wins
    ("/mixed/x", {"search"}, set(), "robots.txt lines 5, 6"),  # identical paths: any n wins
    ("/bad/x", set(), set(), "robots.txt line 7"),  # longest rule malformed: unknown, no fallback
    ("https://example.org/ai-ok/y?q=1", set(), {"ai-train"}, "robots.txt line 4"),
])
def test_robots_longest_path(path, refuses, grants, source):
    s = robots_signal(ROBOTS, path)
    assert (s.refuses, s.grants, s.source) == (refuses, grants, source)


def test_robots_pathless_rule_applies_to_root_and_wildcards():
    rules = [(1, "train-ai=n"), (2, "/*.pdf$ train-ai=y")]
    assert robots_signal(rules, "/a/b.pdf").grants == {"ai-train"}
    assert robots_signal(rules, "/a/b.pdf?x").refuses == {"ai-train"}


def test_robots_no_matching_rule():
    assert robots_signal([(1, "/only/ train-ai=n")], "/other") is None
    assert robots_signal([], "/") is None
