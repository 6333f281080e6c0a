"""What a policy file says about one request (crawler.decide.policy.check), with the file:line it says it at."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.decide.policy import load_file
from crawler.decide.policy.check import policy_refusal, site_budget_refusal
from crawler.decide.refusal import Refusal

NOON = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _policy(tmp_path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text("site: e.org\n" + text, "utf-8")
    return load_file(path)


def test_outside_the_window_is_skipped_and_names_the_hours(tmp_path):
    p = _policy(tmp_path, "crawl:\n  window: {hours: '22:00-06:00', tz: Europe/Paris}\n")
    assert policy_refusal(p, "http://e.org/a", 0, "research", NOON) == Refusal(
        "policy", f"outside the crawl window 22:00-06:00 Europe/Paris ({tmp_path / 'p.yaml'}:3)", True)
    assert policy_refusal(p, "http://e.org/a", 0, "research", datetime(2026, 1, 15, 22, 0, tzinfo=UTC)) is None


def test_paths_purposes_depth_and_the_site_budget(tmp_path):
    p = _policy(tmp_path, "crawl:\n  deny: [/private/]\n  max_depth: 1\n  max_pages: 2\npurposes:\n  ai-train: forbidden\n")
    where = tmp_path / "p.yaml"
    assert policy_refusal(p, "http://e.org/private/x", 0, "research", NOON) == Refusal(
        "policy", f"rule '/private/' ({where}:3)")
    assert policy_refusal(p, "http://e.org/a", 0, "ai-train", NOON) == Refusal(
        "purpose", f"purpose ai-train forbidden ({where}:6)")
    assert policy_refusal(p, "http://e.org/a", 2, "research", NOON) == Refusal(
        "policy", f"depth 2 > 1 ({where}:4)", True)
    assert policy_refusal(p, "http://e.org/a", 1, "research", NOON) is None
    assert site_budget_refusal(p, 1) is None
    assert site_budget_refusal(p, 2) == Refusal("policy", f"site budget of 2 pages used ({where}:5)", True)


def test_require_policy(tmp_path):
    assert policy_refusal(None, "http://e.org/", 0, "research", NOON) is None
    assert policy_refusal(None, "http://e.org/", 0, "research", NOON, require="--terms require-policy") == Refusal(
        "policy", "no reviewed policy file for this site (--terms require-policy)")
    p = _policy(tmp_path, "crawl: {}\n")
    assert policy_refusal(p, "http://e.org/", 0, "research", NOON, require="--terms require-policy") == Refusal(
        "policy", f"{tmp_path / 'p.yaml'} has no reviewed terms (--terms require-policy)")
