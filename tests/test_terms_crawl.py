"""Terms of service read by default: each discovery route, the verdict per purpose, what a refused site costs."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from crawler.cli.localsite import Hit, LocalServer, Reply, Site
from tests.conftest import CONTACT, CrawlResult, run_crawl

ALLOW_ALL = Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain")
FORBID_EN = "<h1>Terms</h1><p>Welcome.</p><p>You may not use any automated means to access or copy the Service.</p>"
FORBID_FR = "<h1>Conditions</h1><p>Il est interdit d'aspirer le site ou d'en extraire les pages par un procédé automatisé.</p>"
FORBID_DE = "<h1>AGB</h1><p>Das automatisierte Auslesen der Inhalte mittels Crawlern ist untersagt.</p>"
HARMLESS = "<h1>Terms</h1><p>Be kind. Returns within 14 days. Our support chatbot answers at night.</p>"
PERMISSION = "<h1>Terms</h1><p>Automated collection of data is prohibited without our prior written permission.</p>"
RATE = "<h1>Terms</h1><p>Automated clients may access the site provided they send no more than 120 requests per minute.</p>"
RESEARCH = "<h1>Terms</h1><p>Automated collection of our pages is permitted for non-commercial research only.</p>"
AI_ONLY = "<h1>Terms</h1><p>You may not use the content of this site to train artificial intelligence models.</p>"


def page(body: str, head: str = "", lang: str = "en") -> Reply:
    return Reply(body=f'<html lang="{lang}"><head><title>t</title>{head}</head><body>{body}</body></html>')


def site(terms_path: str, terms: str | Reply, home_extra: str = "", head: str = "", lang: str = "en",
         robots: Reply = ALLOW_ALL, headers: dict[str, str] | None = None) -> Site:
    home = page(f'<p>home</p><a href="/a">a</a><a href="/b">b</a>{home_extra}', head, lang)
    home.headers.update(headers or {})
    return Site({"/robots.txt": robots, "/": home, "/a": page('<p>a</p><a href="/b">b</a>'), "/b": page("<p>b</p>"),
                 terms_path: terms if isinstance(terms, Reply) else page(terms, lang=lang)})


SITES = {
    # a footer link in another language than the site's (English site, French link text)
    "footer.test": site("/legal/cgu", FORBID_EN, '<footer><a href="/legal/cgu">Conditions générales d\'utilisation</a></footer>'),
    "rel.test": site("/x/tos", HARMLESS, head='<link rel="terms-of-service" href="/x/tos">'),
    "header.test": site("/policy/use", FORBID_EN, headers={"Link": '</policy/use>; rel="terms-of-service"'}),
    "jsonld.test": site("/legal/t.html", PERMISSION, head='<script type="application/ld+json">{"@context": '
                        '"https://schema.org", "@graph": [{"@type": "Organization", "name": "x"}, {"@type": "WebSite", '
                        '"termsOfService": "legal/t.html"}]}</script>'),
    "guess.test": site("/agb", FORBID_DE, lang="de"),
    "blocked.test": site("/agb", FORBID_DE, lang="de",
                         robots=Reply(body="User-agent: *\nDisallow: /agb\nDisallow: /terms\n", content_type="text/plain")),
    "latin1.test": site("/mentions", Reply(body=f'<html lang="fr"><body>{FORBID_FR}</body></html>'.encode("iso-8859-1"),
                                           content_type="text/html; charset=ISO-8859-1"),
                        '<footer><a href="/mentions">CGU</a></footer>', lang="fr"),
    "rate.test": site("/terms", RATE, '<a href="/terms">Terms of use</a>'),
    "moved.test": Site({"/robots.txt": ALLOW_ALL, "/": Reply(302, headers={"Location": "/en/"}),
                        "/en/": page('<a href="a">a</a><footer><a href="legal/terms">Terms</a></footer>'),
                        "/en/a": page("<p>a</p>"), "/en/legal/terms": page(FORBID_EN)}),
    "research.test": site("/terms", RESEARCH, '<a href="/terms">Terms of use</a>'),
    "ai.test": site("/terms", AI_ONLY, '<a href="/terms">Terms of use</a>'),
    "budget.test": site("/terms", HARMLESS, '<a href="/terms">Terms of use</a>'),
}


@pytest.fixture(scope="module")
def server():
    with LocalServer(SITES) as srv:
        yield srv


def paths(server, host):
    return [h.path for h in server.hits_for(host)]


DISCOVERED = ("footer.test", "rel.test", "moved.test", "header.test", "jsonld.test", "guess.test", "blocked.test",
              "latin1.test", "rate.test")


@dataclass
class Discovered:
    """One crawl of the sites above (terms read by default, --delay 0) and the requests it made: each test below
    checks its own site in it (one start-up instead of one per site)."""

    result: CrawlResult
    hits: list[Hit]
    server: LocalServer

    def paths(self, host: str) -> list[str]:
        return [h.path for h in self.hits if h.host == host]

    def items(self, host: str) -> set[str]:
        return {i["url"] for i in self.result.items if i["url"].startswith(self.server.url(host))}

    def audit(self, host: str) -> list[dict]:
        return [x for x in self.result.audit if x["url"].startswith(self.server.url(host))]


@pytest.fixture(scope="module")
def discovered(server, tmp_path_factory):
    before = len(server.hits)
    r = run_crawl(server, tmp_path_factory.mktemp("discovered"), *DISCOVERED, args=("--delay", "0"), terms=None)
    assert r.returncode == 0, r.stderr
    return Discovered(r, server.hits[before:], server)


def test_forbidding_terms_refuse_the_site_by_default(discovered, server):
    d = discovered
    assert d.items("footer.test") == set(), "nothing kept from a site whose terms forbid automated access"
    assert d.paths("footer.test") == ["/robots.txt", "/", "/legal/cgu"], "no request beyond robots.txt, home, terms"
    home = [x for x in d.result.audit if x["url"] == server.url("footer.test")]
    assert [x["reason"] for x in home] == ["terms", "tos"]
    assert "automated means" in home[-1]["detail"] and "/legal/cgu" in home[-1]["detail"]


def test_harmless_terms_are_crawled_and_the_home_page_read_once(discovered, server):
    d = discovered
    assert d.items("rel.test") == {server.url("rel.test", p) for p in ("/", "/a", "/b")}
    assert d.paths("rel.test").count("/") == 1 and "/x/tos" in d.paths("rel.test")


def test_home_page_that_redirects(discovered):
    d = discovered
    assert d.items("moved.test") == set() and "/en/legal/terms" in d.paths("moved.test"), \
        "links relative to where home moved"
    assert "/en/a" not in d.paths("moved.test")


def test_link_header_route(discovered):
    d = discovered
    assert d.items("header.test") == set() and "/policy/use" in d.paths("header.test")
    assert "/a" not in d.paths("header.test")


def test_jsonld_relative_url_in_graph_and_unmet_permission(discovered, crawl, server, tmp_path):
    d = discovered
    refused = [x for x in d.audit("jsonld.test") if x["reason"] == "tos"]
    assert d.items("jsonld.test") == set() and refused and "condition not met: permission" in refused[0]["detail"]
    assert "/legal/t.html" in d.paths("jsonld.test")
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "j.yaml").write_text("site: jsonld.test\npermission:\n  granted_by: the site's owner\n  on: 2026-12-01\n")
    r = crawl("jsonld.test", args=("--delay", "0", "--policies", str(policies)), terms=None)
    assert server.url("jsonld.test", "/a") in {i["url"] for i in r.items}, "a policy file's permission meets it"


def test_common_path_in_the_sites_language_only_where_robots_allows(discovered, server):
    d = discovered
    assert d.items("guess.test") == set() and d.paths("guess.test")[:3] == ["/robots.txt", "/", "/agb"]
    hits = d.paths("blocked.test")
    assert "/agb" not in hits and "/terms" not in hits, "robots.txt disallows them: not even tried"
    assert server.url("blocked.test", "/a") in d.items("blocked.test"), "unknown terms: crawled"


def test_latin1_terms_page(discovered):
    d = discovered
    assert d.items("latin1.test") == set() and "/mentions" in d.paths("latin1.test")
    assert "/a" not in d.paths("latin1.test")


def test_rate_condition_paces_the_crawl(discovered, server):
    d = discovered
    assert {server.url("rate.test", p) for p in ("/a", "/b")} <= d.items("rate.test")
    hits = [h for h in d.hits if h.host == "rate.test" and h.path in ("/a", "/b")]
    assert hits[1].t - hits[0].t >= 0.5, "120 requests per minute: one every 0.5 s"
    assert any("terms of service" in x.get("detail", "") for x in d.audit("rate.test") if x["reason"] == "rate")


@pytest.mark.parametrize("host, purpose, crawled", [
    ("research.test", "research", True), ("research.test", "archive", False),
    ("ai.test", "research", True), ("ai.test", "ai-train", False),
])
def test_conditions_met_per_purpose(crawl, server, host, purpose, crawled):
    r = crawl(host, args=("--delay", "0", "--purpose", purpose), terms=None)
    assert (server.url(host, "/a") in {i["url"] for i in r.items}) is crawled
    if not crawled:
        assert "condition not met" in [x for x in r.audit if x["reason"] == "tos"][0]["detail"]


def test_terms_reads_count_against_max_pages_and_the_policy_budget(crawl, server, tmp_path):
    r = crawl("rel.test", args=("--delay", "0", "--max-pages", "2"), terms=None)
    assert [i["url"] for i in r.items] == [server.url("rel.test")], "home (read for terms) + terms page = 2 pages"
    assert any(x["reason"] == "max-pages" for x in r.audit)
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "rel.yaml").write_text(f"site: rel.test:{server.port}\ncrawl:\n  max_pages: 2\n")
    r = crawl("rel.test", args=("--delay", "0", "--policies", str(tmp_path / "pol")), terms=None)
    assert [i["url"] for i in r.items] == [server.url("rel.test")]
    assert any(x["reason"] == "policy" and "site budget of 2" in x["detail"] for x in r.audit)


@pytest.mark.parametrize("budget", [1, 2, 3])
def test_the_home_page_read_for_the_terms_keeps_the_site_budget(crawl, server, tmp_path, budget):
    """The crawl takes the home page the terms discovery read (not fetched again): it is one of the policy's
    max_pages, so the site never sees more pages than that, whichever seed comes first and however many at once."""
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "b.yaml").write_text(f"site: budget.test:{server.port}\ncrawl:\n  max_pages: {budget}\n")
    before = len(paths(server, "budget.test"))
    seeds = [server.url("budget.test", p) for p in ("/b", "/", "/a")]
    r = crawl(*seeds, args=("--delay", "0", "--host-concurrency", "4", "--policies", str(tmp_path / "pol")),
              terms=None)
    pages = [p for p in paths(server, "budget.test")[before:] if p not in ("/robots.txt", "/.well-known/tdmrep.json")]
    assert pages[0] == "/" and pages.count("/") == 1, pages
    assert len(pages) <= budget and len(r.items) <= budget, (pages, [i["url"] for i in r.items])
    assert any(x["reason"] == "policy" and f"site budget of {budget}" in x["detail"] for x in r.audit)


def test_terms_policy_reads_no_terms(crawl, server):
    r = crawl("footer.test", args=("--delay", "0", "--terms", "policy"))
    assert server.url("footer.test", "/a") in {i["url"] for i in r.items}
    assert not any(x["reason"] in ("terms", "tos") for x in r.audit), "policy files only: no terms read, none obeyed"


def test_check_shows_the_unmet_condition(server):
    p = subprocess.run([sys.executable, "-m", "crawler", "check", server.url("jsonld.test", "/a"), "--json", "--contact",
                        CONTACT, "--allow-network", "127.0.0.1/32", "--resolve", "jsonld.test=127.0.0.1"],
                       capture_output=True, text=True, timeout=60)
    info = json.loads(p.stdout)
    assert info["decision"] == "refuse" and info["reason"] == "tos" and "permission" in info["detail"]
    assert info["terms_conditions"][0]["kind"] == "permission"


def test_job_files_discover_terms_by_default(server, tmp_path):
    from tests.jobs_support import read_jsonl, run_job, write_job

    job = write_job(tmp_path, server, "header.test", delay=0, terms=None)
    p = run_job(job)
    assert p.returncode == 0, p.stderr
    run = tmp_path / "state" / "runs" / "run-0001"
    assert read_jsonl(run / "items.jsonl") == [], "a job keeps nothing from a site whose terms forbid crawling"
    assert any(r["reason"] == "tos" for r in read_jsonl(run / "audit.jsonl"))


ADDON_SPIDER = '''
import sys
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess

class Mine(Spider):
    name = "mine"

    async def start(self):
        for path in ("/", "/a", "/b"):
            yield Request(sys.argv[1] + path)

    def parse(self, response):
        yield {"url": response.url}

process = CrawlerProcess({"ADDONS": {"crawler.addon.CivilAddon": 0}, "CIVIL_CONTACT": sys.argv[2],
                          "CIVIL_RESOLVE": {sys.argv[3]: "127.0.0.1"}, "CIVIL_ALLOW_NETWORKS": ["127.0.0.1/32"],
                          "FEEDS": {sys.argv[4]: {"format": "jsonlines"}}, "CIVIL_DELAY": 0, "LOG_LEVEL": "WARNING"})
process.crawl(Mine)
process.start()
'''


def test_addon_reads_terms_by_default(server, tmp_path):
    script, out = tmp_path / "mine.py", tmp_path / "items.jsonl"
    script.write_text(ADDON_SPIDER)
    p = subprocess.run([sys.executable, str(script), server.url("header.test", "").rstrip("/"), CONTACT, "header.test",
                        str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert not out.exists() or out.read_text() == "", "a user's own spider keeps nothing from a forbidding site"
    assert "/a" not in paths(server, "header.test")


def test_the_verdict_is_kept_in_the_state_folder(server, tmp_path):
    from tests.jobs_support import read_jsonl, run_job, write_job

    job = write_job(tmp_path, server, "footer.test", delay=0, terms=None)
    assert run_job(job).returncode == 0
    before = len(server.hits_for("footer.test"))
    assert run_job(job).returncode == 0
    assert server.hits_for("footer.test")[before:] == [], "second run: verdict (and robots.txt) from the state folder"
    run2 = tmp_path / "state" / "runs" / "run-0002"
    assert read_jsonl(run2 / "items.jsonl") == []
    assert any(r["reason"] == "tos" and "/legal/cgu" in r["detail"] for r in read_jsonl(run2 / "audit.jsonl"))


def test_terms_are_read_once_per_cluster(tmp_path):
    from tests.cluster import Cluster, drop_cluster, redis_or_skip

    url = redis_or_skip()
    with LocalServer({"cl.test": site("/legal/cgu", FORBID_EN, '<footer><a href="/legal/cgu">CGU</a></footer>')}) as srv:
        cluster = Cluster(tmp_path, url, [srv.url("cl.test")], ["--resolve", "cl.test=127.0.0.1", "--delay", "0",
                                                                  "--terms", "discover"]).start(2)
        try:
            assert cluster.wait() == [0, 0], cluster.logs()[-3000:]
            hits = [h.path for h in srv.hits_for("cl.test")]
            assert hits.count("/legal/cgu") == 1 and "/a" not in hits, hits
            assert all(p.read_text() == "" for p in tmp_path.glob("pages*.jsonl")), "no worker kept anything"
            assert any(r["reason"] == "tos" for r in cluster.records("audit"))
        finally:
            drop_cluster(url, cluster.name)
