"""``civilcrawl verify``: the site owner's check, from a real nginx's own access log of a real civilcrawl crawl."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from crawler.audit.accesslog import parse_combined, parse_json
from crawler.audit.logcheck import verify
from crawler.decide.robots import PARSED, RobotsRecord
from tests.conftest import CONTACT

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
ROBOTS = "User-agent: *\nCrawl-delay: 0.5\nDisallow: /private/\n"
UA = "civilcrawl/0.1 (+mailto:tests@example.org)"

CONF = """\
worker_processes 1;
{user}
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  types {{ text/html html; text/plain txt; }}
  client_body_temp_path {d}/tmp/body; proxy_temp_path {d}/tmp/proxy; fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi; scgi_temp_path {d}/tmp/scgi;
  log_format jsonlog escape=json '{{"msec":"$msec","request":"$request","status":"$status",'
                                 '"http_user_agent":"$http_user_agent","sent_http_retry_after":"$sent_http_retry_after"}}';
  access_log {d}/access.log combined;
  access_log {d}/access.json jsonlog;
  server {{
    listen 127.0.0.1:{port};
    server_name site.test;
    root {d}/site;
    location = /busy {{ add_header Retry-After 1 always; return 429; }}
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(tmp_path):
    """Our own nginx on 127.0.0.1: its own config, access logs, pid and temp paths."""
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed: .ci/run installs Debian's nginx package")
        pytest.skip("nginx is not installed (apt-get install nginx); CI installs it")
    d = tmp_path / "nginx"
    (d / "tmp").mkdir(parents=True)
    site = d / "site"
    (site / "private").mkdir(parents=True)
    (site / "robots.txt").write_text(ROBOTS)
    (site / "index.html").write_text('<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/busy">busy</a> '
                                     '<a href="/private/secret.html">secret</a>')
    (site / "a.html").write_text('<a href="/b.html">b</a> <a href="/c.html">c</a>')
    (site / "b.html").write_text("b")
    (site / "c.html").write_text("c")
    (site / "private" / "secret.html").write_text("secret")
    port = _free_port()
    conf = d / "nginx.conf"
    conf.write_text(CONF.format(d=d, port=port, user="user root;" if os.geteuid() == 0 else ""))
    proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(conf), "-e", str(d / "error.log"), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"nginx did not start: {proc.stdout.read().decode()} {(d / 'error.log').read_text()}")
            time.sleep(0.05)
    try:
        yield d, port
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful: the access log is flushed and closed
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _verify(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler", "verify", *args], capture_output=True, text=True,
                          timeout=60)


def test_nginx_log_of_a_real_crawl_has_no_violations_and_a_forged_request_is_named(nginx, tmp_path):
    d, port = nginx
    crawl = subprocess.run([sys.executable, "-m", "crawler", "crawl", f"http://site.test:{port}/", "--contact",
                            CONTACT, "--resolve", "site.test=127.0.0.1", "--allow-network", "127.0.0.1/32",
                            "--audit", str(tmp_path / "audit.jsonl")], capture_output=True, text=True, timeout=120)
    assert crawl.returncode == 0, crawl.stderr
    log = (d / "access.log").read_text()
    paths = [line.split('"')[1].split()[1] for line in log.splitlines()]
    assert {"/robots.txt", "/", "/a.html", "/b.html", "/c.html", "/busy"} <= set(paths), paths
    assert paths.count("/busy") >= 2 and "/private/secret.html" not in paths  # retried after its 429
    # the report counts what the server saw: every attempt, retries of the 429 included
    report = tmp_path / "report.html"
    assert subprocess.run([sys.executable, "-m", "crawler", "report", str(tmp_path / "audit.jsonl"), "-o",
                           str(report)], capture_output=True, timeout=60).returncode == 0
    shown = re.search(r'data-count="host:site.test:requests"[^>]*>(\d+)<', report.read_text()).group(1)
    assert int(shown) == len(paths), (shown, paths)
    # the command the report tells the site owner to run, on nginx's own log: nothing broken
    page = report.read_text()
    command = re.search(r'<pre class="cmd" data-verify="site.test">([^<]+)</pre>', page).group(1).split()
    assert command[:2] == ["civilcrawl", "verify"] and "--robots" in command
    command[2] = str(d / "access.log")
    command[command.index("--robots") + 1] = str(d / "site" / "robots.txt")
    owner = _verify(*command[2:])
    assert owner.returncode == 0 and "0 violations" in owner.stdout, owner.stdout
    robots = d / "site" / "robots.txt"
    r = _verify(str(d / "access.log"), "--robots", str(robots))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 violations" in r.stdout and "timestamps: to 1 s" in r.stdout
    assert "Disallow: OK" in r.stdout and "Crawl-delay: OK" in r.stdout and "Back-off after 429/503: OK" in r.stdout
    assert "a pause of 1 s is assumed" in r.stdout  # the combined format has no Retry-After
    # the JSON log of the same crawl: millisecond times and the Retry-After nginx sent
    rj = _verify(str(d / "access.json"), "--robots", str(robots), "--format", "json", "--json")
    result = json.loads(rj.stdout)
    assert rj.returncode == 0 and result["violations"] == 0 and result["resolution"] == 0.001, rj.stdout
    assert "assumed" not in json.dumps(result["rules"])
    # a forged request for a disallowed path, with civilcrawl's User-Agent, added to the log
    last = log.splitlines()[-1]
    forged_line = last.split('"')[0] + f'"GET /private/secret.html HTTP/1.1" 200 6 "-" "{UA}"'
    forged = tmp_path / "forged.log"
    forged.write_text(log + forged_line + "\n")
    r = _verify(str(forged), "--robots", str(robots))
    assert r.returncode == 1, r.stdout
    assert "Disallow: BROKEN" in r.stdout and "/private/secret.html: Disallow: /private/ (robots.txt line 3" in r.stdout
    assert f"line {len(log.splitlines()) + 1}: {forged_line}" in r.stdout
    # the same robots.txt read by URL, through the network guard and with our identity
    ru = _verify(str(forged), "--robots", f"http://127.0.0.1:{port}/robots.txt", "--contact", CONTACT,
                 "--allow-network", "127.0.0.1/32")
    assert ru.returncode == 1 and "/private/secret.html" in ru.stdout, ru.stdout + ru.stderr
    assert UA.split("/")[0] in (d / "access.log").read_text().splitlines()[-1]
    blocked = _verify(str(forged), "--robots", f"http://127.0.0.1:{port}/robots.txt", "--contact", CONTACT)
    assert blocked.returncode == 2 and "private-network" in blocked.stderr and "Traceback" not in blocked.stderr


def _combined(n: int, second: int, path: str = "/", status: int = 200, ua: str = UA) -> str:
    return f'127.0.0.1 - - [06/Dec/2026:09:00:{second:02d} +0000] "GET {path} HTTP/1.1" {status} 5 "-" "{ua}"'


def _record(body: str) -> RobotsRecord:
    return RobotsRecord("http://x", PARSED, time.time(), 200, "", body)


def _rules(lines: list[str], robots: str, parse=parse_combined, **kw) -> dict:
    result = verify([parse(i + 1, t) for i, t in enumerate(lines)], _record(robots), "civilcrawl", **kw)
    return {r["rule"]: r for r in result["rules"]}


def test_gaps_are_judged_only_as_far_as_the_resolution_allows():
    robots = "User-agent: *\nCrawl-delay: 0.5\n"
    two = _rules([_combined(1, 0), _combined(2, 0)], robots)["Crawl-delay"]
    assert two["verdict"] == "ok"  # two in one second may be 0.5 s apart
    three = _rules([_combined(1, 0), _combined(2, 0), _combined(3, 0), _combined(4, 5)], robots)["Crawl-delay"]
    assert three["verdict"] == "broken" and [ln["line"] for ln in three["offences"][0]["lines"]] == [1, 2, 3]
    other = _rules([_combined(1, 0), _combined(2, 0, ua="Mozilla/5.0 notcivilcrawler"),
                    _combined(3, 0, ua="Mozilla/5.0 notcivilcrawler")], robots)["Crawl-delay"]
    assert other["verdict"] == "ok"  # other User-Agents are not ours
    slow = "User-agent: *\nCrawl-delay: 3\n"
    assert _rules([_combined(1, 0), _combined(2, 2)], slow)["Crawl-delay"]["verdict"] == "broken"  # < 3 s for sure
    assert _rules([_combined(1, 0), _combined(2, 3)], slow)["Crawl-delay"]["verdict"] == "ok"  # maybe 3.9 s
    rate = "User-agent: *\nRequest-rate: 1/5s\n"
    assert _rules([_combined(1, 0), _combined(2, 3)], rate)["Request-rate"]["verdict"] == "broken"
    assert _rules([_combined(1, 0), _combined(2, 4)], rate)["Request-rate"]["verdict"] == "broken"  # < 5 s
    assert _rules([_combined(1, 0), _combined(2, 5)], rate)["Request-rate"]["verdict"] == "ok"
    ms = [json.dumps({"msec": f"1700000000.{m:03d}", "request": "GET / HTTP/1.1", "status": 200,
                      "http_user_agent": UA}) for m in (0, 400)]
    assert _rules(ms, robots, parse_json)["Crawl-delay"]["verdict"] == "broken"  # 0.4 s, known to 1 ms


def test_backoff_uses_the_logged_retry_after_or_says_what_it_assumes():
    def entry(n, msec, status, ra=""):
        return json.dumps({"msec": msec, "request": "GET / HTTP/1.1", "status": status, "http_user_agent": UA,
                           "sent_http_retry_after": ra})
    robots = "User-agent: *\nAllow: /\n"
    early = _rules([entry(1, "100.000", 429, "5"), entry(2, "103.000", 200)], robots, parse_json)
    assert early["Back-off after 429/503"]["verdict"] == "broken" and "Retry-After 5" in str(early)
    late = _rules([entry(1, "100.000", 503, "2"), entry(2, "102.500", 200)], robots, parse_json)
    assert late["Back-off after 429/503"]["verdict"] == "ok"
    assumed = _rules([_combined(1, 0, status=429), _combined(2, 1)], robots, assumed_backoff=5)
    rule = assumed["Back-off after 429/503"]
    assert rule["verdict"] == "broken" and "assumed pause 5 s" in str(rule["offences"])


def test_usage_errors(tmp_path):
    log = tmp_path / "access.log"
    log.write_text('{"not": "combined"}\n')
    robots = tmp_path / "robots.txt"
    robots.write_text(ROBOTS)
    r = _verify(str(log), "--robots", str(robots))
    assert r.returncode == 2 and f"{log}:1: not in combined format" in r.stderr and "--format json" in r.stderr
    r = _verify(str(tmp_path / "nope.log"), "--robots", str(robots))
    assert r.returncode == 2 and "no such access log" in r.stderr
    r = _verify(str(log), "--robots", "http://127.0.0.1:9/robots.txt")
    assert r.returncode == 2 and "needs --contact" in r.stderr
    r = _verify(str(log), "--robots", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "cannot read it" in r.stderr


def test_requests_while_robots_txt_is_unreachable():
    robots = "User-agent: *\nAllow: /\n"
    day = 24 * 3600

    def at(n, t, path, status=200):
        return json.dumps({"msec": f"{t:.3f}", "request": f"GET {path} HTTP/1.1", "status": status,
                           "http_user_agent": UA})
    t0 = 1_700_000_000.0
    fine = _rules([at(1, t0, "/robots.txt"), at(2, t0 + 5, "/"), at(3, t0 + day, "/robots.txt", 503),
                   at(4, t0 + day + 60, "/a")], robots, parse_json)["robots.txt unavailable"]
    assert fine["verdict"] == "ok"  # the copy read a day earlier stands in
    unsure = _rules([at(1, t0, "/robots.txt", 503), at(2, t0 + 60, "/")], robots, parse_json)["robots.txt unavailable"]
    assert unsure["verdict"] == "not judged" and [x["line"] for x in unsure["offences"][0]["lines"]] == [1, 2]
    late = _rules([at(1, t0, "/robots.txt"), at(2, t0 + 31 * day, "/robots.txt", 500), at(3, t0 + 31 * day + 60, "/")],
                  robots, parse_json)["robots.txt unavailable"]
    assert late["verdict"] == "broken" and "RFC 9309" in late["offences"][0]["why"]
    again = _rules([at(1, t0, "/robots.txt", 503), at(2, t0 + 120, "/robots.txt"), at(3, t0 + 130, "/")],
                   robots, parse_json)["robots.txt unavailable"]
    assert again["verdict"] == "ok"  # read again before the next request
