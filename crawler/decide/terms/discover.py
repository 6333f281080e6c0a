"""Find a site's terms-of-service page from one fetched page: a caller fetches, this module only reads.

Priority: ``Link: <…>; rel="terms-of-service"`` header and ``<link/a rel="terms-of-service">``
(RFC 6903), schema.org ``termsOfService`` (JSON-LD, microdata), a ``tdm-policy`` header/meta
(TDMRep), anchor text in en/fr/de/es/it/pt/nl/pl (footer links first, strongest wording first),
links whose path looks like a terms path, then common paths on the site itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

#: Anchor texts, strongest first (weight 3 = terms proper, 2 = close, 1 = legal notice / imprint).
ANCHOR_TEXTS: tuple[tuple[int, str], ...] = (
    (3, r"terms\s+(of\s+)?(service|use)|terms\s*(&|and)\s*conditions|conditions\s+of\s+use|user\s+agreement|\btos\b"),
    (3, r"conditions\s+g[ée]n[ée]rales(\s+d['’]utilisation|\s+de\s+vente)?|\bcgu\b|\bcgv\b|conditions\s+d['’]utilisation"),
    (3, r"nutzungsbedingungen|allgemeine\s+gesch[äa]ftsbedingungen|\bagb\b"),
    (3, r"t[ée]rminos\s+(y\s+condiciones|de\s+(uso|servicio))|condiciones\s+(de\s+uso|generales)"),
    (3, r"termini\s+(e\s+condizioni|d['’]uso|di\s+(uso|servizio))|condizioni\s+(d['’]uso|generali|di\s+utilizzo)"),
    (3, r"termos\s+(de\s+(uso|servi[çc]o)|e\s+condi[çc][õo]es)|condi[çc][õo]es\s+(de\s+uso|gerais)"),
    (3, r"algemene\s+voorwaarden|gebruiksvoorwaarden|regulamin|пользовательское\s+соглашение|利用規約|服务条款|用户协议|이용약관"),
    (2, r"^\s*(terms|legal\s+terms|conditions|bedingungen|t[ée]rminos|termini|termos)\s*$"),
    (1, r"^\s*legal\s*$|mentions\s+l[ée]gales|impressum|aviso\s+legal|note\s+legali|aviso\s+jur[íi]dico"),
)
_ANCHOR_RX = tuple((w, re.compile(rx, re.I)) for w, rx in ANCHOR_TEXTS)
_PATH_RX = re.compile(r"/(terms|tos|legal|cgu|cgv|agb|nutzungsbedingungen|terminos|termini|termos|user-agreement|eula|conditions)([-_/.]|$)", re.I)
_NOT_TERMS = re.compile(r"privacy|cookie|datenschutz|confidentialit|privacidad|riservatezza|privacidade", re.I)

#: Paths guessed last, per language of the home page (English ones follow the site's own).
COMMON_PATHS: dict[str, tuple[str, ...]] = {
    "en": ("/terms", "/terms-of-service", "/terms-of-use", "/terms-and-conditions", "/tos", "/legal", "/legal/terms",
           "/user-agreement", "/eula"),
    "fr": ("/cgu", "/conditions-generales-d-utilisation", "/conditions-generales", "/mentions-legales", "/conditions"),
    "de": ("/agb", "/nutzungsbedingungen", "/impressum", "/rechtliches"),
    "es": ("/terminos", "/terminos-y-condiciones", "/condiciones-de-uso", "/aviso-legal"),
    "it": ("/termini", "/termini-e-condizioni", "/condizioni-d-uso", "/note-legali", "/condizioni"),
    "pt": ("/termos", "/termos-de-uso", "/termos-e-condicoes", "/aviso-legal"),
}


@dataclass(frozen=True)
class Candidate:
    """A URL that may be the terms page, why we think so (``source``) and the text that said it."""

    url: str
    source: str  # link-header | link-rel | schema.org | tdm-policy | anchor | anchor-path | common-path
    text: str = ""


def discover(html: str, url: str, headers: Mapping[Any, Any] | None = None) -> list[Candidate]:
    """Candidate terms URLs for the page at ``url``, best first, without duplicates."""
    found: list[Candidate] = []
    found += [Candidate(u, "link-header") for u in link_header_urls(headers, url)]
    doc = _parse(html)
    if doc is not None:
        base = _base(doc, url)
        found += [Candidate(urljoin(base, h), "link-rel") for h in doc.xpath(
            "//*[self::link or self::a][contains(concat(' ', normalize-space(translate(@rel, 'TERMSOFVIC', 'termsofvic')), ' '), ' terms-of-service ')]/@href")]
        found += [Candidate(urljoin(base, u), "schema.org") for u in _schema_org(doc)]
        found += [Candidate(urljoin(base, u), "tdm-policy") for u in doc.xpath("//meta[@name='tdm-policy']/@content")]
        found += _anchors(doc, base)
    found += [Candidate(urljoin(url, u), "tdm-policy") for u in _header_values(headers, "tdm-policy")]
    found.sort(key=lambda c: _ORDER[c.source])  # stable: keeps anchor ranking within a source
    lang = (doc.get("lang") or "").split("-")[0].lower() if doc is not None else None
    found += [Candidate(u, "common-path") for u in common_paths(url, lang)]
    seen: set[str] = set()
    out = []
    for c in found:
        key = c.url.split("#")[0]
        if urlsplit(key).scheme in ("http", "https") and key not in seen:
            seen.add(key)
            out.append(Candidate(key, c.source, c.text))
    return out


_ORDER = {"link-header": 0, "link-rel": 1, "schema.org": 2, "tdm-policy": 3, "anchor": 4, "anchor-path": 5, "common-path": 6}


def common_paths(url: str, lang: str | None = None) -> list[str]:
    """The common terms paths on the site of ``url``: those of its language ``lang`` first, then English ones."""
    parts = urlsplit(url)
    paths = (COMMON_PATHS[lang] if lang in COMMON_PATHS and lang != "en" else ()) + COMMON_PATHS["en"]
    return [urlunsplit((parts.scheme, parts.netloc, p, "", "")) for p in paths]


def link_header_urls(headers: Mapping[Any, Any] | None, url: str) -> list[str]:
    """Targets of ``Link`` header entries with ``rel="terms-of-service"``."""
    out = []
    for value in _header_values(headers, "link"):
        for target, params in re.findall(r"<([^>]*)>\s*((?:;\s*[^,;]+)*)", value):
            rel = re.search(r"""rel\s*=\s*"?([^";]+)"?""", params, re.I)
            if rel and "terms-of-service" in rel.group(1).lower().split():
                out.append(urljoin(url, target.strip()))
    return out


