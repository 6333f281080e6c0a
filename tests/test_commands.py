"""check, tos, --terms discover and the Scrapy add-on, against local sites."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import CONTACT
from tests.test_crawl import pages


def cli(server, *args: str, hosts=()) -> subprocess.CompletedProcess:
    resolve = [a for h in hosts for a in ("--resolve", f"{h}=127.0.0.1")]
    return subprocess.run([sys.executable, "-m", "crawler", *args, "--contact", CONTACT, "--allow-network",
                           "127.0.0.1/32", *resolve], capture_output=True, text=True, timeout=120)


def test_check_explains_robots_rule_delay_and_signals(server):
    p = cli(server, "check", server.url("fineterms.test", "/private/x"), "--delay", "0.1", hosts=("fineterms.test",))
    assert p.returncode == 0, p.stderr
    assert "REFUSED (robots: Disallow: /private/" in p.stdout and "line 3" in p.stdout
    assert "0.2 s between requests, from Crawl-delay 0.2" in p.stdout
    before = len(pages(server.hits_for("csig.test")))
    p = cli(server, "check", server.url("csig.test"), "--purpose", "ai-train", "--json", hosts=("csig.test",))
    info = json.loads(p.stdout)
    assert info["decision"] == "refuse" and info["reason"] == "ai-optout"
    assert info["signals"][0]["effect"] == "refuses" and "robots.txt line" in info["signals"][0]["source"]
    assert len(pages(server.hits_for("csig.test"))) == before, "check never fetches the page itself"


def test_check_names_the_policy_file(server, tmp_path):
    (tmp_path / "p.yaml").write_text("site: fineterms.test\ncrawl:\n  deny: ['/a']\n  min_delay: 3\n")
    p = cli(server, "check", server.url("fineterms.test", "/a"), "--policies", str(tmp_path), hosts=("fineterms.test",))
    assert "REFUSED (policy: rule '/a'" in p.stdout and "p.yaml:3" in p.stdout
    assert "3 s between requests, from policy" in p.stdout


def test_tos_command_and_draft(server, tmp_path):
    p = cli(server, "tos", server.url("terms.test"), "--write", str(tmp_path), "--delay", "0", hosts=("terms.test",))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("verdict: forbidden") and "automated means" in p.stdout
    drafts = list(tmp_path.glob("*.yaml"))
    assert len(drafts) == 1 and "forbidden" in drafts[0].read_text()
    p = subprocess.run([sys.executable, "-m", "crawler", "policy", "validate", str(drafts[0])],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr


def test_crawl_with_terms_discovery(crawl, server):
    r = crawl("terms.test", "fineterms.test", args=("--terms", "discover", "--delay", "0"))
    assert r.returncode == 0, r.stderr
    assert r.final(server.url("terms.test", "/legal/terms"))["reason"] == "terms"
    assert [x["reason"] for x in r.decisions(server.url("terms.test", "/")) if x["url"] == server.url("terms.test")] \
        == ["terms", "tos"], "home read once for the terms, then the site is refused"
    assert not any(i["url"].startswith(server.url("terms.test", "")) for i in r.items)
    fine = [h.path for h in pages(server.hits_for("fineterms.test"))]
    assert fine.count("/") == 1, "the page read for discovery is reused, not fetched twice"
    assert server.url("fineterms.test", "/a") in {i["url"] for i in r.items}


ADDON_SPIDER = textwrap.dedent('''
    import sys
    from scrapy import Spider
    from scrapy.crawler import CrawlerProcess

    class Mine(Spider):
        name = "mine"
        custom_settings = {"USER_AGENT": "SneakyBot/1.0", "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0}

        async def start(self):
            for path in ("/", "/private/x", "/a"):
                yield self.make(path)

        def make(self, path):
            from scrapy import Request
            return Request(sys.argv[1] + path, callback=self.parse)

        def parse(self, response):
            yield {"url": response.url}

    process = CrawlerProcess({"ADDONS": {"crawler.addon.CivilAddon": 0}, "CIVIL_CONTACT": sys.argv[2],
                              "CIVIL_RESOLVE": {"fineterms.test": "127.0.0.1"},
                              "CIVIL_ALLOW_NETWORKS": ["127.0.0.1/32"], "CIVIL_AUDIT": sys.argv[3],
                              "CIVIL_DELAY": 0, "LOG_LEVEL": "WARNING"})  # no floor of ours: Crawl-delay must hold
    crawler = process.create_crawler(Mine)
    process.crawl(crawler)
    process.start()
    ext = {type(e).__name__ for e in crawler.extensions.middlewares}
    print("telnet" if "TelnetConsole" in ext else "", "remote" if "RemoteControl" in ext else "")
''')


def test_addon_makes_any_spider_civil(server, tmp_path):
    script = tmp_path / "mine.py"
    script.write_text(ADDON_SPIDER)
    audit = tmp_path / "audit.jsonl"
    before = len(server.hits_for("fineterms.test"))
    p = subprocess.run([sys.executable, str(script), server.url("fineterms.test", "").rstrip("/"), CONTACT, str(audit)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    hits = server.hits_for("fineterms.test")[before:]
    assert "/private/x" not in {h.path for h in hits}, "robots.txt obeyed in a user's own spider"
    assert all(h.user_agent.startswith("civilcrawl/") and CONTACT in h.user_agent for h in hits), "identity enforced"
    assert min(server.gaps(hits)) >= 0.2, "Crawl-delay held despite DOWNLOAD_DELAY=0"
    records = [json.loads(x) for x in audit.read_text().splitlines()]
    assert any(r["reason"] == "robots" for r in records)
    assert p.stdout.strip() == "", "telnet console and remote control are off"
