"""The gap between requests to a site (crawler.decide.rate): the one rule the gate paces by."""

from __future__ import annotations

from crawler.decide.policy import load_file
from crawler.decide.rate import host_floor, origin_gap

SITE = "http://e.org"


def _policy(tmp_path, crawl: str):
    path = tmp_path / "p.yaml"
    path.write_text(f"site: e.org\ncrawl:\n  {crawl}\n", "utf-8")
    return load_file(path)


def test_a_policy_may_lower_our_delay_but_never_below_robots_txt(tmp_path):
    fast = _policy(tmp_path, "min_delay: 0.5")
    where = f"policy {tmp_path / 'p.yaml'}:3"
    assert origin_gap(1.0, "--delay 1", fast, None, None, SITE) == (0.5, where)
    assert origin_gap(1.0, "--delay 1", fast, 2.0, None, SITE) == (2.0, "Crawl-delay 2 (http://e.org/robots.txt)")
    assert origin_gap(1.0, "--delay 1", fast, 0.2, 4.0, SITE) == (4.0, "Request-rate 1/4s (http://e.org/robots.txt)")
    assert host_floor(1.0, fast) == 0.5


def test_without_a_policy_our_delay_holds_unless_robots_txt_asks_more(tmp_path):
    assert origin_gap(1.0, "--delay 1", None, 0.2, None, SITE) == (1.0, "--delay 1")
    assert origin_gap(1.0, "--delay 1", None, 3.0, 2.0, SITE)[0] == 3.0
    assert host_floor(1.0, None) == 1.0


def test_requests_per_minute_is_a_gap(tmp_path):
    slow = _policy(tmp_path, "requests_per_minute: 6")
    assert origin_gap(1.0, "--delay 1", slow, 2.0, None, SITE) == (10.0, f"policy {tmp_path / 'p.yaml'}:3")
    assert host_floor(0.0, slow) == 10.0
