"""The floors in a user's own Scrapy project (tests/scrapyproject: startproject layout, the add-on, hostile
settings, browser User-Agents rotated at 960 and 999), run with ``scrapy crawl``, ``shell`` and ``fetch``.

Each floor is asserted where it matters: at the server (what was requested, with which User-Agent) and on
disk (no file anywhere holds a served face, by SHA-256, by a slice of its bytes, or by its decoded pixels).
"""

from __future__ import annotations

import itertools
import json
import signal
import time

import pytest

from crawler.cli.localsite import LocalServer
from tests.project_support import HOST, base, copy_project, face_traces, scrapy, site, stored_pictures


@pytest.fixture(scope="module")
def server():
    with LocalServer({HOST: site()}) as s:
        yield s


@pytest.fixture
def folder(tmp_path):
    copy_project(tmp_path)
    return tmp_path


def paths(server: LocalServer, since: int) -> list[str]:
    return [h.path for h in server.hits[since:] if h.host == HOST]


def assert_identity(server: LocalServer, since: int) -> None:
    hits = [h for h in server.hits[since:] if h.host == HOST]
    assert hits, "the server saw nothing"
    wrong = {(h.path, h.user_agent) for h in hits if not h.user_agent.startswith("civilcrawl/")
             or "floors@example.org" not in h.user_agent}
    assert not wrong, f"requests left without civilcrawl's identity: {sorted(wrong)[:5]}"


def test_faces_served_as_anything_are_never_stored(server, folder):
    """ImagesPipeline, FilesPipeline and a callback writing bodies: faces refused by their bytes, controls kept."""
    since = len(server.hits)
    r = scrapy(folder, "crawl", "gallery", "-a", f"base={base(server)}", "-a", f"raw_store={folder / 'raw'}",
               settings={"IMAGES_STORE": str(folder / "images"), "FILES_STORE": str(folder / "files")})
    assert r.code == 0, r.err[-3000:]
    seen = paths(server, since)
    for p in ("/img/face-jpeg-octet", "/img/face-webp-html", "/file/face-jpeg-octet", "/file/face-png-html",
              "/raw/face-jpeg-html", "/raw/face-png-octet", "/img/ok-png-octet", "/file/ok-jpeg-octet"):
        assert p in seen, f"{p} was never asked for: the test proves nothing"
    assert_identity(server, since)
    assert face_traces(folder) == []
    kept = stored_pictures(folder / "images") + stored_pictures(folder / "files") + stored_pictures(folder / "raw")
    assert len(kept) == 3, f"the three pictures without people are stored: {kept}"
    refused = {x["url"].split(HOST, 1)[1].split("/", 1)[1]: x["reason"] for x in r.audit() if x["decision"] == "refused"}
    for name in ("img/face-jpeg-octet", "img/face-webp-html", "file/face-jpeg-octet", "file/face-png-html",
                 "raw/face-jpeg-html", "raw/face-png-octet"):
        assert refused.get(name) == "personal-image", (name, refused)


def test_directives_identity_and_detours_in_a_crawlspider(server, folder):
    """noindex: no item; nofollow: nothing it links to; a URL or proxy changed after the gate is not sent; browser
    UAs lose."""
    since = len(server.hits)
    r = scrapy(folder, "crawl", "pages", "-a", f"base={base(server)}", "-O", str(folder / "items.jsonl"),
               settings={"DETOUR_ENABLED": "True", "PROXY_DETOUR": "http://10.255.255.1:3128"})
    assert r.code == 0, r.err[-3000:]
    seen = paths(server, since)
    assert "/dir/noindex" in seen and "/dir/via-noindex" in seen, "noindex pages are read and their links followed"
    assert "/dir/only-via-nofollow" not in seen, "a link only a nofollow page has is not requested"
    assert not [p for p in seen if p.startswith("/private/")], "robots.txt held, also for a URL rewritten at 970"
    assert_identity(server, since)
    items = {json.loads(x)["url"].split(HOST, 1)[1].split(":", 1)[-1].lstrip("0123456789")
             for x in (folder / "items.jsonl").read_text().splitlines()}
    assert items == {"/dir/", "/dir/nofollow", "/dir/plain", "/dir/via-noindex"}, items
    finals = {x["url"].rsplit("/", 2)[-2] + "/" + x["url"].rsplit("/", 1)[-1]: (x["decision"], x["reason"])
              for x in r.audit()}
    assert finals["dir/only-via-nofollow"] == ("skipped", "nofollow")
    assert finals["detour/secret"] == ("refused", "gate-bypassed")
    assert finals["via-proxy/page"] == ("refused", "private-network"), "a proxy set after the gate is guarded too"
    assert finals["dir/noindex"] == ("fetched", "noindex")
    # the user is told what was overridden, in settings' names
    for name in ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                 "CONCURRENT_REQUESTS_PER_DOMAIN", "HTTPCACHE_ENABLED"):
        assert f"civilcrawl: {name}=" in r.err, name
    start = [line for line in r.err.splitlines() if "civilcrawl: audit log" in line]
    assert len(start) == 1 and str(folder / "audit.jsonl") in start[0] and "CIVIL_DELAY" in start[0], start
    assert "--delay" not in r.err
    # stats: plain string keys, JSON-serialisable while the crawl runs, counted as decisions are taken
    dump = json.loads((folder / "stats.json").read_text())
    final = dump["final"]
    assert final["civil/refused/robots"] >= 1 and final["civil/skipped/nofollow"] == 1
    assert final["civil/fetched"] == sum(v for k, v in final.items() if k.startswith("civil/fetched/"))
    assert max(dump["during"]) > 0, "civil/* stats move during the crawl, not only at the end"


