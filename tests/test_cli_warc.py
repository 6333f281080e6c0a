"""``--warc``: the issue's whole story on one local site — a sitemap-only page, a subdomain, a face and a
plain image — archived as WARC/1.1 that warcio and fastwarc both read, with no byte of the face in it."""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys

import pytest

from tests.cli_support import civil_crawl, face_png, start_server


@pytest.fixture(scope="module")
def site():
    server = start_server()
    yield server
    server.stop()


def _warcio(path):
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as f:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read(),
                 r.http_headers.get_statuscode() if r.http_headers else None) for r in ArchiveIterator(f)]


def _fastwarc(path):
    from fastwarc.warc import ArchiveIterator

    with open(path, "rb") as f:
        return [(str(r.record_type), r.headers.get("WARC-Target-URI"), r.reader.read())
                for r in ArchiveIterator(f, parse_http=True)]


READS = ("terms", "robots-txt", "tdmrep", "ai-txt")  # records of files read to decide (a home page is read for
# its terms, then served to the crawl: two records, one final)


def _final(result, url):
    recs = [x for x in result.audit if x["url"] == url and x["reason"] not in READS]
    assert len(recs) == 1, recs
    return recs[0]


def test_the_done_when_crawl(site, tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    r = civil_crawl(site, tmp_path, "--sitemaps", "--scope", "subdomains", "--images", "--images-dir",
                    str(tmp_path / "img"), "--max-depth", "1", "--warc", str(warc),
                    out="items.csv")
    assert r.returncode == 0, r.stderr
    url = site.url
    # scope and sitemaps
    assert _final(r, url("blog.civil.test"))["decision"] == "fetched"
    assert _final(r, url("other.test"))["reason"] == "scope"
    assert _final(r, url("civil.test", "/only-in-sitemap"))["via"] == "sitemap"
    # images: the face refused, the plain one kept
    assert _final(r, url("civil.test", "/img/face.png"))["decision"] == "refused"
    assert _final(r, url("civil.test", "/img/plain.png"))["decision"] == "fetched"
    assert _final(r, url("civil.test", "/disguised"))["decision"] == "refused"  # a face served as text/html
    rows = list(csv.DictReader((tmp_path / "items.csv").open(encoding="utf-8")))
    assert {row["url"] for row in rows} >= {url("civil.test", "/only-in-sitemap"), url("blog.civil.test")}

    records = _warcio(warc)
    assert records[0][0] == "warcinfo"
    info = records[0][2].decode()
    assert "civilcrawl/" in info and "mailto:tests@example.org" in info and "purpose: research" in info
    responses = {uri: (body, status) for kind, uri, body, status in records if kind == "response"}
    requests = {uri for kind, uri, _, _ in records if kind == "request"}
    fetched = {x["url"] for x in r.audit if x["decision"] == "fetched"}
    assert fetched == set(responses) == requests  # every fetched page, robots.txt, sitemap, read file: once each
    assert len(records) == 1 + 2 * len(fetched)
    assert url("civil.test", "/robots.txt") in responses and url("blog.civil.test", "/robots.txt") in responses
    assert b"reached through the sitemap only" in responses[url("civil.test", "/only-in-sitemap")][0]
    for face_url in (url("civil.test", "/img/face.png"), url("civil.test", "/disguised")):
        assert face_url not in responses and face_url not in requests
    plain = responses[url("civil.test", "/img/plain.png")][0]
    stored = list((tmp_path / "img").rglob("*.png")) + list((tmp_path / "img").rglob("*.jpg"))
    assert plain and any(p.read_bytes() == plain for p in stored)  # the stripped copy, as stored
    # no byte of the face: not the file, not a slice of it, in the whole (decompressed) archive
    raw = gzip.decompress(warc.read_bytes())
    face = face_png()
    assert all(face[i:i + 256] not in raw for i in range(0, len(face) - 256, 4096))

    # a second, independent reader agrees
    fast = _fastwarc(warc)
    assert [(k, u) for k, u, _ in fast] == [(k, u) for k, u, _, _ in records]
    assert {u: b for k, u, b in fast if k == "response"} == {u: b for u, (b, _) in responses.items()}
    # and warcio's own command line indexes it
    p = subprocess.run([sys.executable, "-c", "import sys; from warcio.cli import main; main(sys.argv[1:])",
                        "index", str(warc)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.count('"warc-type": "response"') == len(fetched), p.stderr


def test_warc_name_and_stdout(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--warc", str(tmp_path / "crawl.warc"), out=None)
    assert r.returncode == 2 and "name it FILE.warc.gz" in r.stderr
    r = civil_crawl(site, tmp_path, "--max-depth", "0", "--terms", "policy", out="-")
    assert r.returncode == 0 and [i["url"] for i in r.items] == [site.url("civil.test")]
