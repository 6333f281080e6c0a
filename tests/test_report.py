"""``civilcrawl report``: the numbers on the page are the audit log's, and the page renders in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from crawler.cli.localsite import LocalServer, Reply, Site, html

BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CIVIL_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium); the browser check runs in CI")
    return path


class Counts(HTMLParser):
    """Collect ``data-count`` name -> the number shown inside the element."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self._open: str | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-count" in a:
            self._open = a["data-count"]
        for key in ("src", "href"):
            if a.get(key) and re.match(r"^(https?:)?//", a[key] or ""):
                self.external.append(a[key])
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.counts[self._open] = int(data)
            self._open = None


def counts_of(page: str) -> Counts:
    parser = Counts()
    parser.feed(page)
    return parser


def record(url, decision, reason, started=None, gap=None, status=None, detail=""):
    host = url.split("/")[2]
    rec = {"ts": "2026-11-26T10:00:00.000Z", "url": url, "host": host, "decision": decision, "reason": reason,
           "detail": detail}
    if started is not None:
        rec.update(started=f"2026-11-26T10:00:{started:06.3f}Z", wait=0.0, gap=gap, status=status or 200)
    return rec


def synthetic_audit() -> list[dict]:
    recs = [record("http://a.test/robots.txt", "fetched", "robots-txt", 0.0, 1.0, 200)]
    for i, t in enumerate((1.02, 2.04, 3.06, 3.56, 4.6)):  # 3.56: a gap of 0.5 s where 1 s was allowed
        recs.append(record(f"http://a.test/{i}", "fetched", "ok", t, 1.0))
    recs += [record(f"http://a.test/private/{i}", "refused", "robots") for i in range(3)]
    recs += [record("http://a.test/me.jpg", "refused", "personal-image"),
             record("http://a.test/me2.jpg", "refused", "personal-image"),
             record("http://a.test/exif.jpg", "refused", "image-metadata"),
             record("http://a.test/t", "refused", "tos"), record("http://a.test/t2", "refused", "policy"),
             record("http://a.test/t3", "refused", "ai-optout"),
             record("http://elsewhere.test/", "skipped", "offsite"),
             record("http://b.test/robots.txt", "fetched", "robots-txt", 0.5, 0.3, 503),
             record("http://b.test/", "refused", "robots-unavailable"),
             record("http://127.0.0.1/", "refused", "private-network")]
    return recs


def expected(recs: list[dict]) -> dict[str, int]:
    """The numbers the page must show, counted here independently of the report code."""
    out: dict[str, int] = {"records": len(recs), "hosts": len({r["host"] for r in recs})}
    for d in ("fetched", "refused", "skipped"):
        out[d] = sum(r["decision"] == d for r in recs)
    for r in recs:
        if r["decision"] != "fetched":
            out[f"{r['decision']}:{r['reason']}"] = out.get(f"{r['decision']}:{r['reason']}", 0) + 1
        out[f"host:{r['host']}:{r['decision']}"] = out.get(f"host:{r['host']}:{r['decision']}", 0) + 1
        if "started" in r:
            out[f"host:{r['host']}:requests"] = out.get(f"host:{r['host']}:requests", 0) + 1
    for reason in ("personal-image", "image-metadata"):
        out[f"images:{reason}"] = sum(r["reason"] == reason for r in recs)
    return out


