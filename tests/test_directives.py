from datetime import UTC, datetime

import lxml.html
import pytest

from crawler.decide.optout.directives import (
    Directives,
    directives_from_headers,
    directives_from_html,
    meta_tags,
    parse_date,
)

TOKEN = "civilcrawl"
UTC = UTC


def H(*values):
    return directives_from_headers(list(values), TOKEN)


def M(*pairs):
    return directives_from_html(list(pairs), TOKEN)


# generic
def test_generic_header_rules():
    d = H("noindex, nofollow")
    assert d.noindex and d.nofollow and not d.noarchive
    assert ("noindex", "header X-Robots-Tag") in d.sources


def test_none_is_noindex_nofollow():
    d = M(("robots", "none"))
    assert d.noindex and d.nofollow and d.sources == (("none", "meta robots"),)


def test_case_insensitive_names_and_rules():
    d = M(("ROBOTS", "NoIndex"), ("CivilCrawl", "NOARCHIVE"))
    assert d.noindex and d.noarchive


@pytest.mark.parametrize("rule, field", [("noarchive", "noarchive"), ("nocache", "noarchive"),
                                         ("nosnippet", "nosnippet"), ("noimageindex", "noimageindex"),
                                         ("noai", "noai"), ("noimageai", "noimageai")])
def test_each_flag(rule, field):
    assert getattr(H(rule), field) and getattr(M(("robots", rule)), field)
    assert not getattr(H("all"), field)


def test_all_index_follow_are_no_ops():
    assert H("all, index, follow") == Directives()


# scoped
def test_scoped_header_for_another_bot_is_ignored():
    assert H("otherbot: noindex, nofollow") == Directives()


def test_scoped_header_for_us_applies_and_is_recorded():
    d = H("civilcrawl: noindex")
    assert d.noindex and d.sources == (("noindex", "header X-Robots-Tag (civilcrawl:)"),)


def test_scope_runs_until_next_scope():
    d = H("otherbot: noindex, nofollow, CivilCrawl: noarchive, googlebot: nosnippet")
    assert (d.noindex, d.nofollow, d.noarchive, d.nosnippet) == (False, False, True, False)


def test_generic_before_scope_still_applies():
    d = H("noai, otherbot: noindex")
    assert d.noai and not d.noindex


def test_scope_does_not_span_header_lines():
    d = H("otherbot: noindex", "nofollow")
    assert d.nofollow and not d.noindex


def test_meta_for_other_bot_name_is_ignored():
    assert M(("googlebot", "noindex"), ("description", "noindex")) == Directives()


def test_token_meta_combines_with_robots_meta():
    # Google's "sum of the negative rules"
    d = M(("robots", "nofollow"), ("civilcrawl", "noindex"))
    assert d.noindex and d.nofollow


# conflicting
def test_most_restrictive_wins_across_tags_and_headers():
    d = M(("robots", "all"), ("robots", "noindex")).merge(H("index, follow"))
    assert d.noindex and not d.nofollow


def test_nosnippet_beats_max_snippet():
    d = H("max-snippet:50, nosnippet")
    assert d.nosnippet and d.max_snippet == 50


def test_smallest_max_snippet_wins_and_minus_one_is_no_limit():
    assert H("max-snippet:50", "max-snippet: 20", "max-snippet:-1").max_snippet == 20
    assert H("max-snippet:-1").max_snippet is None


def test_max_snippet_zero_is_nosnippet():
    d = H("max-snippet:0")
    assert d.nosnippet and d.max_snippet == 0


def test_max_image_preview_none_is_noimageindex():
    assert H("max-image-preview:none").noimageindex
    assert not H("max-image-preview:large").noimageindex


def test_earliest_unavailable_after_wins():
    d = H("unavailable_after: 2030-01-01", "unavailable_after: 2025-06-01")
    assert d.unavailable_after == datetime(2025, 6, 1, tzinfo=UTC)


def test_merge_keeps_sources_and_restrictions():
    a, b = H("noindex"), M(("robots", "max-snippet:10, noimageai"))
    m = a.merge(b)
    assert m.noindex and m.noimageai and m.max_snippet == 10 and len(m.sources) == 3
    assert b.merge(a).noindex and Directives().merge(Directives()) == Directives()


# dates, including the comma cases
@pytest.mark.parametrize("value, expected", [
    ("unavailable_after: Friday, 25-Jun-10 15:00:00 GMT", datetime(2010, 6, 25, 15, tzinfo=UTC)),  # RFC 850
    ("unavailable_after: Fri, 25 Jun 2010 15:00:00 GMT", datetime(2010, 6, 25, 15, tzinfo=UTC)),  # RFC 1123
    ("unavailable_after: 25 Jun 2010 15:00:00 PST", datetime(2010, 6, 25, 23, tzinfo=UTC)),  # RFC 822, zone
    ("unavailable_after: 2020-09-21", datetime(2020, 9, 21, tzinfo=UTC)),  # ISO 8601 date
    ("unavailable_after: 2020-09-21T10:00:00+02:00", datetime(2020, 9, 21, 8, tzinfo=UTC)),
])
def test_unavailable_after_formats(value, expected):
    assert H(value).unavailable_after == expected


def test_unavailable_after_comma_does_not_swallow_or_split_rules():
    d = H("noarchive, unavailable_after: Friday, 25-Jun-10 15:00:00 GMT, nofollow")
    assert d.noarchive and d.nofollow and d.unavailable_after == datetime(2010, 6, 25, 15, tzinfo=UTC)
    assert not d.noindex


def test_scoped_unavailable_after_with_comma():
    d = H("civilcrawl: unavailable_after: Fri, 25 Jun 2010 15:00:00 GMT, otherbot: noindex")
    assert d.unavailable_after == datetime(2010, 6, 25, 15, tzinfo=UTC) and not d.noindex


# malformed
@pytest.mark.parametrize("value", ["unavailable_after: soon", "unavailable_after:", "max-snippet:lots",
                                   "max-snippet", "nonsense, ,,", "", ":::", "noindexx"])
def test_malformed_rules_are_ignored(value):
    assert H(value) == Directives()


def test_malformed_rule_does_not_hide_valid_ones():
    d = H("max-snippet:abc, unavailable_after: 32 Foo 99, noindex")
    assert d.noindex and d.max_snippet is None and d.unavailable_after is None


def test_bytes_headers_latin1():
    assert H(b"noindex, civilcrawl: nofollow").nofollow


def test_parse_date_invalid():
    assert parse_date("") is None and parse_date("2020-13-45") is None


# meta_tags
PAGE = b"""<html><head><meta charset="utf-8"><meta name="Robots" content="noindex">
<meta name="description" content="x"><meta property="og:title" content="t"><meta name="robots">
</head><body><p>hi</p><meta name="CIVILCRAWL" content="noai"><meta name="tdm-reservation" content="1"></body></html>"""


def test_meta_tags_reads_body_and_lowercases_names():
    doc = lxml.html.document_fromstring(PAGE)
    tags = meta_tags(doc)
    assert ("robots", "noindex") in tags and ("civilcrawl", "noai") in tags and ("description", "x") in tags
    assert all(n == n.lower() for n, _ in tags) and len(tags) == 4  # meta without content skipped


def test_meta_tags_with_token_keeps_robots_relevant_only():
    tags = meta_tags(lxml.html.document_fromstring(PAGE), token="CivilCrawl")
    assert tags == [("robots", "noindex"), ("civilcrawl", "noai"), ("tdm-reservation", "1")]
    d = directives_from_html(tags, TOKEN)
    assert d.noindex and d.noai
