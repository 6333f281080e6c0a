import json

import pytest

from crawler.decide.optout.decide import decide
from crawler.decide.optout.tdmrep import TdmRule, match_file, parse_file, tdm_signal

SPEC = json.dumps([
    {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0},
    {"location": "/directory-b/html/", "tdm-reservation": 1, "tdm-policy": "https://provider.com/policy.json"},
    {"location": "/", "tdm-reservation": 1},
])


def test_first_match_not_longest():
    rules = parse_file(json.dumps([{"location": "/", "tdm-reservation": 1},
                                   {"location": "/open/", "tdm-reservation": 0}]))
    assert match_file(rules, "/open/x")[0] == 0


@pytest.mark.parametrize("path, value, refuses", [
    ("/directory-b/images/a.jpg", "0", False), ("/directory-b/html/p.html", "1", True), ("/other", "1", True),
    ("/directory-b/images/a.png", "1", True),
])
def test_file_rules(path, value, refuses):
    s = tdm_signal(path, parse_file(SPEC))
    assert s.value.startswith(value) and bool(s.refuses) == refuses and s.source.startswith("tdmrep.json rule")


def test_policy_is_recorded():
    s = tdm_signal("/directory-b/html/p", parse_file(SPEC))
    assert "https://provider.com/policy.json" in s.value and s.source == "tdmrep.json rule 2 (/directory-b/html/)"


def test_dollar_and_case_sensitive():
    rules = [TdmRule("/Doc$", 1)]
    assert tdm_signal("/Doc", rules) and tdm_signal("/Doc/x", rules) is None and tdm_signal("/doc", rules) is None


def test_header_overrides_file_and_meta_overrides_header():
    rules = parse_file(SPEC)
    s = tdm_signal("/other", rules, header=b"0")
    assert s.source == "header tdm-reservation" and s.grants == {"research", "ai-train"}
    s = tdm_signal("/other", rules, header="0", meta=[("tdm-reservation", "1"), ("tdm-policy", "https://p")])
    assert s.source == "meta tdm-reservation" and s.refuses == {"research", "ai-train"} and "https://p" in s.value


def test_unset_never_resets_a_found_value():
    rules = parse_file(SPEC)
    s = tdm_signal("/other", rules, header="yes", meta=[("tdm-reservation", "2")])
    assert s.source.startswith("tdmrep.json") and s.refuses


@pytest.mark.parametrize("body", ["", "not json", "{}", '{"location": "/"}', "[1, 2]", '[{"tdm-reservation": 1}]',
                                  b"\xff\xfe", '[{"location": "", "tdm-reservation": 1}]'])
def test_garbage_file_is_unset(body):
    assert parse_file(body) == [] and tdm_signal("/x", parse_file(body)) is None


@pytest.mark.parametrize("value", ["1.0", True, "yes", None, 2, [1]])
def test_garbage_values_are_unset_and_first_match_still_stops(value):
    rules = parse_file(json.dumps([{"location": "/", "tdm-reservation": value},
                                   {"location": "/", "tdm-reservation": 1}]))
    assert rules[0].reservation is None and tdm_signal("/x", rules) is None


def test_string_digits_in_file_are_accepted():
    assert parse_file('[{"location": "/", "tdm-reservation": "1"}]')[0].reservation == 1


def test_nothing_anywhere():
    assert tdm_signal("/x") is None


def test_research_waived_only_under_art3():
    s = tdm_signal("/x", meta=[("tdm-reservation", "1")])
    assert not decide([s], "research").allowed
    d = decide([s], "research", art3=True)
    assert d.allowed and d.seen[0][1] == "waived (EU DSM Art. 3)"
    assert not decide([s], "ai-train", art3=True).allowed
    assert decide([s], "search").allowed
