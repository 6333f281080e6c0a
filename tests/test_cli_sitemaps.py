"""``--sitemaps``: robots.txt's Sitemap lines and /sitemap.xml, an index and a gzipped sitemap, through the gate."""

from __future__ import annotations

import gzip

import pytest
from protego import Protego

from crawler.page import sitemaps
from tests.cli_support import civil_crawl, start_server


@pytest.fixture(scope="module")
def site():
    server = start_server()
    yield server
    server.stop()


def test_a_page_only_the_sitemap_lists_is_fetched(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--sitemaps", "--max-depth", "1", "--terms", "policy")
    assert r.returncode == 0, r.stderr
    hidden = r.final(site.url("civil.test", "/only-in-sitemap"))
    assert (hidden["decision"], hidden.get("via")) == ("fetched", "sitemap") and hidden["status"] == 200
    for path in ("/sitemap-index.xml", "/sitemap-pages.xml.gz", "/sitemap.xml"):  # /sitemap.xml: a 404 here
        rec = r.final(site.url("civil.test", path))
        assert rec["decision"] == "fetched" and rec["via"] == "sitemap"
    elsewhere = r.final(site.url("elsewhere.test", "/x"))  # listed, but outside the scope
    assert (elsewhere["decision"], elsewhere["reason"], elsewhere["via"]) == ("skipped", "scope", "sitemap")
    assert "only-in-sitemap" in {i["url"].rsplit("/", 1)[1] for i in r.items}
    assert r.final(site.url("civil.test", "/a"))["decision"] == "fetched"  # linked and listed: one record


def test_without_sitemaps_the_page_is_not_found(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--max-depth", "1", "--terms", "policy")
    assert r.returncode == 0, r.stderr
    assert not r.decisions("only-in-sitemap") and not r.decisions("sitemap-index")


def test_parse_caps_and_hostile_files():
    urlset = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + "".join(f"<url><loc>https://e.test/{i}</loc></url>" for i in range(10)) + "</urlset>").encode()
    assert len(sitemaps.parse(urlset).urls) == 10 and not sitemaps.parse(urlset).index
    capped = sitemaps.parse(urlset, max_urls=3)
    assert len(capped.urls) == 3 and "more than 3 URLs" in capped.problem
    assert sitemaps.parse(gzip.compress(urlset)).urls == sitemaps.parse(urlset).urls
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert "larger than 1000000 bytes" in sitemaps.parse(bomb, limit=1_000_000).problem
    entities = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>'
    assert "not a readable sitemap" in sitemaps.parse(entities).problem  # defusedxml: no entities
    assert "root element is <html>" in sitemaps.parse(b"<html></html>").problem
    assert sitemaps.from_robots("User-agent: *\nSitemap: https://e.test/a.xml\nsitemap:https://e.test/b.xml\n") == [
        "https://e.test/a.xml", "https://e.test/b.xml"]
    # 'Sitemaps:' is a sitemap line too (keys are read by prefix, as Google does; Protego lists it as well)
    robots = "User-agent: *\nSitemaps: https://e.test/c.xml\n"
    assert sitemaps.from_robots(robots) == list(Protego.parse(robots).sitemaps) == ["https://e.test/c.xml"]


def test_job_files_follow_sitemaps_by_default_and_keep_a_warc(site, tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import CONTACT, read_jsonl

    job = tmp_path / "job.yaml"
    job.write_text(f"seeds: [{site.url('civil.test')}]\ncontact: {CONTACT}\nstate: state\nterms: policy\n"
                   "limits: {delay: 0, timeout: 5, max_depth: 1}\noutputs: {warc: true}\n"
                   "network: {allow_networks: [127.0.0.1/32], resolve: {civil.test: 127.0.0.1}}\n", "utf-8")
    p = subprocess.run([sys.executable, "-m", "crawler", "run", str(job), "--progress", "off"],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    run = tmp_path / "state" / "runs" / "run-0001"
    assert json.loads((run / "summary.json").read_text("utf-8"))["status"] == "complete"
    audit = read_jsonl(run / "audit.jsonl")
    hidden = [r for r in audit if r["url"].endswith("/only-in-sitemap")]
    assert len(hidden) == 1 and hidden[0]["decision"] == "fetched" and hidden[0]["via"] == "sitemap"
    from warcio.archiveiterator import ArchiveIterator  # outputs.warc: the run's archive, next to its audit

    with open(run / "crawl.warc.gz", "rb") as f:
        archived = {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(f) if r.rec_type == "response"}
    assert archived == {r["url"] for r in audit if r["decision"] == "fetched"}
