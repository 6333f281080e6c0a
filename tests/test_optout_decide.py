from datetime import UTC, datetime

import pytest

from crawler.decide.optout.content_signal import signal as content_signal
from crawler.decide.optout.content_usage import header_signal
from crawler.decide.optout.decide import PURPOSES, Signal, decide, directive_signals
from crawler.decide.optout.directives import directives_from_headers, directives_from_html
from crawler.decide.optout.tdmrep import tdm_signal


def S(name="x", refuses=(), grants=(), images_only=False):
    return Signal(name, "v", "src", frozenset(refuses), frozenset(grants), images_only)


def test_no_signal_allows_every_purpose():
    for p in PURPOSES:
        d = decide([], p)
        assert d.allowed and d.reason is None and d.seen == []


def test_default_purpose_is_research():
    assert not decide([S("noai", {"research"})]).allowed


def test_unknown_purpose_raises():
    with pytest.raises(ValueError):
        decide([], "training")


@pytest.mark.parametrize("order", [0, 1])
def test_yes_never_cancels_no(order):
    no = header_signal(["train-ai=n"])
    yes = content_signal("ai-train=yes", "robots.txt line 2")
    sigs = [no, yes] if order == 0 else [yes, no]
    d = decide(sigs, "ai-train")
    assert not d.allowed and d.reason == "ai-optout" and "header Content-Usage" in d.detail
    assert {e for _, e in d.seen} == {"refuses", "grants"}


def test_tdm_zero_does_not_cancel_noai():
    sigs = [tdm_signal("/", meta=[("tdm-reservation", "0")])] + directive_signals(
        directives_from_html([("robots", "noai")], "civilcrawl"))
    assert not decide(sigs, "research").allowed


def test_yes_settles_unknown():
    d = decide([S(grants={"ai-train"})], "ai-train")
    assert d.allowed and "granted by" in d.detail


def test_reason_purpose_for_non_ai_refusal():
    d = decide(directive_signals(directives_from_headers(["noarchive"], "civilcrawl")), "archive")
    assert not d.allowed and d.reason == "purpose" and "noarchive" in d.detail


def test_reason_ai_optout_for_ai_mechanisms():
    d = decide([tdm_signal("/", header="1")], "ai-train")
    assert d.reason == "ai-optout" and "tdm-reservation 1 (header tdm-reservation)" in d.detail


def test_image_only_refusals_keep_the_page():
    sigs = directive_signals(directives_from_html([("robots", "noimageai")], "civilcrawl"))
    d = decide(sigs, "ai-train")
    assert d.allowed and not d.images_allowed and d.seen[0][1] == "refuses images"
    assert decide(sigs, "search").images_allowed


@pytest.mark.parametrize("rules, refused", [
    ("noarchive", {"archive", "ai-train"}), ("nocache", {"archive", "ai-train"}),
    ("nosnippet", {"ai-train"}), ("max-snippet:0", {"ai-train"}), ("max-snippet:30", set()),
    ("noai", {"research", "ai-train"}), ("noindex, nofollow", set()),
])
def test_directive_mapping(rules, refused):
    sigs = directive_signals(directives_from_headers([rules], "civilcrawl"))
    assert {p for p in PURPOSES if not decide(sigs, p).allowed} == refused


def test_directive_signal_names_its_source():
    d = directives_from_headers(["civilcrawl: nocache"], "civilcrawl")
    (sig,) = directive_signals(d)
    assert (sig.name, sig.value, sig.source) == ("noarchive", "nocache", "header X-Robots-Tag (civilcrawl:)")


def test_unavailable_after_only_once_passed():
    d = directives_from_headers(["unavailable_after: 2020-01-01"], "civilcrawl")
    before, after = datetime(2019, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)
    assert directive_signals(d, now=before) == []
    sigs = directive_signals(d, now=after)
    assert not decide(sigs, "search").allowed and decide(sigs, "research").allowed


def test_seen_lists_every_signal_with_effect():
    sigs = [S("a", {"search"}), S("b", grants={"search"}), S("c")]
    assert [e for _, e in decide(sigs, "search").seen] == ["refuses", "grants", "no effect"]
    assert [e for _, e in decide(sigs, "archive").seen] == ["no effect"] * 3
