"""Cluster mode: N worker processes on one Redis share the crawl and never beat one worker's politeness.

Measured at the server (tests/sites -> crawler.cli.localsite), like the single-worker tests. Needs a Redis
(REDIS_URL, default redis://127.0.0.1:6379/0, else a redis-server of the tests' own on a free port) and
redis-server for the outage test; skipped without them except in CI.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from scrapy.settings import Settings

from crawler.cli.localsite import LocalServer, Reply, Site, html
from crawler.net.redisclient import sync_client
from crawler.net.rediskeys import Keys, keys_for
from tests.cluster import Cluster, OwnRedis, drop_cluster, redis_cluster_or_skip, redis_or_skip
from tests.conftest import CONTACT

pytestmark = pytest.mark.timeout(150)


def site(n: int, delay: float) -> Site:
    """An index linking n pages, each linking the next: robots.txt asks for ``delay``."""
    routes = {"/robots.txt": Reply(body=f"User-agent: *\nCrawl-delay: {delay}\n", content_type="text/plain"),
              "/": Reply(body=html("index", "", [f"/p{i}" for i in range(n)]))}
    for i in range(n):
        routes[f"/p{i}"] = Reply(body=html(f"page {i}", "", [f"/p{(i + 1) % n}", "/", "http://elsewhere.test/"]))
    return Site(routes)


@pytest.fixture
def redis_url():
    return redis_or_skip()


@pytest.fixture
def one_host():
    with LocalServer({"one.test": site(8, 1.0), "half.test": site(12, 0.5)}) as srv:
        yield srv


def page_hits(srv: LocalServer, host: str) -> list[str]:
    return [h.path for h in srv.hits_for(host) if not h.path.startswith("/.well-known/")]


def check_crawl(cluster: Cluster, srv: LocalServer, host: str, n: int, delay: float) -> None:
    paths = page_hits(srv, host)
    assert Counter(paths) == Counter(["/robots.txt", "/"] + [f"/p{i}" for i in range(n)]), \
        "every page once, robots.txt once for the whole cluster"
    assert [h.path for h in srv.hits_for(host)].count("/.well-known/tdmrep.json") == 1, "tdmrep.json once for all"
    hits = [h for h in srv.hits_for(host)]
    gaps = srv.gaps(hits)
    assert min(gaps) >= delay, f"server-side gaps {sorted(gaps)[:3]} beat Crawl-delay {delay}"
    items = cluster.records("pages")
    assert sorted(i["url"] for i in items) == sorted(srv.url(host, p) for p in paths if p != "/robots.txt")
    per_url = Counter(r["url"] for r in cluster.records("audit"))
    assert max(per_url.values()) == 1, [u for u, c in per_url.items() if c > 1]
    assert per_url["http://elsewhere.test/"] == 1, "an off-site link seen by every worker is decided once"


@pytest.mark.parametrize("workers,host,n,delay", [(2, "one.test", 8, 1.0), (4, "half.test", 12, 0.5)])
def test_workers_share_one_hosts_gap(workers, host, n, delay, redis_url, one_host, tmp_path):
    run_workers_on_one_host(workers, host, n, delay, redis_url, one_host, tmp_path)


def test_workers_share_one_hosts_gap_on_a_redis_cluster(one_host, tmp_path):
    run_workers_on_one_host(3, "half.test", 12, 0.5, redis_cluster_or_skip(), one_host, tmp_path)


def run_workers_on_one_host(workers, host, n, delay, redis_url, one_host, tmp_path):
    cluster = Cluster(tmp_path, redis_url, [one_host.url(host)], ["--resolve", f"{host}=127.0.0.1", "--delay",
                                                                    str(delay)]).start(workers)
    try:
        assert cluster.wait() == [0] * workers, cluster.logs()[-3000:]
        check_crawl(cluster, one_host, host, n, delay)
        busy = sum(1 for p in tmp_path.glob("audit.*.jsonl") if p.read_text().strip())
        assert busy >= 2, "the workers shared the work"
    finally:
        drop_cluster(redis_url, cluster.name)


def test_killed_worker_requests_are_reclaimed(any_redis, tmp_path):
    redis_url = any_redis
    with LocalServer({"kill.test": site(20, 0.5)}) as srv:
        cluster = Cluster(tmp_path, redis_url, [srv.url("kill.test")],
                          ["--resolve", "kill.test=127.0.0.1", "--delay", "0.5"]).start(3)
        try:
            deadline = time.monotonic() + 40
            while len(page_hits(srv, "kill.test")) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            r = sync_client(redis_url)
            host = socket.gethostname()
            parts = keys_for(Settings({"CIVIL_REDIS_URL": redis_url})).partitions
            victim = None
            while victim is None and time.monotonic() < deadline:
                # a worker holding requests, between two requests (so none is on the wire)
                if time.monotonic() - srv.hits[-1].t >= 0.15:
                    victim = next((i for i, p in enumerate(cluster.procs) if any(
                        r.hlen(Keys(cluster.name, f"{host}-{p.pid}", parts).leases_of(k)) for k in range(parts))), None)
                time.sleep(0.01)
            assert victim is not None
            cluster.kill(victim)
            assert [c for i, c in enumerate(cluster.wait()) if i != victim] == [0, 0], cluster.logs()[-3000:]
            check_crawl(cluster, srv, "kill.test", 20, 0.5)
            assert re.search(r"stopped answering: [1-9]\d* of its requests are back", cluster.logs())
        finally:
            drop_cluster(redis_url, cluster.name)


def test_redis_outage_sends_nothing_then_completes(tmp_path):
    own = OwnRedis(tmp_path)
    own.start()
    try:
        with LocalServer({"out.test": site(16, 0.3)}) as srv:
            cluster = Cluster(tmp_path, own.url, [srv.url("out.test")],
                              ["--resolve", "out.test=127.0.0.1", "--delay", "0.3"]).start(2)
            deadline = time.monotonic() + 40
            while len(page_hits(srv, "out.test")) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            own.stop()
            stopped = time.monotonic()
            time.sleep(3)
            # a turn granted before Redis stopped may start up to one gap (+ the cluster's margin) later: it was the
            # gate's answer; nothing may start later than that
            granted = stopped + 0.3 + 0.04 + 0.05
            during = [h for h in srv.hits_for("out.test") if h.t > granted]
            restarted = time.monotonic()
            own.start()
            assert cluster.wait() == [0, 0], cluster.logs()[-3000:]
            assert not during, f"requests sent while Redis was down: {[h.path for h in during]}"
            check_crawl(cluster, srv, "out.test", 16, 0.3)
            assert "unreachable" in cluster.logs() and "answers again" in cluster.logs()
            assert all(h.t < granted or h.t > restarted for h in srv.hits_for("out.test"))
    finally:
        own.kill()


def test_a_sites_policy_budget_is_the_clusters(any_redis, tmp_path):
    """A policy's crawl.max_pages binds the cluster as a whole, not each worker (a counter per site in Redis)."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "cap.yaml").write_text("site: sitecap.test\ncrawl:\n  max_pages: 7\n", "utf-8")
    with LocalServer({"sitecap.test": site(30, 0.0)}) as srv:
        cluster = Cluster(tmp_path, any_redis, [srv.url("sitecap.test")],
                          ["--resolve", "sitecap.test=127.0.0.1", "--delay", "0.05",
                           "--policies", str(tmp_path / "policies")]).start(3)
        try:
            assert cluster.wait() == [0, 0, 0], cluster.logs()[-3000:]
            assert len([p for p in page_hits(srv, "sitecap.test") if p != "/robots.txt"]) == 7
            assert len(cluster.records("pages")) == 7
            assert any("site budget of 7 pages" in r["detail"] for r in cluster.records("audit"))
        finally:
            drop_cluster(any_redis, cluster.name)


