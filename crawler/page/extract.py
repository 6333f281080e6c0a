"""Page parsing: one lxml parse per page, then title, visible text and absolute links."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

from lxml import etree

from crawler.net.urls import absolute_link

_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head")


@lru_cache(maxsize=32)
def _parser(encoding: str | None) -> etree.HTMLParser:
    return etree.HTMLParser(encoding=encoding, recover=True, no_network=True, remove_comments=True,
                            remove_pis=True, huge_tree=False)


def parse_html(body: bytes, encoding: str | None = None) -> etree._Element | None:
    """Parse an HTML body once; None when nothing parseable is there."""
    if not body.strip():
        return None
    try:
        return etree.fromstring(body, _parser(encoding))
    except (etree.ParserError, ValueError, LookupError):
        try:
            return etree.fromstring(body, _parser(None))
        except (etree.ParserError, ValueError):
            return None


def title_of(root: etree._Element) -> str:
    title = root.findtext(".//title")
    return " ".join(title.split()) if title else ""


def text_of(root: etree._Element) -> str:
    """Visible text: scripts, styles and the head dropped, white space folded. Mutates ``root``."""
    body = root.find("body")
    target = body if body is not None else root
    etree.strip_elements(target, *_INVISIBLE, with_tail=False)
    return " ".join(" ".join(target.itertext()).split())


def base_of(root: etree._Element, page_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when the page has one."""
    base_el = root.find(".//base[@href]")
    return (absolute_link(page_url, base_el.get("href", "")) or page_url) if base_el is not None else page_url


def links_of(root: etree._Element, page_url: str) -> list[tuple[str, bool]]:
    """Absolute http(s) links of ``<a>`` and ``<area>``, with a flag for ``rel=nofollow``; in page order."""
    base = base_of(root, page_url)
    out: list[tuple[str, bool]] = []
    for el in root.iter("a", "area"):
        href = el.get("href")
        if href and (url := absolute_link(base, href)):
            out.append((url, "nofollow" in (el.get("rel") or "").lower().split()))
    return out


_CONTEXT_ATTRS = ("alt", "class", "id", "title", "aria-label")


def _largest(srcset: str) -> str | None:
    """The candidate of a ``srcset`` with the largest width (or density) descriptor."""
    best, best_size = None, -1.0
    for part in srcset.split(","):
        bits = part.split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1 and bits[1][-1:] in ("w", "x"):
            try:
                size = float(bits[1][:-1])
            except ValueError:
                pass
        if size > best_size:
            best, best_size = bits[0], size
    return best


def images_of(root: etree._Element, page_url: str) -> list[tuple[str, dict[str, str]]]:
    """One URL per ``<img>`` (its largest ``srcset``/``<picture><source>`` candidate, else ``src``), with the
    attributes that may say "a person" (alt, class, id, title), in page order, without duplicates."""
    base = base_of(root, page_url)
    out: dict[str, dict[str, str]] = {}
    for img in root.iter("img"):
        candidates = []
        parent = img.getparent()
        # libxml2's HTML 4 model nests <img> inside <source>, so look a few levels up for the <picture>
        picture = next((a for a in islice(img.iterancestors(), 3) if a.tag == "picture"), None)
        if picture is not None:
            candidates += [s.get("srcset", "") for s in picture.iter("source")]
        candidates.append(img.get("srcset", ""))
        href = next((c for c in (_largest(x) for x in candidates if x) if c), None) or img.get("src")
        if href and (url := absolute_link(base, href)) and url not in out:
            attrs = {k: v for k in _CONTEXT_ATTRS if (v := img.get(k))}
            if parent is not None:
                attrs["parent-class"] = parent.get("class", "")
            out[url] = attrs
    return list(out.items())
