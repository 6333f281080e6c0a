"""Policy files on disk: valid shapes load, every error names file:line and the field."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from crawler.decide.policy import PolicyError, load_dir, load_file

FULL = """\
# policies/example.org.yaml
site: example.org
terms:
  url: https://example.org/terms
  automated_access: forbidden
  quote: "You may not access the service by automated means..."
  reviewed: {on: 2026-11-01, by: "J. Doe"}
crawl:
  allow: ["/articles/"]
  deny: ["/users/", "/*/photos"]
  min_delay: 2.0
  requests_per_minute: 20
  concurrency: 1
  max_pages: 500
  max_depth: 5
  window: {hours: "22:00-06:00", tz: Europe/Paris}
images: {collect: false}
purposes: {search: allowed, ai-train: forbidden}
permission: {granted_by: "webmaster@example.org", on: 2026-10-01, reference: "ticket 42"}
"""


def write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_file(path)
    return [str(p) for p in info.value.problems]


def test_issue_example_loads_with_lines(tmp_path):
    p = load_file(write(tmp_path, FULL))
    assert p.site == "example.org" and p.forbidden
    assert p.terms.reviewed_on == date(2026, 11, 1) and p.terms.reviewed_by == "J. Doe"  # `on:` is not YAML's True
    assert p.permission.on == date(2026, 10, 1) and p.permission.reference == "ticket 42"
    assert p.min_delay == 2.0 and p.requests_per_minute == 20 and p.concurrency == 1
    assert (p.max_pages, p.max_depth, p.images_collect) == (500, 5, False)
    assert dict(p.purposes) == {"search": "allowed", "ai-train": "forbidden"}
    assert p.where("crawl.min_delay").endswith("x.yaml:11")
    assert [r.source.rsplit(":", 1)[1] for r in p.deny] == ["10", "10"]


def test_minimal_policy(tmp_path):
    p = load_file(write(tmp_path, "site: Example.ORG\n"))
    assert p.site == "example.org" and p.terms is None and p.automated_access == "unknown"


@pytest.mark.parametrize("body, expected", [
    ("site: example.org\ncrawl:\n  min_delay: fast\n",
     'x.yaml:3: crawl.min_delay: expected a number >= 0, got "fast" — fix the value or remove the key'),
    ("site: example.org\ncrawl:\n  min_delay: -1\n", "x.yaml:3: crawl.min_delay: expected a number >= 0, got -1"),
    ("site: example.org\ncrawl:\n  concurrency: 1.5\n", "x.yaml:3: crawl.concurrency: expected a whole number >= 1, got 1.5"),
    ("site: example.org\ncrawl:\n  requests_per_minute: 0\n", "x.yaml:3: crawl.requests_per_minute: expected a number > 0, got 0"),
    ("site: example.org\ncrawl:\n  delay: 3\n", 'x.yaml:3: crawl.delay: unknown key — did you mean "min_delay"?'),
    ("site: example.org\nterms:\n  url: https://e.org/t\n", 'x.yaml:2: terms.automated_access: missing — add it (one of allowed, forbidden, conditional, unknown)'),
    ("terms: {automated_access: unknown}\n", "x.yaml:1: site: missing — add it"),
    ("site: example.org\nterms:\n  automated_access: nope\n",
     'x.yaml:3: terms.automated_access: expected one of allowed, forbidden, conditional, unknown, got "nope" — fix the value\n'),
    ("site: https://example.org/\n", "x.yaml:1: site: expected a host name like example.org or example.org:8080"),
    ("site: example.org\ncrawl:\n  deny:\n    - /ok/\n    - users/\n", 'x.yaml:5: crawl.deny[1]: expected a path pattern starting with / or *, got "users/"'),
    ("site: example.org\ncrawl:\n  window: {hours: '9-17', tz: UTC}\n", 'x.yaml:3: crawl.window.hours: expected hours like "22:00-06:00", got "9-17"'),
    ("site: example.org\ncrawl:\n  window:\n    hours: 09:00-17:00\n    tz: Mars/Olympus\n", "x.yaml:5: crawl.window.tz: unknown time zone 'Mars/Olympus'"),
    ("site: example.org\ncrawl:\n  window: {hours: '08:00-08:00', tz: UTC}\n", "x.yaml:3: crawl.window.hours: start and end are both 08:00"),
    ("site: example.org\ncrawl:\n  window: {hours: '08:00-09:00'}\n", "x.yaml:3: crawl.window.tz: missing — add it"),
    ("site: example.org\nimages: {collect: maybe}\n", 'x.yaml:2: images.collect: expected true or false, got "maybe"'),
    ("site: example.org\npurposes: {ai-training: forbidden}\n", 'x.yaml:2: purposes.ai-training: unknown key — did you mean "ai-train"?'),
    ("site: example.org\npermission: {on: 2026-01-01}\n", "x.yaml:2: permission.granted_by: missing — add it"),
    ("site: example.org\npermission: {granted_by: a, on: 2026-01-01 10:30:00}\n", 'x.yaml:2: permission.on: expected a date like 2026-11-26, got "2026-01-01T10:30:00"'),
    ("site: example.org\npermission: {granted_by: a, on: '2026-02-30'}\n", 'x.yaml:2: permission.on: expected a date like 2026-11-26, got "2026-02-30"'),
    ("site: example.org\nterms: {automated_access: unknown, reviewed: {on: 2026-13-01, by: x}}\n", "x.yaml:2: invalid value '2026-13-01'"),
    ("site: example.org\nsite: other.org\n", "x.yaml:2: site: duplicate key (first on line 1) — keep only one"),
    ("site: example.org\ncrawl: [1, 2]\n", "x.yaml:2: crawl: expected a mapping of keys, got a list"),
    ("site: example.org\ncrawl:\n  min_delay: 1\n   max_depth: 2\n", "x.yaml:4: not valid YAML"),
    ("", "x.yaml:1: the file is empty"),
    ("- site: example.org\n", "x.yaml:1: expected a mapping of keys (site:, terms:, crawl:, ...), got a list"),
    ("base: &b {min_delay: 1}\nsite: example.org\ncrawl:\n  <<: *b\n", "x.yaml:1: anchors and aliases (&name, *name) are not supported"),
    ("site: example.org\ncrawl:\n  <<: {min_delay: 1}\n", "x.yaml:3: crawl: merge keys (<<) are not supported"),
])
def test_errors_name_file_line_and_field(tmp_path, body, expected):
    found = problems(write(tmp_path, body))
    assert any(f"{tmp_path}/{expected.strip()}" in p for p in found), found
    assert all(p.startswith(str(tmp_path / "x.yaml") + ":") for p in found)


def test_all_problems_reported_at_once(tmp_path):
    found = problems(write(tmp_path, "site: example.org\ncrawl:\n  min_delay: x\n  max_depth: -1\nextra: 1\n"))
    assert [p.split(": ")[1] for p in found] == ["crawl.min_delay", "crawl.max_depth", "extra"]


def test_unreadable_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"site: \xff\xfe\n")
    assert "cannot read the file" in problems(path)[0]
    assert "cannot read the file" in problems(tmp_path / "missing.yaml")[0]


def test_load_dir_collects_every_file(tmp_path):
    write(tmp_path, "site: a.org\n", "a.yaml")
    write(tmp_path, "site: b.org\n", "b.yml")
    write(tmp_path, "not a policy", "notes.txt")
    assert [p.site for p in load_dir(tmp_path)] == ["a.org", "b.org"]
    write(tmp_path, "site: c.org\ncrawl: {max_pages: 0}\n", "c.yaml")
    write(tmp_path, "site: d.org\ncrawl: {max_depth: x}\n", "d.yaml")
    with pytest.raises(PolicyError) as info:
        load_dir(tmp_path)
    assert [Path(p.file).name for p in info.value.problems] == ["c.yaml", "d.yaml"]


def test_load_dir_not_a_folder(tmp_path):
    with pytest.raises(PolicyError, match="not a folder"):
        load_dir(tmp_path / "nope")