def test_budget_is_exact_for_the_cluster(any_redis, tmp_path):
    redis_url = any_redis
    with LocalServer({"budget.test": site(30, 0.0)}) as srv:
        cluster = Cluster(tmp_path, redis_url, [srv.url("budget.test")],
                          ["--resolve", "budget.test=127.0.0.1", "--delay", "0", "--max-pages", "7",
                           "--sign-audit", "--state", str(tmp_path / "state")]).start(2)
        try:
            assert cluster.wait() == [0, 0], cluster.logs()[-3000:]
            assert len([p for p in page_hits(srv, "budget.test") if p != "/robots.txt"]) == 7
            assert len(cluster.records("pages")) == 7
            # the workers' signed audit files, merged: every worker's chain verifies in the one log
            # a worker that got no request under load writes no record, so it has no chain to verify
            workers = sorted(str(p) for p in tmp_path.glob("audit.*.jsonl") if p.stat().st_size)
            assert workers
            merged = tmp_path / "merged.jsonl"
            assert subprocess.run([sys.executable, "-m", "crawler", "audit-merge", str(merged), *workers],
                                  capture_output=True, timeout=60).returncode == 0
            jwks = tmp_path / "jwks.json"
            jwks.write_text(subprocess.run([sys.executable, "-m", "crawler", "keys", "--jwks", "--state",
                                            str(tmp_path / "state")], capture_output=True, text=True).stdout)
            v = subprocess.run([sys.executable, "-m", "crawler", "audit", "verify", "--jwks", str(jwks), str(merged)],
                               capture_output=True, text=True, timeout=60)
            assert v.returncode == 0 and f"in {len(workers)} chain(s)" in v.stdout \
                and f"{len(workers)} valid signature(s)" in v.stdout, v.stdout
            lines = merged.read_text().splitlines(keepends=True)
            merged.write_text("".join(lines[:3] + lines[4:]))  # one line taken out of the merged log
            v = subprocess.run([sys.executable, "-m", "crawler", "audit", "verify", str(merged)],
                               capture_output=True, text=True, timeout=60)
            assert v.returncode == 1 and "NOT intact" in v.stdout, v.stdout
        finally:
            drop_cluster(redis_url, cluster.name)


