"""Finding the terms page from a fetched page: link relations, schema.org, anchor text, common paths."""

from __future__ import annotations

from crawler.decide.terms import common_paths, discover

URL = "https://shop.example.org/products/1"


def urls(html, headers=None):
    return [c.url for c in discover(html, URL, headers)]


def test_priority_order():
    html = """<html><head><link rel="Terms-Of-Service" href="/legal/rel"></head><body>
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "termsOfService": "https://example.org/ld"}]}</script>
    <a href="/anchor">Terms of Service</a></body></html>"""
    found = discover(html, URL, {"Link": '<https://example.org/hdr>; rel="terms-of-service", </style.css>; rel=preload'})
    assert [c.url for c in found[:4]] == ["https://example.org/hdr", "https://shop.example.org/legal/rel",
                                          "https://example.org/ld", "https://shop.example.org/anchor"]
    assert [c.source for c in found[:4]] == ["link-header", "link-rel", "schema.org", "anchor"]
    assert found[-1].source == "common-path"


def test_scrapy_style_bytes_headers():
    assert urls("", {b"Link": [b'<https://example.org/t>; rel="terms-of-service"']})[0] == "https://example.org/t"


def test_microdata_and_tdm_policy():
    html = '<div itemscope><a itemprop="termsOfService" href="/md-terms">x</a></div><meta name="tdm-policy" content="/tdm.html">'
    found = discover(html, URL)
    assert (found[0].url, found[0].source) == ("https://shop.example.org/md-terms", "schema.org")
    assert (found[1].url, found[1].source) == ("https://shop.example.org/tdm.html", "tdm-policy")


def test_anchor_languages_strength_and_footer():
    html = """<body><main><a href="/impressum">Impressum</a> <a href="/privacy">Privacy policy</a>
    <a href="/datenschutz">Datenschutzerklärung</a></main>
    <footer><a href="/mentions">Mentions légales</a> <a href="/agb">AGB</a>
    <a href="/cgu">Conditions générales d'utilisation</a></footer>
    <a href="/uso">Términos y condiciones</a> <a href="/termini">Termini e condizioni</a> <a href="/termos">Termos de uso</a>
    <a href="/legal/terms-v2">  </a><a href="mailto:x@y">Terms of use</a></body>"""
    found = [c for c in discover(html, URL) if c.source.startswith("anchor")]
    paths = [c.url.rsplit("/", 1)[1] for c in found]
    assert paths[:2] == ["agb", "cgu"]                      # strong wording, in the footer first
    assert set(paths[2:5]) == {"uso", "termini", "termos"}
    assert paths[5:7] == ["mentions", "impressum"]          # weak wording (legal notice), footer first
    assert paths[7] == "terms-v2" and found[7].source == "anchor-path"
    assert "privacy" not in paths and "datenschutz" not in paths


def test_common_paths_last_and_deduplicated():
    found = urls('<a href="/terms#top">Terms</a>')
    assert found[0] == "https://shop.example.org/terms" and found.count("https://shop.example.org/terms") == 1
    assert common_paths("http://e.org:8080/a?b")[0] == "http://e.org:8080/terms"


def test_bad_inputs():
    assert urls("")[0] == "https://shop.example.org/terms"
    assert urls('<script type="application/ld+json">{not json</script><a href="javascript:void(0)">Terms</a>')[0] == "https://shop.example.org/terms"