def _header_values(headers: Mapping[Any, Any] | None, name: str) -> list[str]:
    """Values of a header from a dict (str or bytes keys, str/bytes/list values) or Scrapy ``Headers``."""
    if not headers:
        return []
    out: list[str] = []
    for key, value in headers.items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if k.lower() != name:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        out += [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values]
    return out


def _parse(html: str) -> Any:
    try:
        return lxml.html.document_fromstring(html) if html and html.strip() else None
    except (ValueError, lxml.etree.ParserError):
        return None


def _base(doc: Any, url: str) -> str:
    href = doc.xpath("//base/@href")
    return urljoin(url, href[0]) if href else url


def _schema_org(doc: Any) -> Iterator[str]:
    for script in doc.xpath("//script[contains(translate(@type, 'JSONLD', 'jsonld'), 'ld+json')]/text()"):
        try:  # some sites wrap the JSON in an HTML comment or CDATA
            yield from _find_key(json.loads(re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", script)), "termsOfService")
        except ValueError:
            continue
    for el in doc.xpath("//*[@itemprop='termsOfService']"):
        value = el.get("href") or el.get("content") or el.get("src") or (el.text or "").strip()
        if value:
            yield value


def _find_key(data: Any, key: str) -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key or k.endswith(f"/{key}") or k.endswith(f":{key}"):
                for item in v if isinstance(v, list) else [v]:
                    if isinstance(item, str):
                        yield item
                    elif isinstance(item, dict) and isinstance(item.get("url") or item.get("@id"), str):
                        yield item.get("url") or item["@id"]
            else:
                yield from _find_key(v, key)
    elif isinstance(data, list):
        for item in data:
            yield from _find_key(item, key)


def _anchors(doc: Any, base: str) -> list[Candidate]:
    ranked: list[tuple[int, int, int, Candidate]] = []
    for i, a in enumerate(doc.xpath("//a[@href]")):
        text = " ".join(a.text_content().split()) or a.get("title", "") or a.get("aria-label", "")
        href = a.get("href", "")
        if href.startswith(("javascript:", "mailto:", "tel:")) or _NOT_TERMS.search(text):
            continue
        in_footer = bool(a.xpath("ancestor::footer or ancestor::*[contains(@class, 'footer') or contains(@id, 'footer')]"))
        weight = next((w for w, rx in _ANCHOR_RX if rx.search(text)), 0)
        if weight:
            ranked.append((-weight, -in_footer, i, Candidate(urljoin(base, href), "anchor", text)))
        elif _PATH_RX.search(urlsplit(href).path) and not _NOT_TERMS.search(href):
            ranked.append((0, -in_footer, i, Candidate(urljoin(base, href), "anchor-path", text)))
    return [c for *_, c in sorted(ranked, key=lambda r: r[:3])]