def test_jobdir_pause_and_resume_fetches_every_page(server, folder):
    """SIGINT after a few pages, then resume: every page fetched, the waiting ones by the resumed run."""
    wanted = {"/many/"} | {f"/many/{i}" for i in range(1, 21)}
    since = len(server.hits)
    args = ("crawl", "many", "-a", f"base={base(server)}", "-s", f"JOBDIR={folder / 'job'}")
    slow = {"CIVIL_DELAY": "0.15", "CIVIL_TERMS": "policy"}  # paced to stop part-way; no terms pages guessed at
    p = scrapy(folder, *args, settings=slow, popen={"stderr": open(folder / "first.log", "w")})
    deadline = time.monotonic() + 60
    while len([x for x in paths(server, since) if x.startswith("/many/")]) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    assert p.wait(timeout=60) == 0
    first = [x for x in paths(server, since) if x.startswith("/many/")]
    assert 5 <= len(first) < len(wanted), "stopped part-way"
    middle = len(server.hits)
    r = scrapy(folder, *args, settings=slow)
    assert r.code == 0, r.err[-3000:]
    second = [x for x in paths(server, middle) if x.startswith("/many/")]
    assert set(first) | set(second) == wanted, sorted(wanted - set(first) - set(second))
    assert not set(first) & set(second), "nothing fetched twice"


def test_shell_and_fetch_go_through_the_gate(server, folder):
    since = len(server.hits)
    r = scrapy(folder, "shell", "-c", "(response.status, request.headers.get('User-Agent'))",
               f"{base(server)}/dir/plain")
    assert r.code == 0, r.err[-3000:]
    assert "200" in r.out and "civilcrawl/" in r.out, r.out
    r = scrapy(folder, "fetch", f"{base(server)}/dir/plain", settings={"CIVIL_AUDIT": ""})
    assert r.code == 0 and "<title>plain</title>" in r.out, r.err[-3000:]
    assert "WARNING: civilcrawl: no audit log is written: set CIVIL_AUDIT" in r.err
    r = scrapy(folder, "fetch", "--nolog", f"{base(server)}/raw/face-jpeg-html")
    assert r.out == "", "a face photo is not printed either"
    r = scrapy(folder, "fetch", "--nolog", f"{base(server)}/private/x")
    assert r.out == ""
    seen = paths(server, since)
    assert "/dir/plain" in seen and "/private/x" not in seen
    assert_identity(server, since)
    assert face_traces(folder) == []


@pytest.mark.parametrize("step", ["response", "request", "again", "copy"])
def test_a_middleware_after_the_gate_that_breaks_a_request_neither_hangs_its_host_nor_loses_its_record(
        server, folder, step):
    """Breaks (at 990) raises in process_response or process_request for /many/3, or hands a copy of it back in
    place of its answer or failure: the crawl ends, the host's other pages go at its pace, /many/3 has one record."""
    since, delay = len(server.hits), 0.15
    began = time.monotonic()
    r = scrapy(folder, "crawl", "many", "-a", f"base={base(server)}", timeout=60,
               settings={"FAIL_ON": "/many/3", "FAIL_IN": step, "CIVIL_DELAY": str(delay), "CIVIL_TERMS": "policy"})
    took = time.monotonic() - began
    assert r.code == 0, r.err[-3000:]
    assert took < 30, f"{took:.1f} s: the host was left busy"
    hits = [h for h in server.hits[since:] if h.host == HOST]
    wanted = {"/many/"} | {f"/many/{i}" for i in range(1, 21)} - ({"/many/3"} if step == "request" else set())
    assert wanted <= {h.path for h in hits}, sorted(wanted - {h.path for h in hits})
    gaps = [b.t - a.t for a, b in itertools.pairwise(hits)]
    assert min(gaps) >= delay - 0.02, f"the host's pace was not kept: {min(gaps):.3f} s"
    records: dict[str, list[dict]] = {}
    for x in r.audit():
        records.setdefault(x["url"].split(HOST, 1)[1].split("/", 1)[1], []).append(x)
    assert {k: len(v) for k, v in records.items() if len(v) != 1} == {}, "one record a URL"
    broken = records["many/3"][0]
    if step in ("response", "request"):
        assert (broken["decision"], broken["reason"]) == ("fetched", "error"), broken
        assert "RuntimeError: broken below the gate" in broken["detail"], broken
    else:  # the copy is decided when it passes the gate
        assert (broken["decision"], broken["status"]) == ("fetched", 200), broken
    assert all(x["decision"] == "fetched" and x["reason"] in ("ok", "rate") for k, x in
               ((k, v[0]) for k, v in records.items()) if k.startswith("many/") and k != "many/3")
