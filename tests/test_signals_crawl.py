"""Page directives, opt-out signals and policy files, end to end against local sites."""

from __future__ import annotations

from tests.test_crawl import pages


def test_page_directives(crawl, server):
    r = crawl("noindex.test", "nofollow.test", args=("--delay", "0"))
    u = lambda host, path: server.url(host, path)  # noqa: E731
    items = {i["url"] for i in r.items}
    hidden = r.final(u("noindex.test", "/hidden"))
    assert hidden["decision"] == "fetched" and hidden["reason"] == "noindex" and u("noindex.test", "/hidden") not in items
    assert u("noindex.test", "/xrt-other") in items, "X-Robots-Tag scoped to another bot does not apply to us"
    assert r.final(u("noindex.test", "/xrt-ours"))["reason"] == "noindex"
    assert u("noindex.test", "/dated") in items, "unavailable_after only matters for search and archive"
    # nofollow page and rel=nofollow links
    assert r.final(u("nofollow.test", "/behind-nofollow-page"))["reason"] == "nofollow"
    assert r.final(u("nofollow.test", "/only-nf"))["reason"] == "nofollow"
    assert r.final(u("nofollow.test", "/both"))["decision"] == "skipped", "only reached through nofollow links"
    paths = {h.path for h in pages(server.hits_for("nofollow.test"))}
    assert paths == {"/", "/a"}


def test_purpose_search_uses_snippets_and_dates(crawl, server):
    r = crawl("noindex.test", args=("--delay", "0", "--purpose", "search"))
    items = {i["url"]: i for i in r.items}
    assert r.final(server.url("noindex.test", "/dated"))["reason"] == "purpose", "unavailable_after passed"
    assert len(items[server.url("noindex.test", "/snippet")]["text"]) == 5, "max-snippet:5 for our token"


def test_opt_out_signals_for_ai_training(crawl, server):
    before = {h: len(pages(server.hits_for(h))) for h in ("csig.test", "tdm.test", "aitxt.test")}
    r = crawl("csig.test", "cusage.test", "tdm.test", "aitxt.test", "noai.test",
              args=("--delay", "0", "--purpose", "ai-train"))
    for host in ("csig.test", "tdm.test", "aitxt.test"):
        rec = r.final(server.url(host))
        assert rec["decision"] == "refused" and rec["reason"] == "ai-optout", rec
        assert len(pages(server.hits_for(host))) == before[host], f"{host}: refused before fetching"
    assert "Content-Signal" in r.final(server.url("csig.test"))["detail"] or \
        "content-signal" in r.final(server.url("csig.test"))["detail"]
    cu = r.final(server.url("cusage.test"))
    assert cu["decision"] == "fetched" and cu["reason"] == "ai-optout", "Content-Usage header: fetched, no item"
    assert server.url("cusage.test", "/malformed") in {i["url"] for i in r.items}, "malformed = unknown, not an error"
    assert r.final(server.url("noai.test"))["reason"] == "ai-optout"
    assert not any(i["url"].startswith(server.url("csig.test", "")) for i in r.items)


def test_tdm_reservation_and_research(crawl, server):
    r = crawl("tdm.test", "csig.test", args=("--delay", "0"))
    assert r.final(server.url("tdm.test"))["reason"] == "ai-optout", "tdm-reservation binds research by default"
    assert r.final(server.url("csig.test"))["decision"] == "fetched", "ai-train=no does not concern research"
    r = crawl("tdm.test", args=("--delay", "0", "--art3"))
    assert r.final(server.url("tdm.test"))["decision"] == "fetched", "Art. 3 research organisations are exempt"


POLICY = """\
site: pol.test
terms:
  url: http://pol.test/terms
  automated_access: conditional
  reviewed: {on: 2026-11-20, by: "tests"}
crawl:
  deny: ["/users/"]
  min_delay: 0.3
  max_pages: 3
purposes: {ai-train: forbidden}
"""
FORBIDDEN = """\
site: forbidden.test
terms:
  url: http://forbidden.test/terms
  automated_access: forbidden
  quote: "You may not access the service by automated means."
  reviewed: {on: 2026-11-20, by: "tests"}
"""


def test_policy_files(crawl, server, tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "pol.test.yaml").write_text(POLICY)
    (folder / "forbidden.test.yaml").write_text(FORBIDDEN)
    before = len(server.hits_for("forbidden.test"))
    r = crawl("pol.test", "forbidden.test", "https://www.facebook.com/somebody",
              args=("--policies", str(folder), "--delay", "0"))
    assert r.returncode == 0, r.stderr
    assert len(server.hits_for("forbidden.test")) == before, "forbidden terms: not even robots.txt"
    tos = r.final(server.url("forbidden.test"))
    assert tos["reason"] == "tos" and "automated means" in tos["detail"] and "forbidden.test.yaml" in tos["detail"]
    assert r.final("https://www.facebook.com/somebody")["reason"] == "tos", "bundled policy"
    assert r.final(server.url("pol.test", "/users/1"))["reason"] == "policy"
    hits = pages(server.hits_for("pol.test"))
    assert len(hits) == 3, "the site's page budget"
    assert min(server.gaps(server.hits_for("pol.test"))) >= 0.3, "the policy's min_delay"
    r = crawl("pol.test", args=("--policies", str(folder), "--purpose", "ai-train"))
    assert r.final(server.url("pol.test"))["reason"] == "purpose"


def test_broken_policy_file_exits_2(crawl, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "x.yaml").write_text("site: pol.test\ncrawl:\n  min_delay: fast\n")
    r = crawl("pol.test", args=("--policies", str(folder)))
    assert r.returncode == 2 and "x.yaml:3" in r.stderr and not r.audit
