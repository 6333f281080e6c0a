"""``--scope``, ``--include`` and ``--exclude``: which discovered URLs the crawl follows (crawler.decide.scope)."""

from __future__ import annotations

import pytest

from crawler.decide.scope import Scope, registrable_domain
from tests.cli_support import civil_crawl, start_server


@pytest.fixture(scope="module")
def site():
    server = start_server()
    yield server
    server.stop()


def _fetched(result) -> set[str]:
    return {r["url"].split("//", 1)[1].split(":", 1)[0] + "/" + r["url"].split("/", 3)[3]
            for r in result.audit if r["decision"] == "fetched" and not r["url"].endswith("/robots.txt")}


def test_origin_scope_keeps_to_the_seed_origin(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--max-depth", "1")
    assert r.returncode == 0, r.stderr
    assert "civil.test/a" in _fetched(r)
    blog = r.final(site.url("blog.civil.test"))
    assert (blog["decision"], blog["reason"]) == ("skipped", "scope")
    assert "outside origin scope" in blog["detail"]
    assert not [h for h in site.hits if h.host == "blog.civil.test" and h.path == "/"]


def test_subdomains_scope_reaches_the_subdomain_not_another_site(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--max-depth", "1", "--scope", "subdomains")
    assert r.returncode == 0, r.stderr
    assert {"civil.test/a", "blog.civil.test/"} <= _fetched(r)
    assert r.final(site.url("other.test"))["reason"] == "scope"


def test_exclude_and_include_patterns(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--max-depth", "1", "--exclude", r"/private/", "--include", r"/(a|private/x)$")
    assert r.returncode == 0, r.stderr
    assert "civil.test/a" in _fetched(r) and "civil.test/" in _fetched(r)  # the seed is fetched despite --include
    private = r.final(site.url("civil.test", "/private/x"))
    assert private["reason"] == "scope" and "--exclude '/private/'" in private["detail"]


def test_a_bad_regular_expression_is_a_usage_error(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--exclude", "(unclosed")
    assert r.returncode == 2
    assert "--exclude '(unclosed': not a regular expression" in r.stderr
    assert "Traceback" not in r.stderr and r.audit == []
    with pytest.raises(ValueError, match=r"--include '\[a-': not a regular expression"):
        Scope(["https://example.org/"], include=["[a-"])


def test_modes_by_hand():
    seeds = ["https://www.example.co.uk/start"]
    assert registrable_domain("shop.example.co.uk") == "example.co.uk"
    assert registrable_domain("user.github.io") == "user.github.io"  # a private suffix: one owner per name
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    origin, host = Scope(seeds), Scope(seeds, "host")
    subs, domain = Scope(seeds, "subdomains"), Scope(seeds, "domain")
    assert "https://www.example.co.uk/x" in origin and "http://www.example.co.uk/x" not in origin
    assert "http://www.example.co.uk:8080/x" in host and "https://a.www.example.co.uk/" not in host
    assert "https://a.www.example.co.uk/" in subs and "https://shop.example.co.uk/" not in subs
    assert "https://shop.example.co.uk/" in domain and "https://other.co.uk/" not in domain
    assert "https://evil-example.co.uk/" not in subs and "https://www.example.co.uk.evil.test/" not in domain


def test_job_file_scope_keys(tmp_path):
    from crawler.jobs.config import JobError, load_job

    job = tmp_path / "job.yaml"
    job.write_text("seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: s/\n"
                   "scope: {mode: domain, include: ['/blog/'], exclude: ['[?]']}\n")
    loaded = load_job(job)
    assert (loaded.scope, loaded.include, loaded.exclude) == ("domain", ["/blog/"], ["[?]"])
    job.write_text("seeds: [https://example.org/]\ncontact: mailto:a@example.org\nstate: s/\n"
                   "scope:\n  mode: galaxy\n  exclude: ['(']\n")
    with pytest.raises(JobError) as err:
        load_job(job)
    text = str(err.value)
    assert "job.yaml:5: scope.mode: must be one of origin, host, subdomains, domain" in text
    assert "job.yaml:6: scope.exclude:" in text and "not a regular expression" in text
