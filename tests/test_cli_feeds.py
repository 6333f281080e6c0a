"""``--out`` by extension (Scrapy's feed exporters for JSON, CSV, XML; JSON Lines ours) and ``--item-fields``."""

from __future__ import annotations

import csv
import json

import pytest
from defusedxml import ElementTree

from tests.cli_support import civil_crawl, start_server


@pytest.fixture(scope="module")
def site():
    server = start_server()
    yield server
    server.stop()


def test_csv_json_and_xml_by_extension(site, tmp_path):
    for name in ("items.csv", "items.json", "items.xml"):
        r = civil_crawl(site, tmp_path, "--max-depth", "1", out=name)
        assert r.returncode == 0, r.stderr
    fetched = {r["url"] for r in r.audit if r["decision"] == "fetched" and r["reason"] in ("ok", "rate")
               and not r["url"].endswith("robots.txt")}
    rows = list(csv.DictReader((tmp_path / "items.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["url", "status", "fetched_at", "title", "text", "links"]
    assert {row["url"] for row in rows} == fetched and any(row["title"] == "page a" for row in rows)
    doc = json.loads((tmp_path / "items.json").read_text("utf-8"))
    assert {item["url"] for item in doc} == fetched
    root = ElementTree.fromstring((tmp_path / "items.xml").read_bytes())
    assert root.tag == "items" and {i.findtext("url") for i in root.findall("item")} == fetched
    # a second run replaces a whole-document output (appending would make it invalid)
    r = civil_crawl(site, tmp_path, "--max-depth", "0", out="items.json")
    assert len(json.loads((tmp_path / "items.json").read_text("utf-8"))) == 1


def test_stdout_lines_with_extra_fields(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--max-depth", "1", "--item-fields",
                    "html,headers,content_type,encoding,depth,referer", out="-")
    assert r.returncode == 0, r.stderr
    by_url = {i["url"]: i for i in r.items}
    home, a = by_url[site.url("civil.test")], by_url[site.url("civil.test", "/a")]
    assert "<h1>page a</h1>" in a["html"] and a["depth"] == 1 and a["referer"] == home["url"]
    assert a["content_type"].startswith("text/html") and a["encoding"] == "utf-8"
    assert a["headers"]["Content-Type"].startswith("text/html") and "Last-Modified" in a["headers"]
    assert home["depth"] == 0 and home["referer"] is None
    assert "crawl finished" in r.stderr and "crawl finished" not in r.stdout  # stdout holds items only


@pytest.mark.parametrize("args,message", [
    (("--out", "items.parquet"), "--out 'items.parquet': cannot tell the format from its extension"),
    (("--item-fields", "html,cookies"), "unknown item field 'cookies'"),
])
def test_bad_output_choices_are_usage_errors(site, tmp_path, args, message):
    r = civil_crawl(site, tmp_path, *args, out=None)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert r.audit == [] and not (tmp_path / "items.parquet").exists()
