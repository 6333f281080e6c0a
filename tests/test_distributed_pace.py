"""The cluster's per-host gate and seen-set against a real Redis, and a local 3-node Redis Cluster (``any_redis``).

The Lua scripts pace by Python's back-off table; two workers' pacers hold one host's gap together; the claim of the
shared queue sees which hosts' turn has come and folds in another worker's pause; one URL has one first sight.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from itertools import pairwise

import pytest

from crawler.net.redisclient import sync_client
from crawler.net.rediskeys import Keys
from crawler.pace.cluster import ACQUIRE, KEY_TTL_MS, PAUSE, ClusterPoliteness, _steps_ms
from crawler.pace.local import MAX_BACKOFF, backed_off, backoff_steps
from crawler.queue.cluster.scripts import CLAIM_NEXT
from crawler.queue.cluster.seen import SharedSeen
from tests.cluster import drop_cluster

PARTITIONS = 4  # several partitions on one server too: the keys of one host must still meet in one slot


@pytest.fixture
def crawl(any_redis):
    name = f"test-pace-{uuid.uuid4().hex[:8]}"
    yield any_redis, name
    drop_cluster(any_redis, name)


def keys(name: str, worker: str = "w1") -> Keys:
    return Keys(name, worker, PARTITIONS)


@pytest.mark.parametrize("gap", [0.0, 0.1, 1.0, 1.5, 3.0, 100.0, 299.0, 400.0])
def test_backoff_steps_are_the_formula(gap):
    steps = backoff_steps(gap)
    assert steps[-1] == max(gap, MAX_BACKOFF)
    assert [backed_off(gap, e) for e in range(40)] == [steps[min(e, len(steps) - 1)] for e in range(40)]


@pytest.mark.parametrize("gap", [0.0, 0.25, 1.5, 100.0])
def test_script_waits_what_python_computes(crawl, gap):
    """For 0-12 consecutive errors the script starts the next turn exactly backed_off(gap, errors) after the last
    start: the table Python passes is the only formula."""
    url, name = crawl
    r, k = sync_client(url), keys(name)
    acquire = r.register_script(ACQUIRE)
    for errors in range(13):
        host = f"h{errors}.test"
        now_s, now_us = r.time()
        last = now_s * 1000 + now_us // 1000
        r.hset(k.host(host), mapping={"last": last, "errors": errors})
        granted, wait_ms, got_errors, _, _ = acquire(keys=[k.host(host), k.host_leases(host), k.host_ready(host)],
                                                     args=[0, 1, 60_000, "t", KEY_TTL_MS, host, *_steps_ms(gap)])
        expected = backed_off(gap, errors) * 1000
        assert got_errors == errors and granted == 1, "nothing out at the host: a turn, reserved ahead"
        assert expected - 50 <= wait_ms <= expected, (errors, wait_ms, expected)
        assert last + expected <= int(r.hget(k.host(host), "last")) <= last + expected + 50, \
            "later turns count from the reserved start"


def test_two_workers_hold_one_hosts_gap(crawl):
    """Two pacers (two workers) take turns at one host: every start is a gap after the previous answer."""
    url, name = crawl

    async def run() -> list[float]:
        workers = [ClusterPoliteness(url, keys(name, f"w{i}"), margin=0.0) for i in range(2)]
        starts: list[float] = []

        async def one(p: ClusterPoliteness) -> None:
            p.set_gap("gap.test", 0.15, "test")
            await p.acquire("gap.test")
            starts.append(time.monotonic())
            await asyncio.sleep(0.01)
            p.release("gap.test", ok=True)

        await asyncio.gather(*(one(workers[i % 2]) for i in range(6)))
        await asyncio.sleep(0.05)  # the last release lands
        for p in workers:
            await p.redis.aclose()
        return starts

    starts = asyncio.run(run())
    assert len(starts) == 6
    assert min(b - a for a, b in pairwise(sorted(starts))) >= 0.15 + 0.01 - 0.005


def test_claim_prefers_hosts_whose_turn_has_come_and_reports_pauses(crawl):
    """The claim reads the pace scripts' view of a host: a host with a turn out waits while one whose turn has
    come goes first, and a pause another worker set comes back with the claimed request."""
    url, name = crawl
    r, k = sync_client(url), keys(name)
    acquire, pause, claim = r.register_script(ACQUIRE), r.register_script(PAUSE), r.register_script(CLAIM_NEXT)
    busy, free = next((b, f) for b in (f"b{i}.test" for i in range(50)) for f in (f"f{i}.test" for i in range(50))
                      if k.part(b) == k.part(f))  # two hosts of one partition
    part = k.part(busy)
    granted, *_ = acquire(keys=[k.host(busy), k.host_leases(busy), k.host_ready(busy)],
                          args=[0, 1, 60_000, "t", KEY_TTL_MS, busy, *_steps_ms(1.0)])
    assert granted == 1
    r.zadd(k.queue(part), {f"0001 {busy}\nA": 0, f"0002 {free}\nB": 1})
    claim_keys = [k.queue(part), k.leases_of(part), k.in_flight(part), k.ready(part)]
    member, paused_ms, reason = claim(keys=claim_keys, args=["1", 64, 0, 2])
    assert member == f"0002 {free}\nB".encode() and paused_ms == 0, "the free host first"
    pause(keys=[k.host(busy), k.host_ready(busy)], args=[30_000, "HTTP 503, Retry-After 30", KEY_TTL_MS, busy])
    member, paused_ms, reason = claim(keys=claim_keys, args=["2", 64, 0, 2])
    assert member == f"0001 {busy}\nA".encode()
    assert 29_000 <= paused_ms <= 30_000 and reason == b"HTTP 503, Retry-After 30"
    assert int(r.get(k.in_flight(part))) == 2 and r.hlen(k.leases_of(part)) == 2


def test_one_first_sight_per_url(crawl):
    """Two workers' seen-sets claim overlapping URLs (one round trip each): every URL has one first sight, and a
    URL decided on leaves the worker's pending set."""
    url, name = crawl
    from crawler.net.redisclient import Outage

    a, b = (SharedSeen(sync_client(url), keys(name, w), Outage(url)) for w in ("wa", "wb"))
    urls = [f"http://h{i % 7}.test/p{i}" for i in range(40)]
    first_a = a.claim_all(urls[:30])
    first_b = b.claim_all(urls[10:])
    assert all(first_a) and first_b == [False] * 20 + [True] * 10
    assert a.add_new(urls[0]) is False and b.add_new(urls[0]) is False
    r = sync_client(url)
    pending = sum(r.scard(keys(name, "wa").pending_of(p)) for p in range(PARTITIONS))
    assert pending == 30
    a.decided(urls[0])
    assert sum(r.scard(keys(name, "wa").pending_of(p)) for p in range(PARTITIONS)) == 29


