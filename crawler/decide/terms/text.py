"""Readable text of a terms page: one block per line, list items marked, plus the page's language."""

from __future__ import annotations

import re

import lxml.html

_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "h1", "h2", "h3", "h4", "h5",
           "h6", "ul", "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "br", "hr", "td", "th"}
_DROP = ("script", "style", "noscript", "template", "svg", "nav")


def html_to_text(html: str) -> tuple[str, str | None]:
    """(text, language) of an HTML page; the language from ``<html lang>``/meta, lower-cased primary tag."""
    if not html or not html.strip():
        return "", None
    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return html, None
    for el in list(doc.iter(*_DROP)):
        el.drop_tree()
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "li":
            el.text = "\n- " + (el.text or "")
        elif el.tag in _BLOCKS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
    text = doc.text_content()
    text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    declared = (m.get("content") for m in doc.iter("meta") if m.get("http-equiv") == "content-language")
    lang = (doc.get("lang") or next((c for c in declared if c is not None), None) or "").strip()
    return re.sub(r"\n{3,}", "\n\n", text).strip(), (lang.split("-")[0].lower() or None)
