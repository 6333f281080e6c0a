import pytest

from crawler.decide.optout.robots_lines import group_lines, signals_from_robots

TOKEN = "civilcrawl"


def test_our_group_replaces_star_group():
    txt = "User-agent: *\nDisallow: /x\nContent-Usage: train-ai=n\n\nUser-agent: CivilCrawl\nContent-Signal: search=yes\n"
    assert group_lines(txt, TOKEN) == [("content-signal", "search=yes")]


def test_only_allow_and_disallow_end_a_run_of_user_agents():
    # Google's grouping, the one robots.txt rules use: a Content-Usage line between two user-agent lines
    # does not split them, so both lines apply to both agents.
    txt = "User-agent: *\nContent-Usage: train-ai=n\n\nUser-agent: CivilCrawl\nContent-Signal: search=yes\n"
    assert group_lines(txt, TOKEN) == [("content-usage", "train-ai=n"), ("content-signal", "search=yes")]


def test_star_group_when_no_group_for_us():
    txt = "User-agent: otherbot\nDisallow: /o\nContent-Usage: train-ai=y\n\nUser-agent: *\nContent-Usage: train-ai=n\n"
    assert group_lines(txt, TOKEN) == [("content-usage", "train-ai=n")]


def test_no_applicable_group():
    assert group_lines("User-agent: otherbot\nContent-Usage: train-ai=n\n", TOKEN) == []
    assert group_lines("Content-Usage: train-ai=n\n", TOKEN) == []  # before any user-agent
    assert signals_from_robots("", TOKEN, "/") == []


def test_consecutive_user_agents_share_a_group():
    txt = "User-agent: otherbot\nUser-agent: civilcrawl\nContent-Usage: train-ai=n\n"
    assert group_lines(txt, TOKEN) == [("content-usage", "train-ai=n")]


def test_our_groups_are_merged():
    txt = ("User-agent: civilcrawl\nDisallow: /a\n\nUser-agent: *\nContent-Usage: search=n\nDisallow: /s\n\n"
           "User-agent: civilcrawl\nContent-Usage: train-ai=n\n")
    assert group_lines(txt, TOKEN) == [("disallow", "/a"), ("content-usage", "train-ai=n")]


def test_sitemap_and_unknown_lines_do_not_end_a_group():
    txt = ("User-agent: civilcrawl\nSitemap: https://x/s.xml\nUser-agent: otherbot\nFoo: bar\n"
           "Content-Signal: ai-train=no\nSitemap: https://x/t.xml\nContent-Usage: train-ai=n\nDisallow: /z\n"
           "User-agent: *\nContent-Usage: search=n\n")
    lines = group_lines(txt, TOKEN)
    assert ("content-signal", "ai-train=no") in lines and ("content-usage", "train-ai=n") in lines
    assert ("content-usage", "search=n") not in lines
    assert group_lines(txt, "otherbot") == lines  # same group


def test_rule_line_ends_user_agent_run():
    txt = "User-agent: otherbot\nDisallow: /x\nUser-agent: civilcrawl\nContent-Usage: train-ai=n\n"
    assert group_lines(txt, "otherbot") == [("disallow", "/x")]


def test_comments_case_and_missing_space():
    txt = "user-AGENT: CIVILCRAWL # us\nCONTENT-usage:/ train-ai=n # no training\n"
    assert group_lines(txt, TOKEN) == [("content-usage", "/ train-ai=n")]


def test_user_agent_value_names_a_whole_product_token():
    for agent in ("civilcrawl/1.0", "CivilCrawl; +https://x", "civilcrawl(+url)", "civilcrawl,other"):
        assert group_lines(f"User-agent: {agent}\nContent-Usage: train-ai=n\n", TOKEN) != [], agent
    for agent in ("civil", "civil*", "notcivilcrawl", "civilcrawler"):
        assert group_lines(f"User-agent: {agent}\nContent-Usage: train-ai=n\n", TOKEN) == [], agent


@pytest.mark.parametrize("txt", [
    "User-agent: *\nDisallow: /star\n\nUser-agent: civilcrawl\nDisallow: /ours\n",
    "User-agent: civil*\nDisallow: /ours\n\nUser-agent: *\nDisallow: /star\n",
    "User-agent: otherbot\nUser-agent: civilcrawl\nDisallow: /ours\nUser-agent: *\nDisallow: /star\n",
    "User-agent: civilcrawl\nSitemap: /s\nUser-agent: x\nDisallow: /ours\n\nUser-agent: *\nDisallow: /star\n",
    "User-agent: civilcrawl\nFoo: 1\nUser-agent: *\nDisallow: /star\n",
    "User agent civilcrawl\nDisallow /ours\nUser-agent: *\nDisallow: /star\n",
])
def test_same_group_as_google(txt):
    googlebot = pytest.importorskip("jwm.robotstxt.googlebot")
    ours = {v for f, v in group_lines(txt, TOKEN) if f == "disallow"}
    google = {p for p in ("/ours", "/star")
              if not googlebot.RobotsMatcher().OneAgentAllowedByRobots(txt, TOKEN, f"https://x{p}")}
    assert google == ours


def test_signals_from_robots_reads_both_and_numbers_lines():
    txt = ("User-agent: *\nAllow: /\nContent-Usage: / train-ai=n\nContent-Usage: /ai-ok/ train-ai=y\n"
           "Content-Signal: search=yes, ai-train=no\n\nUser-agent: ExampleBot\nContent-Usage: / train-ai=y\n")
    sigs = signals_from_robots(txt, TOKEN, "/ai-ok/page")
    assert [(s.name, s.source) for s in sigs] == [("content-usage", "robots.txt line 4"),
                                                  ("content-signal", "robots.txt line 5")]
    assert sigs[0].grants == {"ai-train"} and sigs[1].refuses == {"ai-train"}
    assert signals_from_robots(txt, "ExampleBot", "/x")[0].grants == {"ai-train"}
