"""Host matching, layering, path rules, delays, crawl windows and purposes of loaded policies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.decide.policy import PolicyError, PolicySet, load_dir, load_file, load_policy_set

UTC = UTC


def folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    d = tmp_path / name
    d.mkdir()
    for fname, text in files.items():
        (d / fname).write_text(text, "utf-8")
    return d


def one(tmp_path: Path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text, "utf-8")
    return load_file(path)


# --- host matching -------------------------------------------------------------------------

@pytest.fixture
def hosts(tmp_path):
    d = folder(tmp_path, "a", {
        "example.org.yaml": "site: example.org\n",
        "shop.example.org.yaml": "site: shop.example.org\n",
        "alt.yaml": "site: example.org:8080\n",
        "ip.yaml": "site: 192.0.2.10\n",
        "cdn.yaml": "site: photos.test\naliases: [img-cdn.test]\n",
    })
    return PolicySet([load_dir(d)])


@pytest.mark.parametrize("host, port, site", [
    ("example.org", None, "example.org"),
    ("www.example.org", None, "example.org"),          # subdomains covered
    ("WWW.Example.ORG.", None, "example.org"),        # case and trailing dot
    ("shop.example.org", None, "shop.example.org"),   # more specific file wins
    ("a.b.shop.example.org", None, "shop.example.org"),
    ("example.org", 8080, "example.org:8080"),        # host:port beats host
    ("m.example.org", 8080, "example.org:8080"),
    ("shop.example.org", 8080, "shop.example.org"),   # more labels beat a port match
    ("example.org:8080", None, "example.org:8080"),
    ("example.org", 443, "example.org"),
    ("192.0.2.10", None, "192.0.2.10"),
    ("x.img-cdn.test", None, "photos.test"),          # aliases match like site
])
def test_for_host(hosts, host, port, site):
    assert hosts.for_host(host, port).site == site


@pytest.mark.parametrize("host", ["example.com", "notexample.org", "org", "1.192.0.2.10", "192.0.2.11"])
def test_no_policy(hosts, host):
    assert hosts.for_host(host) is None


def test_idn_host(tmp_path):
    s = PolicySet([load_dir(folder(tmp_path, "a", {"x.yaml": "site: xn--bcher-kva.example\n"}))])
    assert s.for_host("www.bücher.example").site == "xn--bcher-kva.example"


# --- layering -----------------------------------------------------------------------------

def test_later_folder_replaces_whole_file(tmp_path):
    a = folder(tmp_path, "a", {"e.yaml": "site: example.org\ncrawl: {min_delay: 5, max_pages: 10}\n"})
    b = folder(tmp_path, "b", {"e.yaml": "site: example.org\ncrawl: {max_depth: 2}\n"})
    p = load_policy_set([a, b], bundled=False).for_host("www.example.org")
    assert p.source == str(b / "e.yaml") and p.shadows == (str(a / "e.yaml"),)
    assert (p.max_depth, p.min_delay, p.max_pages) == (2, None, None)  # whole-file replace, no merge


def test_relaxing_forbidden_needs_permission(tmp_path):
    a = folder(tmp_path, "a", {"e.yaml": "site: example.org\nterms: {automated_access: forbidden}\n"})
    b = folder(tmp_path, "b", {"e.yaml": "site: example.org\nterms:\n  automated_access: allowed\n"})
    with pytest.raises(PolicyError) as info:
        load_policy_set([a, b], bundled=False)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{b / 'e.yaml'}:3: terms.automated_access: relaxes automated_access: forbidden set by {a / 'e.yaml'}:2")
    (b / "e.yaml").write_text("site: example.org\nterms: {automated_access: allowed}\npermission: {granted_by: owner@example.org, on: 2026-11-01}\n")
    assert not load_policy_set([a, b], bundled=False).for_host("example.org").forbidden


def test_subdomain_cannot_sidestep_forbidden_parent(tmp_path):
    a = folder(tmp_path, "a", {"e.yaml": "site: example.org\nterms: {automated_access: forbidden}\n"})
    b = folder(tmp_path, "b", {"m.yaml": "site: m.example.org\ncrawl: {max_pages: 5}\n"})
    with pytest.raises(PolicyError, match="the policy for a parent domain, example.org"):
        load_policy_set([a, b], bundled=False)
    (b / "m.yaml").write_text("site: m.example.org\nterms: {automated_access: conditional, reviewed: {on: 2026-11-20, by: me}}\n")
    assert load_policy_set([a, b], bundled=False).for_host("x.m.example.org").site == "m.example.org"


def test_bundled_forbidden_cannot_be_lifted_by_a_user_folder(tmp_path):
    user = folder(tmp_path, "user", {"fb.yaml": "site: facebook.com\ncrawl: {max_pages: 3}\n"})
    with pytest.raises(PolicyError, match="relaxes automated_access: forbidden"):
        load_policy_set([user])


def test_same_site_twice_in_one_folder(tmp_path):
    d = folder(tmp_path, "a", {"1.yaml": "site: example.org\n", "2.yaml": "site: cdn.test\naliases: [example.org]\n"})
    with pytest.raises(PolicyError, match=r"2.yaml:1: site: example.org is already governed by .*1.yaml:1 in the same folder"):
        PolicySet([load_dir(d)])


# --- path rules ---------------------------------------------------------------------------

RULES = """\
site: example.org
crawl:
  deny:
    - /users/
    - /*/photos
    - /*.jpg$
    - /private
  allow:
    - /
    - /users/public/
    - /private
"""


@pytest.mark.parametrize("path, allowed, rule, line", [
    ("/", True, "/", 9),
    ("/articles/1", True, "/", 9),
    ("/users/42", False, "/users/", 4),
    ("/users/public/42", True, "/users/public/", 10),      # longest match wins
    ("/alice/photos/1", False, "/*/photos", 5),
    ("/a/b/photos", False, "/*/photos", 5),
    ("/img/x.jpg", False, "/*.jpg$", 6),
    ("/img/x.jpg?size=2", True, "/", 9),                   # $ anchors the end
    ("/private/x", False, "/private", 7),                  # equal length: deny wins
    ("/USERS/42", True, "/", 9),                           # case-sensitive like robots.txt
])
def test_path_rule(tmp_path, path, allowed, rule, line):
    p = one(tmp_path, RULES)
    got = p.path_rule(path)
    assert got[:2] == (allowed, rule)
    assert got[2] == (f"{tmp_path / 'p.yaml'}:{line}" if line else None)


