"""``crawl --max-time`` and ``crawl -s NAME=VALUE`` (any Scrapy setting, except those that would lower a floor)."""

from __future__ import annotations

import pytest

from crawler.cli.scrapy_settings import parse_settings
from tests.cli_support import civil_crawl, start_server


@pytest.fixture(scope="module")
def site():
    server = start_server()
    yield server
    server.stop()


def test_max_time_stops_the_crawl(site, tmp_path):
    r = civil_crawl(site, tmp_path, "--delay", "2", "--max-time", "1", "--terms", "policy")
    assert r.returncode == 0, r.stderr
    assert "crawl closespider_timeout" in r.stdout
    fetched = {x["url"] for x in r.audit if x["decision"] == "fetched"}
    assert site.url("civil.test", "/a") not in fetched  # its turn was seconds after the stop


def test_max_time_does_not_drain_the_waiting_requests(tmp_path):
    """Requests waiting for their host's turn when the time is up give up: before, the 60-odd requests Scrapy
    had handed the downloader were sent one by one at the host's pace (a 3 s limit took 38 s)."""
    import subprocess
    import sys

    from crawler.cli.localsite import LocalServer, Reply, Site, html

    pages = {"/robots.txt": Reply(200, "User-agent: *\nAllow: /\n", content_type="text/plain"),
             "/": Reply(200, html("home", "x", [f"/p{i}" for i in range(150)]), content_type="text/html")}
    pages |= {f"/p{i}": Reply(200, html(f"p{i}", "x"), content_type="text/html") for i in range(150)}
    with LocalServer({"many.test": Site(pages)}) as srv:
        p = subprocess.run([sys.executable, "-m", "crawler", "crawl", srv.url("many.test"), "--contact",
                            "mailto:a@b.org", "--resolve", "many.test=127.0.0.1", "--allow-network", "127.0.0.1/32",
                            "--terms", "policy", "--delay", "0.3", "--max-time", "1.5", "--progress", "off"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
        pages_fetched = [h for h in srv.hits if h.path.startswith("/p")]
    assert p.returncode == 0, p.stderr
    assert len(pages_fetched) < 20, f"{len(pages_fetched)} pages sent after a 1.5 s limit at 0.3 s apart"


def test_max_time_records_the_urls_it_left_unsent(tmp_path):
    """Every URL the crawl took in ends with a record: those still queued (or waiting for their turn) when --max-time
    stops a plain crawl are skipped/max-time, and were not sent."""
    import json
    import subprocess
    import sys

    from crawler.cli.localsite import LocalServer, Reply, Site, html

    pages = {"/robots.txt": Reply(200, "User-agent: *\nAllow: /\n", content_type="text/plain"),
             "/": Reply(200, html("home", "x", [f"/p{i}" for i in range(40)]), content_type="text/html")}
    pages |= {f"/p{i}": Reply(200, html(f"p{i}", "x"), content_type="text/html") for i in range(40)}
    with LocalServer({"left.test": Site(pages)}) as srv:
        audit = tmp_path / "audit.jsonl"
        p = subprocess.run([sys.executable, "-m", "crawler", "crawl", srv.url("left.test"), "--contact",
                            "mailto:a@b.org", "--resolve", "left.test=127.0.0.1", "--allow-network", "127.0.0.1/32",
                            "--terms", "policy", "--delay", "0.3", "--max-time", "1.5", "--progress", "off",
                            "--audit", str(audit)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        sent = {h.path for h in srv.hits}
    assert p.returncode == 0, p.stderr
    records = [json.loads(x) for x in audit.read_text().splitlines()]
    final: dict[str, list[dict]] = {}
    for rec in records:
        final.setdefault(rec["url"], []).append(rec)
    for i in range(40):
        assert len(final.get(srv.url("left.test", f"/p{i}"), [])) == 1, f"/p{i}: {final.get(srv.url('left.test', f'/p{i}'))}"
    left = [r for r in records if r["reason"] == "max-time"]
    assert len(left) > 20 and all(r["decision"] == "skipped" and "--max-time 1.5" in r["detail"] for r in left)
    assert not {r["url"].split(str(srv.port), 1)[1] for r in left} & sent, "a URL recorded as not sent was sent"


def test_a_scrapy_setting_is_applied(site, tmp_path):
    r = civil_crawl(site, tmp_path, "-s", "CLOSESPIDER_ITEMCOUNT=1", "-s", "LOG_LEVEL=INFO", "--max-depth", "1")
    assert r.returncode == 0, r.stderr
    assert "crawl closespider_itemcount" in r.stdout and "INFO" in r.stderr


REFUSALS = [
    ("ROBOTSTXT_OBEY=False", "robots.txt is always obeyed"),
    ("USER_AGENT=Mozilla/5.0", "use --user-agent TOKEN and --contact"),
    ("CIVIL_ALLOW_PRIVATE_NETWORKS=True", "civilcrawl's own settings are set by its options"),
    ("DOWNLOAD_DELAY=0", "use --delay"),
    ("HTTPCACHE_ENABLED=True", "before they are checked"),
    ("DOWNLOADER_MIDDLEWARES={\"crawler.gate.middleware.CivilGate\": null}", "the gate's place"),
    ("DOWNLOADER_MIDDLEWARES_BASE={}", "the gate's place"),
    ("DOWNLOAD_HANDLERS={}", "civilcrawl's wire"),
    ("TELNETCONSOLE_ENABLED=1", "always off"),
]


def test_settings_that_lower_a_floor_are_refused(site, tmp_path):
    r = civil_crawl(site, tmp_path, "-s", "ROBOTSTXT_OBEY=False")  # the command line, end to end: exit 2
    assert r.returncode == 2, r.stderr
    assert "-s ROBOTSTXT_OBEY: refused" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "audit.jsonl").exists()  # nothing was started
    for setting, why in REFUSALS:  # the rule behind it, for each floor
        with pytest.raises(ValueError) as err:
            parse_settings(["LOG_LEVEL=INFO", setting])
        assert f"-s {setting.split('=')[0]}: refused" in str(err.value) and why in str(err.value)


def test_badly_written_settings():
    for bad in ("NOEQUALS", "=1", "log_level=INFO", "A B=1"):
        with pytest.raises(ValueError, match="-s"):
            parse_settings([bad])
    assert parse_settings(["JOBDIR=crawls/1", "DEPTH_PRIORITY=1"]) == {"JOBDIR": "crawls/1", "DEPTH_PRIORITY": "1"}