def test_a_pages_links_are_claimed_in_one_trip(crawl):
    """expect() claims a page's links together; add_new() then answers from that claim; a link claimed but never
    asked about (a callback that failed half-way) is handed back at the next page."""
    url, name = crawl
    from crawler.net.redisclient import Outage

    a, b = (SharedSeen(sync_client(url), keys(name, w), Outage(url)) for w in ("wa", "wb"))
    links = [f"http://h{i % 5}.test/q{i}" for i in range(12)]
    b.claim_all(links[:3])  # another worker saw three of them first
    trips = []
    original = a.claim_all
    a.claim_all = lambda urls: trips.append(list(urls)) or original(urls)  # count the round trips
    a.expect(links + links[:2])
    assert [a.add_new(u) for u in links[:10]] == [False] * 3 + [True] * 7
    assert trips == [links], "one trip for the page's links"
    a.expect([])  # links[10:] were claimed but never asked about
    assert b.claim_all(links[10:]) == [True, True], "handed back: another worker may decide on them"


def test_a_pause_travels_with_its_release_and_a_reserved_turn_is_handed_back(crawl):
    """The gate pauses a host right after it releases it (Retry-After): one script call carries both, so no other
    worker's turn falls between them. A turn reserved ahead and then given up (a stop, a spent budget) is handed
    back at once instead of blocking the host until its lease expires."""
    url, name = crawl
    from crawler.pace.local import GaveUp

    r, k = sync_client(url), keys(name)

    async def run() -> tuple[bytes | None, list[int]]:
        p = ClusterPoliteness(url, k, margin=0.0)
        p._pause = None  # a separate PAUSE call would fail here
        p.set_gap("ra.test", 0.0, "test")
        await p.acquire("ra.test")
        p.release("ra.test", server_error=True)
        p.pause("ra.test", 30.0, "HTTP 503, Retry-After 30")
        await p._settled("ra.test")
        paused = r.hget(k.host("ra.test"), "reason")
        p.set_gap("rb.test", 2.0, "test")
        await p.acquire("rb.test")
        p.release("rb.test", ok=True)
        await p._settled("rb.test")
        out = [r.zcard(k.host_leases("rb.test"))]
        deadline = time.monotonic() + 0.3
        waiter = asyncio.ensure_future(p.acquire("rb.test", give_up=lambda: time.monotonic() > deadline))
        await asyncio.sleep(0.15)  # the next turn is 2 s ahead: reserved now
        out.append(r.zcard(k.host_leases("rb.test")))
        with pytest.raises(GaveUp):
            await waiter
        await asyncio.sleep(0)
        await p._settled("rb.test")
        out.append(r.zcard(k.host_leases("rb.test")))
        await p.redis.aclose()
        return paused, out

    paused, out = asyncio.run(run())
    assert paused == b"HTTP 503, Retry-After 30"
    assert out == [0, 1, 0], "no turn out, one reserved, handed back"


def test_every_script_touches_only_keys_it_declares():
    """Redis Cluster runs a script on the slot of its KEYS only: no script may name a key it builds itself (the
    claim once read ARGV[3] .. 'host:' .. host). The cluster runs above check it live; this reads every script."""
    import re

    import crawler.distributed.reads as reads
    import crawler.pace.cluster as pace
    import crawler.queue.cluster.scripts as queue

    scripts = {f"{m.__name__}.{name}": lua for m in (pace, queue, reads) for name, lua in vars(m).items()
               if isinstance(lua, str) and "redis.call(" in lua}
    assert len(scripts) >= 14
    for name, lua in scripts.items():
        for command, key in re.findall(r"redis\.call\('(\w+)'(?:,\s*([^,)]+))?", lua):
            assert command == "TIME" or re.fullmatch(r"KEYS\[(\d|i)\]|key", key), (name, command, key)
        for key in re.findall(r"\bmark\(([^,]+),", lua):
            assert re.fullmatch(r"KEYS\[(\d|i)\]|key", key), (name, key)
