"""Discovery routes for benchmarks/terms.py: local sites on 127.0.0.1, each read by ``civilcrawl tos --json``.

Every site's terms text is a held-out corpus text (cycled), so a route counts as found when the terms page
read is the one planted and its verdict is the text's label. robots.txt is checked against every request the
server saw.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html import escape

from crawler.cli.localsite import LocalServer, Reply, Site
from crawler.decide.robotstxt import parse as parse_robots

ALLOW = "User-agent: *\nAllow: /\n"
#: (route, language, terms path, how the home page points at it, robots.txt)
ROUTES = [
    ("footer link, other language", "en", "/legal/nb", "footer-de", ALLOW),
    ("footer link", "fr", "/legal/cgu", "footer", ALLOW),
    ("footer link", "es", "/legal/tyc", "footer", ALLOW),
    ("footer link", "it", "/legal/tec", "footer", ALLOW),
    ("footer link", "pt", "/legal/tdu", "footer", ALLOW),
    ('rel="terms-of-service"', "de", "/x/rules", "rel", ALLOW),
    ("HTTP Link header", "en", "/policy/use", "header", ALLOW),
    ("JSON-LD @graph, relative URL", "fr", "legal/conditions.html", "jsonld", ALLOW),
    ("common path only", "en", "/terms-of-use", "none", ALLOW),
    ("common path only", "fr", "/mentions-legales", "none", ALLOW),
    ("common path only", "de", "/nutzungsbedingungen", "none", ALLOW),
    ("common path only", "es", "/aviso-legal", "none", ALLOW),
    ("common path only", "it", "/note-legali", "none", ALLOW),
    ("common path only", "pt", "/termos-de-uso", "none", ALLOW),
    ("common path, robots.txt disallows it", "de", "/agb", "none", "User-agent: *\nDisallow: /agb\n"),
    ("Latin-1 page (charset in header)", "fr", "/cgu-latin1", "footer", ALLOW),
    ("Latin-1 page (charset in meta only)", "es", "/terminos-latin1", "footer", ALLOW),
]
ANCHORS = {"en": "Terms of use", "fr": "Conditions générales d'utilisation", "de": "Nutzungsbedingungen",
           "es": "Términos y condiciones", "it": "Termini e condizioni", "pt": "Termos de uso"}


def _terms_page(doc: dict, route: str) -> Reply:
    body = "".join(f"<p>{escape(line)}</p>" for line in doc["text"].strip().splitlines())
    if "Latin-1" in route:
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">' if "meta" in route else ""
        html = f'<html lang="{doc["lang"]}"><head>{meta}</head><body>{body}</body></html>'
        ctype = "text/html" if meta else "text/html; charset=ISO-8859-1"
        return Reply(body=html.encode("iso-8859-1", "replace"), content_type=ctype)
    return Reply(body=f'<html lang="{doc["lang"]}"><body>{body}</body></html>')


def _site(lang: str, path: str, how: str, robots: str, terms: Reply) -> Site:
    head, foot, headers = "", "", {}
    absolute = path if path.startswith("/") else "/" + path
    if how == "footer":
        foot = f'<footer><a href="{path}">{escape(ANCHORS[lang])}</a></footer>'
    elif how == "footer-de":
        foot = f'<footer><a href="{path}">{escape(ANCHORS["de"])}</a></footer>'
    elif how == "rel":
        head = f'<link rel="terms-of-service" href="{path}">'
    elif how == "header":
        headers = {"Link": f'<{path}>; rel="terms-of-service"'}
    elif how == "jsonld":
        head = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": '
                f'"Organization", "name": "x"}}, {{"@type": "WebSite", "termsOfService": "{path}"}}]}}</script>')
    home = Reply(body=f'<html lang="{lang}"><head>{head}</head><body><p>home</p><a href="/a">a</a>{foot}</body></html>',
                 headers=headers)
    return Site({"/robots.txt": Reply(body=robots, content_type="text/plain"), "/": home, absolute: terms})


def report_routes() -> None:
    from terms import load

    docs = [d for d in load("heldout")]
    sites, expected = {}, {}
    for i, (route, lang, path, how, robots) in enumerate(ROUTES):
        want = ("forbidden", "conditional", "none")[i % 3]  # every label on every kind of route
        fits = [d for d in docs if d["lang"] == lang and ("Latin-1" not in route or d.get("latin1"))]
        doc = next((d for d in fits if d["label"] == want), fits[0])
        docs.remove(doc)
        host = f"route{i}.test"
        sites[host] = _site(lang, path, how, robots, _terms_page(doc, route))
        blocked = "disallows" in route
        expected[host] = (route, lang, None if blocked else ("/" if not path.startswith("/") else "") + path,
                          "unknown" if blocked else doc["label"], robots)
    rows, violations = [], 0
    with LocalServer(sites) as server:
        for host, (route, lang, path, label, robots) in expected.items():
            p = subprocess.run([sys.executable, "-m", "crawler", "tos", server.url(host), "--json", "--contact",
                                "mailto:bench@example.org", "--allow-network", "127.0.0.1/32", "--resolve",
                                f"{host}=127.0.0.1", "--delay", "0"], capture_output=True, text=True, timeout=120)
            out = json.loads(p.stdout) if p.returncode == 0 else {"verdict": f"error: {p.stderr[-200:]}", "terms_url": None}
            found = out["terms_url"].split(str(server.port), 1)[1] if out.get("terms_url") else None
            group = parse_robots(robots).group("civilcrawl")  # the crawler's own reading of robots.txt
            bad = [h.path for h in server.hits_for(host) if h.path != "/robots.txt"
                   and not group.decide(server.url(host, h.path))[0]]
            violations += len(bad)
            rows.append((route, lang, found == path, out["verdict"] == label, out["verdict"], label,
                         len(server.hits_for(host)), bad))
    print("discovery routes (civilcrawl tos, as a crawl reads terms): page found / verdict right")
    for route, lang, found, _right, verdict, label, hits, bad in rows:
        print(f"  {route:<38} {lang}  found {'yes' if found else 'NO ':<4} verdict {verdict:<11} (label {label:<11}) "
              f"requests {hits}" + (f"  ROBOTS VIOLATED {bad}" if bad else ""))
    common = [r for r in rows if r[0] == "common path only"]
    print(f"terms found when only at a common path: {sum(r[2] for r in common)} of {len(common)}")
    print(f"routes with the page found and the verdict right: {sum(r[2] and r[3] for r in rows)} of {len(rows)}")
    print(f"robots.txt violations while reading terms: {violations}")