def test_path_rule_percent_encoding(tmp_path):
    p = one(tmp_path, "site: e.org\ncrawl: {deny: ['/caf%c3%a9/', '/naïve']}\n")
    assert p.path_rule("/café/menu")[0] is False
    assert p.path_rule("/caf%C3%A9/menu")[0] is False
    assert p.path_rule("/CAF%C3%A9/menu")[0] is True
    assert p.path_rule("/na%C3%AFve")[0] is False


def test_without_allow_everything_not_denied_is_allowed(tmp_path):
    assert one(tmp_path, "site: e.org\ncrawl: {deny: [/x]}\n").path_rule("/y") == (True, None, None)


def test_allow_list(tmp_path):
    p = one(tmp_path, "site: e.org\ncrawl:\n  allow: [/articles/]\n  deny: [/articles/drafts/]\n")
    assert p.path_rule("/articles/x")[:2] == (True, "/articles/")
    assert p.path_rule("/articles/drafts/x")[:2] == (False, "/articles/drafts/")
    assert p.path_rule("/shop/") == (False, None, f"{tmp_path / 'p.yaml'}:3")


def test_forbidden_site_refuses_every_path(tmp_path):
    p = one(tmp_path, "site: e.org\ncrawl: {allow: [/]}\nterms: {automated_access: forbidden}\n")
    assert p.path_rule("/") == (False, None, f"{tmp_path / 'p.yaml'}:3")


# --- delays -------------------------------------------------------------------------------

@pytest.mark.parametrize("crawl, gap", [("{}", None), ("{min_delay: 2}", 2.0), ("{requests_per_minute: 20}", 3.0),
                                        ("{min_delay: 5, requests_per_minute: 20}", 5.0), ("{min_delay: 0.5, requests_per_minute: 30}", 2.0)])
def test_min_gap(tmp_path, crawl, gap):
    assert one(tmp_path, f"site: e.org\ncrawl: {crawl}\n").min_gap() == gap


# --- windows ------------------------------------------------------------------------------

NIGHT = "site: e.org\ncrawl:\n  window: {hours: '22:00-06:00', tz: Europe/Paris}\n"


@pytest.mark.parametrize("utc, inside", [
    ("2026-01-15T20:59", False),  # 21:59 Paris (UTC+1)
    ("2026-01-15T21:00", True),   # 22:00 Paris
    ("2026-01-15T23:30", True),   # 00:30 Paris, past midnight
    ("2026-01-16T04:59", True),   # 05:59 Paris
    ("2026-01-16T05:00", False),  # 06:00 Paris: end is exclusive
    ("2026-07-15T20:30", True),   # 22:30 Paris in summer (UTC+2)
    ("2026-07-15T04:30", False),  # 06:30 Paris in summer
])
def test_window_crosses_midnight_in_tz(tmp_path, utc, inside):
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert one(tmp_path, NIGHT).in_window(now) is inside


def test_window_day_and_all_day(tmp_path):
    day = one(tmp_path, "site: e.org\ncrawl: {window: {hours: '09:00-17:00', tz: America/New_York}}\n")
    assert day.in_window(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))       # 09:00 New York
    assert not day.in_window(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))   # 17:00 New York
    late = one(tmp_path, "site: e.org\ncrawl: {window: {hours: '20:00-24:00', tz: UTC}}\n")
    assert late.in_window(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC)) and not late.in_window(datetime(2026, 3, 2, 0, 1, tzinfo=UTC))
    assert one(tmp_path, "site: e.org\n").in_window(datetime(2026, 1, 1, tzinfo=UTC))


def test_window_needs_aware_time_and_says_when_it_opens(tmp_path):
    p = one(tmp_path, NIGHT)
    with pytest.raises(ValueError, match="timezone-aware"):
        p.in_window(datetime(2026, 1, 15, 12, 0))
    opens = p.next_window(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    assert opens == datetime(2026, 1, 15, 22, 0, tzinfo=ZoneInfo("Europe/Paris"))
    inside = datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    assert p.next_window(inside) == inside


# --- purposes and images ------------------------------------------------------------------

def test_purposes_and_images(tmp_path):
    p = one(tmp_path, "site: e.org\npurposes: {search: allowed, ai-train: forbidden}\nimages: {collect: false}\n")
    assert (p.purpose_allowed("search"), p.purpose_allowed("ai-train"), p.purpose_allowed("archive")) == (True, False, None)
    assert p.images_allowed() is False
    q = one(tmp_path, "site: e.org\nterms: {automated_access: forbidden}\npurposes: {search: allowed}\n")
    assert q.purpose_allowed("search") is False and q.images_allowed() is True
