import pytest

from crawler.decide.optout.content_signal import parse, robots_signal, signal
from crawler.decide.optout.decide import decide


def test_cloudflare_default_line():
    s = signal("search=yes, ai-input=no, ai-train=no", "robots.txt line 2")
    assert s.refuses == {"ai-train"} and s.grants == {"search"}
    assert decide([s], "search").allowed and not decide([s], "ai-train").allowed
    assert decide([s], "research").allowed  # ai-input concerns none of our purposes


@pytest.mark.parametrize("use, refused", [("immediate", {"archive", "research", "ai-train"}),
                                          ("reference", {"archive"}), ("full", set())])
def test_use_key(use, refused):
    assert signal(f"use={use}", "x").refuses == refused
    assert ("archive" in signal(f"use={use}", "x").grants) == (use == "full")


def test_search_no_refuses_search_with_reason_purpose():
    d = decide([signal("search=no", "robots.txt line 1")], "search")
    assert not d.allowed and d.reason == "purpose"


def test_case_insensitive_and_spaces():
    assert signal(" Search = NO ,AI-Train=No ", "x").refuses == {"search", "ai-train"}


@pytest.mark.parametrize("raw", ["search", "search=maybe, ai-train", "=no", ",,,", "", "ai-train:no"])
def test_malformed_items_are_ignored(raw):
    s = signal(raw, "x")
    assert s.refuses == s.grants == frozenset()


def test_malformed_item_does_not_hide_valid_one():
    assert parse("garbage, ai-train=no") == {"ai-train": "no"}


def test_conflicting_lines_any_no_wins():
    s = robots_signal([(2, "ai-train=yes"), (3, "ai-train=no, search=yes")], "/x")
    assert s.refuses == {"ai-train"} and s.grants == {"search"} and s.source == "robots.txt lines 2, 3"


def test_path_scoped_line_longest_wins():
    rules = [(2, "ai-train=no"), (3, "/open/ ai-train=yes")]
    assert robots_signal(rules, "/open/a").grants == {"ai-train"}
    assert robots_signal(rules, "/closed").refuses == {"ai-train"}
