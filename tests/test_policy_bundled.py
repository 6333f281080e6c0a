"""The bundled policies: all valid, all forbidden, each citing its terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.decide.policy import bundled_dir, load_dir, load_policy_set
from crawler.decide.policy.bundled import SOURCE_DIR

BUNDLED = load_dir(bundled_dir())
SITES = {p.site for p in BUNDLED}


def test_bundled_dir_is_the_repo_policies_folder_in_a_checkout():
    checkout = (Path(__file__).resolve().parents[1] / "policies").resolve()
    assert SOURCE_DIR.resolve() == checkout
    assert bundled_dir().resolve() == checkout  # an editable install maps crawler.policies there too


@pytest.mark.parametrize("site", ["facebook.com", "instagram.com", "x.com", "twitter.com", "linkedin.com", "tiktok.com", "vk.com"])
def test_required_sites_present(site):
    assert site in SITES


@pytest.mark.parametrize("policy", BUNDLED, ids=lambda p: p.site)
def test_each_bundled_policy_is_forbidden_and_cited(policy):
    assert policy.forbidden
    assert policy.terms.url.startswith("https://") and policy.terms.quote and policy.terms.note
    assert policy.terms.reviewed_by == "civilcrawl maintainers" and policy.terms.reviewed_on.isoformat() == "2026-11-26"
    assert policy.images_allowed() is False
    assert policy.path_rule("/")[0] is False


@pytest.mark.parametrize("host", ["www.facebook.com", "scontent.xx.fbcdn.net", "scontent.cdninstagram.com", "pbs.twimg.com",
                                  "media.licdn.com", "www.threads.net", "m.vk.com", "i.pinimg.com"])
def test_subdomains_and_image_hosts_are_covered(host):
    policy = load_policy_set().for_host(host)
    assert policy is not None and policy.forbidden
