"""Policy drafts from a verdict: valid YAML for the loader, never overwriting a reviewed file."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.decide.policy import load_file, load_text
from crawler.decide.terms import analyse, draft_policy, site_of, write_draft


def test_site_of():
    assert site_of("https://www.example.org/legal/terms") == "example.org"
    assert site_of("http://Shop.Example.org:8080/tos") == "shop.example.org:8080"


@pytest.mark.parametrize("text, access, purposes", [
    ("You may not scrape this website. It's a \"rule\": really.", "forbidden", {}),
    ("You may not use our content to train AI models.", "conditional", {"ai-train": "forbidden"}),
    ("Returns within 30 days.", "unknown", {}),
])
def test_draft_loads_and_says_what_was_found(text, access, purposes):
    verdict = analyse(text)
    yaml_text = draft_policy(verdict, "https://www.example.org/terms", today=date(2026, 11, 26))
    assert yaml_text.startswith("# DRAFT written by civilcrawl on 2026-11-26 from https://www.example.org/terms")
    policy = load_text(yaml_text, "draft.yaml")
    assert policy.site == "example.org" and policy.automated_access == access and dict(policy.purposes) == purposes
    assert policy.terms.reviewed_on is None  # a person must review it
    if verdict.clauses:
        assert policy.terms.quote == verdict.quotes[0]


def test_write_draft_refuses_to_overwrite(tmp_path):
    path = write_draft(tmp_path / "drafts", analyse("Do not crawl this site."), "https://example.org:8443/terms")
    assert path.name == "example.org_8443.yaml" and load_file(path).site == "example.org:8443"
    with pytest.raises(FileExistsError, match="already exists"):
        write_draft(tmp_path / "drafts", analyse(""), "https://example.org:8443/terms")