def test_report_numbers_match_the_audit_log(tmp_path):
    recs = synthetic_audit()
    audit = tmp_path / "audit.jsonl"
    audit.write_text("".join(json.dumps(r) + "\n" for r in recs) + '{"torn', "utf-8")
    out = tmp_path / "report.html"
    p = subprocess.run([sys.executable, "-m", "crawler", "report", str(audit), "-o", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    page = out.read_text("utf-8")
    parsed = counts_of(page)
    want = expected(recs)
    assert {k: parsed.counts.get(k) for k in want} == want
    assert parsed.counts["gaps-too-short"] == 1 and parsed.counts["host:a.test:too-short"] == 1
    assert parsed.counts["bad-lines"] == 1, "a torn last line is reported, not fatal"
    assert "Hash chain: none. This log has no hash chain" in page  # hand-written, not chained

    assert "HTTP 503: unavailable, nothing crawled (fail closed)" in page
    assert "HTTP 200: rules parsed and obeyed" in page
    assert "policy files: 1 refused; terms of service: 1 refused; opt-out signals: 1 refused" in page
    assert not parsed.external, f"self-contained: no external assets ({parsed.external})"
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_report_of_a_missing_file_is_a_usage_error(tmp_path):
    p = subprocess.run([sys.executable, "-m", "crawler", "report", str(tmp_path / "nope.jsonl")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "no such audit log" in p.stderr


def test_report_of_a_real_crawl_renders_in_chromium(tmp_path):
    browser = chromium()
    routes = {"/robots.txt": Reply(body="User-agent: *\nCrawl-delay: 0.2\nDisallow: /private/\n",
                                   content_type="text/plain"),
              "/": Reply(body=html("home", "x", ["/a", "/b", "/private/x", "http://other.test/"])),
              "/a": Reply(body=html("a")), "/b": Reply(body=html("b", "", ["/c"])), "/c": Reply(body=html("c"))}
    with LocalServer({"site.test": Site(routes)}) as srv:
        audit = tmp_path / "audit.jsonl"
        p = subprocess.run([sys.executable, "-m", "crawler", "crawl", srv.url("site.test"), "--contact",
                            "mailto:t@example.org", "--audit", str(audit), "--resolve", "site.test=127.0.0.1",
                            "--allow-network", "127.0.0.1/32", "--delay", "0"], capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == 0, p.stderr
    out = tmp_path / "report.html"
    assert subprocess.run([sys.executable, "-m", "crawler", "report", str(audit), "-o", str(out)],
                          timeout=60).returncode == 0
    recs = [json.loads(x) for x in audit.read_text("utf-8").splitlines()]
    flags = [*BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = counts_of(dom.stdout).counts
    want = expected(recs)
    assert {k: rendered.get(k) for k in want} == want, "the browser shows the audit log's numbers"
    assert rendered["gaps-too-short"] == 0, "Crawl-delay 0.2 held"
    assert "<svg" in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, "--window-size=1200,1600", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=90)
    from PIL import Image

    with Image.open(shot) as img:
        shades = sum(1 for n in img.convert("L").histogram() if n)
    assert shades > 20, "the page drew text and charts, not a blank screen"


MEASURE = """<!doctype html><meta charset=utf-8><body><iframe id=r src="{src}" style="width:1280px;height:800px">
</iframe><script>
document.getElementById('r').onload = function () {{
  var doc = this.contentDocument, host = doc.getElementById('host-{host}');
  var rows = host.querySelectorAll('.story tr').length - 1;
  document.body.setAttribute('data-measured', JSON.stringify({{height: host.getBoundingClientRect().height,
    rows: rows, story: host.querySelector('.story').getBoundingClientRect().height}}));
}};
</script>"""


def test_a_site_owner_sees_one_hosts_story_in_one_screen(tmp_path):
    """The per-host view: the exact User-Agent, every decision with its rule, the verify command; hosts never
    contacted folded into one line; refusals and skips apart. Measured in headless Chromium."""
    browser = chromium()
    routes = {"/robots.txt": Reply(body="User-agent: *\nCrawl-delay: 0.1\nDisallow: /private/\n",
                                   content_type="text/plain"),
              "/": Reply(body=html("home", "x", ["/a", "/b", "/private/x", "/private/y"]
                                   + [f"http://other{i}.test/" for i in range(30)])),
              "/a": Reply(body=html("a", "", ["/c", "/d"])), "/b": Reply(body=html("b")),
              "/c": Reply(body=html("c")), "/d": Reply(body=html("d"))}
    with LocalServer({"site.test": Site(routes)}) as srv:
        audit = tmp_path / "audit.jsonl"
        p = subprocess.run([sys.executable, "-m", "crawler", "crawl", srv.url("site.test"), "--contact",
                            "mailto:t@example.org", "--audit", str(audit), "--resolve", "site.test=127.0.0.1",
                            "--allow-network", "127.0.0.1/32", "--delay", "0", "--max-pages", "4",
                            "--terms", "policy"],  # the story of robots.txt, pace and budget, without terms reads
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        sent_ua = {h.user_agent for h in srv.hits_for("site.test")}
    out = tmp_path / "report.html"
    assert subprocess.run([sys.executable, "-m", "crawler", "report", str(audit), "-o", str(out)],
                          timeout=60).returncode == 0
    page = out.read_text("utf-8")
    recs = [json.loads(x) for x in audit.read_text("utf-8").splitlines()]
    site = [r for r in recs if r["host"] == "site.test"]
    assert "Hash chain: intact (" in page and "not signed" in page  # what `audit verify` says, on the page
    lines = audit.read_text("utf-8").splitlines(keepends=True)
    edited = tmp_path / "edited.jsonl"
    edited.write_text("".join(lines[:2] + [lines[2].replace('"fetched"', '"refused"', 1)] + lines[3:]), "utf-8")
    subprocess.run([sys.executable, "-m", "crawler", "report", str(edited), "-o", str(tmp_path / "edited.html")],
                   capture_output=True, timeout=60)
    assert "Hash chain: NOT intact: line 4:" in (tmp_path / "edited.html").read_text("utf-8")
    # the exact User-Agent the server saw, and the command to check the server's own log
    assert len(sent_ua) == 1 and f'data-ua="{sent_ua.pop()}"' in page
    assert ('civilcrawl verify /var/log/nginx/access.log --robots /path/to/site.test/robots.txt --token civilcrawl'
            in page)
    # every decision about the host, with the rule that applied
    story = page.split('id="host-site.test"', 1)[1].split("</section>", 1)[0]
    for r in site:
        assert r["url"] in story
    assert story.count("<tr") - 1 == len(site)
    assert "Disallow: /private/ (" in story and "robots.txt line 3" in story
    # the 30 off-site hosts are one folded line, not 30 rows
    counts = counts_of(page).counts
    assert counts["hosts-not-contacted"] == 30 and page.count('<tr><td><a href="#host-') == 1
    # refusals and skips apart, each described
    refused = page.split("<h3>Refused</h3>", 1)[1].split("<h3>Skipped</h3>", 1)[0]
    skipped = page.split("<h3>Skipped</h3>", 1)[1].split("</table>", 1)[0]
    assert "robots.txt disallows the URL" in refused and "offsite" not in refused
    assert "outside the crawl&#x27;s scope" in skipped and "page budget (--max-pages)" in skipped
    # in a real browser: the host's whole story fits one 1280x800 screen (the decision list scrolls inside it)
    wrapper = tmp_path / "measure.html"
    wrapper.write_text(MEASURE.format(src=out.as_uri(), host="site.test"))
    flags = [*BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
             "--virtual-time-budget=5000"]
    dom = subprocess.run([browser, *flags, "--dump-dom", wrapper.as_uri()], capture_output=True, text=True,
                         timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    measured = re.search(r"data-measured=\"([^\"]+)\"", dom.stdout)
    assert measured, dom.stdout[-2000:]
    m = json.loads(measured.group(1).replace("&quot;", '"'))
    print(f"\n[report] host story measured in chromium: {m}")
    assert m["rows"] == len(site) and 300 < m["height"] <= 800, m