def test_unreachable_redis_fails_closed(tmp_path):
    with LocalServer({"closed.test": site(3, 0.0)}) as srv:
        own = OwnRedis(tmp_path)  # a free port with nothing listening
        cluster = Cluster(tmp_path, own.url, [srv.url("closed.test")], ["--resolve", "closed.test=127.0.0.1"]).start(1)
        # wait for the worker to have tried Redis (start-up is slow on a loaded machine), then a while longer
        deadline = time.monotonic() + 60
        while "unreachable" not in cluster.logs() and time.monotonic() < deadline:
            assert cluster.procs[0].poll() is None, "the worker waits for Redis: " + cluster.logs()
            time.sleep(0.2)
        assert cluster.wait(timeout=3) == [None], "the worker waits for Redis"
        assert srv.hits == []
        assert "unreachable" in cluster.logs() and "no request is sent" in cluster.logs()


def test_audit_merge_keeps_every_record(tmp_path):
    a, b = tmp_path / "audit.w1.jsonl", tmp_path / "audit.w2.jsonl"
    a.write_text('{"ts":"2026-01-01T00:00:00.001Z","url":"u1"}\n{"ts":"2026-01-01T00:00:00.003Z","url":"u3"}\n{"ts":')
    b.write_text('{"ts":"2026-01-01T00:00:00.002Z","url":"u2"}\n')
    out = tmp_path / "audit.jsonl"
    p = subprocess.run([sys.executable, "-m", "crawler", "audit-merge", str(out), str(a), str(b)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert [line.split('"url":"')[1][:2] for line in out.read_text().splitlines()] == ["u1", "u2", "u3"]
    assert "records 3" in p.stdout


def test_cluster_needs_redis_url(tmp_path):
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", "http://example.org/", "--contact", CONTACT,
                        "--cluster", "x"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--cluster needs --redis" in p.stderr


def test_job_file_redis_key_makes_a_cluster_worker(tmp_path):
    """``redis: {url, cluster}`` in a job file reaches the crawl as CIVIL_REDIS_URL / CIVIL_CLUSTER."""
    import argparse

    from crawler.cli.run import job_settings, job_spider
    from crawler.jobs.config import load_job
    from crawler.jobs.resume import ResumePlan
    from crawler.jobs.spider import JobSpider
    from crawler.queue.journal import Journal

    path = tmp_path / "job.yaml"
    path.write_text("seeds: https://example.org/\ncontact: mailto:a@example.org\nstate: state\n"
                    "redis: {url: 'redis://127.0.0.1:6379/3', cluster: nightly-1}\n", "utf-8")
    args = argparse.Namespace(verbose=0, progress="off", log_format="text")
    job = load_job(path)
    settings = job_settings(job, tmp_path / "audit.jsonl", None, args)
    assert (settings["CIVIL_REDIS_URL"], settings["CIVIL_CLUSTER"]) == ("redis://127.0.0.1:6379/3", "nightly-1")
    journal = Journal(tmp_path / "state")
    assert job_spider(job, journal, ResumePlan()) == (None, {"seeds": job.seeds}), \
        "a cluster worker's URLs are in Redis: the plain spider, not the one that keeps the SQLite journal"
    job.redis_url = None
    assert job_spider(job, journal, ResumePlan())[0] is JobSpider
    journal.close()
    path.write_text("seeds: https://example.org/\ncontact: mailto:a@example.org\nstate: state\n"
                    "redis: redis://127.0.0.1:6379/0\n", "utf-8")
    settings = job_settings(load_job(path), tmp_path / "audit.jsonl", None, args)
    assert (settings["CIVIL_REDIS_URL"], settings["CIVIL_CLUSTER"]) == ("redis://127.0.0.1:6379/0", "civilcrawl")


def test_a_worker_split_another_way_stops_before_sending(redis_url, tmp_path):
    """Every worker of a crawl must spread its hosts over the same partitions (their keys differ otherwise): one
    that does not is stopped with a message that says what to set, before any request, leaving no marks."""
    with LocalServer({"split.test": site(3, 0.0)}) as srv:
        cluster = Cluster(tmp_path, redis_url, [srv.url("split.test")], ["--resolve", "split.test=127.0.0.1"])
        r = sync_client(redis_url)
        r.hset(Keys(cluster.name, "w", 4).meta, "partitions", 4)
        try:
            assert cluster.start(1).wait() == [1]
            logs = cluster.logs()
            assert "was started with 4 partitions, this worker has 1: set CIVIL_CLUSTER_PARTITIONS = 4" in logs
            assert "Traceback" not in logs and srv.hits == []
            assert [k.decode() for k in r.scan_iter(f"civil:{cluster.name}:*")] == [Keys(cluster.name, "w").meta]
        finally:
            drop_cluster(redis_url, cluster.name)
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", "http://example.org/", "--contact", CONTACT,
                        "--redis", redis_url, "--cluster", "two words"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--cluster: 'two words' is not a cluster name" in p.stderr, p.stderr
