from crawler.decide.optout.aitxt import aitxt_signal, parse
from crawler.decide.optout.decide import decide

SPAWNING = "# Spawning AI\nUser-Agent: *\nDisallow: *.jpg\nDisallow: /gallery/\n"


def test_generic_disallow_refuses_ai_train_only():
    s = aitxt_signal(SPAWNING, "civilcrawl", "https://x.org/a/b.jpg")
    assert s.refuses == {"ai-train"} and s.source == "ai.txt"
    assert not decide([s], "ai-train").allowed and decide([s], "research").allowed


def test_unmatched_path_says_nothing():
    assert aitxt_signal(SPAWNING, "civilcrawl", "https://x.org/a/b.html") is None


def test_scoped_group_for_us_replaces_star():
    txt = "User-agent: *\nDisallow: /\n\nUser-agent: civilcrawl\nAllow: /\n"
    assert aitxt_signal(txt, "civilcrawl", "https://x.org/p") is None
    assert aitxt_signal(txt, "otherbot", "https://x.org/p") is not None


def test_conflicting_allow_longest_wins():
    rules = parse("User-agent: *\nDisallow: /gallery/\nAllow: /gallery/public/\n")
    assert aitxt_signal(rules, "civilcrawl", "https://x.org/gallery/public/a.png") is None
    assert aitxt_signal(rules, "civilcrawl", "https://x.org/gallery/private/a.png")


def test_malformed_file_says_nothing():
    assert aitxt_signal("<html><body>Not found</body></html>", "civilcrawl", "https://x.org/a.jpg") is None
    assert aitxt_signal("", "civilcrawl", "https://x.org/a.jpg") is None


def test_read_as_robots_txt_is_read():
    # a prefix of our token is not our group, and a token with a version is (Google's reading, issue #11)
    assert aitxt_signal("User-agent: *\nDisallow: /\n\nUser-agent: civil\nAllow: /\n", "civilcrawl", "https://x.org/p")
    assert aitxt_signal("User-agent: civilcrawl/1.0\nDisallow: /\n", "civilcrawl", "https://x.org/p")
