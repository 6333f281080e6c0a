"""The cache of decision reads (crawler/gate/readcache.py): single-flight, kept in the state folder and in Redis."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from crawler.decide.optout.aitxt import aitxt_signal
from crawler.decide.robots import PARSED, UNREACHABLE, record_from_response, unreachable
from crawler.gate.readcache import FolderStore, ReadCache
from crawler.gate.reads import AITXT, AITXT_READ, ROBOTS_READ, TDMREP, TDMREP_READ, FileRead, _parsed
from tests.cluster import drop_cluster, redis_or_skip

ORIGIN = "http://a.test:8080"


class Fetcher:
    """Counts fetches; each takes ``delay`` seconds (so concurrent askers overlap) and returns ``make(previous)``."""

    def __init__(self, make, delay: float = 0.05):
        self.make, self.delay, self.calls, self.previous = make, delay, 0, []

    async def __call__(self, previous):
        self.calls += 1
        self.previous.append(previous)
        await asyncio.sleep(self.delay)
        return self.make(previous)


def tdm(status: int | None = 200, body: str = '[{"location": "/", "tdm-reservation": 1}]', age: float = 0.0):
    return lambda previous: FileRead(ORIGIN + TDMREP, status, body, time.time() - age, f"HTTP {status}")


async def many(cache: ReadCache, kind, fetch, n: int = 5) -> list:
    return await asyncio.gather(*(cache.read(kind, ORIGIN, fetch) for _ in range(n)))


def test_concurrent_askers_share_one_fetch():
    cache, fetch = ReadCache(), Fetcher(tdm())
    values = asyncio.run(many(cache, TDMREP_READ, fetch))
    assert fetch.calls == 1 and all(v is values[0] for v in values)
    assert asyncio.run(cache.read(TDMREP_READ, ORIGIN, fetch)) is values[0] and fetch.calls == 1, "fresh: not again"


def test_a_failed_fetch_fails_its_waiters_and_is_tried_again():
    async def boom(previous):
        await asyncio.sleep(0.02)
        raise RuntimeError("network down")

    cache = ReadCache()

    async def scenario():
        return await asyncio.gather(*(cache.read(TDMREP_READ, ORIGIN, boom) for _ in range(3)), return_exceptions=True)

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(scenario()))
    fetch = Fetcher(tdm())
    assert asyncio.run(cache.read(TDMREP_READ, ORIGIN, fetch)).status == 200 and fetch.calls == 1


def test_the_state_folder_serves_a_fresh_read_to_the_next_process(tmp_path):
    first = Fetcher(tdm())
    asyncio.run(ReadCache(FolderStore(tmp_path)).read(TDMREP_READ, ORIGIN, first))
    files = list((tmp_path / "tdmrep").glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["url"] == ORIGIN + TDMREP
    later, again = ReadCache(FolderStore(tmp_path)), Fetcher(tdm())  # a resumed or incremental run
    read = asyncio.run(later.read(TDMREP_READ, ORIGIN, again))
    assert again.calls == 0 and read.status == 200
    assert [r.reservation for r in _parsed(TDMREP, read)] == [1]
    assert later.get(AITXT_READ, ORIGIN) is None, "kinds are kept apart"


def test_memory_keeps_the_reads_used_last_and_the_state_folder_the_rest(tmp_path):
    cache, fetch = ReadCache(FolderStore(tmp_path), limit=2), Fetcher(tdm(), delay=0)
    origins = [f"http://h{i}.test" for i in range(5)]
    for o in origins:
        asyncio.run(cache.read(TDMREP_READ, o, fetch))
    assert fetch.calls == 5 and len(cache._recent) == 2  # the others are in the state folder only
    for o in origins:  # every one is still known, and fresh: none is fetched again
        assert cache.get(TDMREP_READ, o).status == 200
        assert asyncio.run(cache.read(TDMREP_READ, o, fetch)).status == 200
    assert fetch.calls == 5
    alone = ReadCache(limit=2)  # without a state folder nothing may be dropped: it would be fetched again
    for o in origins:
        asyncio.run(alone.read(TDMREP_READ, o, fetch))
    assert all(alone.get(TDMREP_READ, o) is not None for o in origins) and fetch.calls == 10


def test_a_stale_read_is_fetched_again_with_the_old_copy_at_hand(tmp_path):
    FolderStore(tmp_path).put(TDMREP_READ, ORIGIN, tdm(age=25 * 3600)(None))  # older than a day
    fetch = Fetcher(tdm(status=404, body="gone"))
    read = asyncio.run(ReadCache(FolderStore(tmp_path)).read(TDMREP_READ, ORIGIN, fetch))
    assert fetch.calls == 1 and fetch.previous[0].status == 200 and read.status == 404
    assert _parsed(TDMREP, read) is None, "only a 200 answer has rules"
    assert ReadCache(FolderStore(tmp_path)).get(TDMREP_READ, ORIGIN).status == 404, "the new copy replaced it"


def test_failures_are_retried_after_a_minute_answers_after_a_day():
    now = time.time()
    assert FileRead("u", 404, "", now - 23 * 3600).fresh(now)
    assert not FileRead("u", 200, "", now - 24 * 3600 - 1).fresh(now)
    for status in (None, 429, 503):
        read = FileRead("u", status, "", now - 30)
        assert read.fresh(now) and not read.fresh(now + 31), status


def test_robots_records_keep_their_file_and_their_last_good_copy(tmp_path):
    good = record_from_response(ORIGIN, 200, b"User-agent: *\nDisallow: /private\n", ORIGIN + "/robots.txt", None,
                                None, time.time() - 25 * 3600)
    FolderStore(tmp_path).put(ROBOTS_READ, ORIGIN, good)
    assert (tmp_path / "robots").is_dir(), "robots.txt stays in STATE/robots/ (state folders of earlier versions)"
    fetch = Fetcher(lambda previous: unreachable(ORIGIN, "HTTP 503", previous, time.time(), status=503))
    record = asyncio.run(ReadCache(FolderStore(tmp_path)).read(ROBOTS_READ, ORIGIN, fetch))
    assert fetch.calls == 1 and fetch.previous[0].kind == PARSED
    assert record.kind == UNREACHABLE and record.effective(time.time()).kind == PARSED
    again = ReadCache(FolderStore(tmp_path)).get(ROBOTS_READ, ORIGIN)
    assert not again.allows(ORIGIN + "/x", "civilcrawl") and not again.effective(time.time()).allows(
        ORIGIN + "/private", "civilcrawl")


def test_an_unreadable_cache_file_is_read_again(tmp_path):
    store = FolderStore(tmp_path)
    store.path(AITXT_READ, ORIGIN).parent.mkdir(parents=True)
    store.path(AITXT_READ, ORIGIN).write_text("{not json")
    fetch = Fetcher(lambda previous: FileRead(ORIGIN + AITXT, 200, "User-agent: *\nDisallow: /\n", time.time()))
    read = asyncio.run(ReadCache(store).read(AITXT_READ, ORIGIN, fetch))
    assert fetch.calls == 1 and aitxt_signal(_parsed(AITXT, read), "civilcrawl", ORIGIN + "/a") is not None


def test_cluster_workers_fetch_each_read_once():
    """Four workers (each its own cache and Redis connection) ask at once: one fetch for the cluster."""
    url = redis_or_skip()
    from crawler.distributed.reads import RedisStore

    cluster = f"test-reads-{uuid.uuid4().hex[:8]}"
    fetch = Fetcher(tdm(), delay=0.3)

    async def scenario():
        workers = [ReadCache(RedisStore(url, f"civil:{cluster}:", lambda: False)) for _ in range(4)]
        reads = await asyncio.gather(*(w.read(kind, ORIGIN, fetch) for w in workers for kind in (TDMREP_READ,) * 3))
        late = await ReadCache(RedisStore(url, f"civil:{cluster}:", lambda: False)).read(TDMREP_READ, ORIGIN, fetch)
        return reads, late

    try:
        reads, late = asyncio.run(scenario())
        assert fetch.calls == 1, "one worker fetched; the others waited for its copy"
        assert {r.to_json()["fetched_at"] for r in reads} == {late.fetched_at}
    finally:
        drop_cluster(url, cluster)


def test_cluster_refetches_a_stale_read_once():
    url = redis_or_skip()
    from crawler.distributed.reads import RedisStore

    cluster = f"test-reads-{uuid.uuid4().hex[:8]}"

    async def scenario(fetch):
        workers = [ReadCache(RedisStore(url, f"civil:{cluster}:", lambda: False)) for _ in range(2)]
        return await asyncio.gather(*(w.read(TDMREP_READ, ORIGIN, fetch) for w in workers))

    try:
        stale = Fetcher(tdm(age=2 * 24 * 3600))
        asyncio.run(scenario(stale))
        assert stale.calls == 2, "a copy that is already stale does not satisfy the next asker"
        fresh = Fetcher(tdm())
        asyncio.run(scenario(fresh))
        assert fresh.calls == 1 and fresh.previous[0].status == 200, "the stale copy is handed to the fetcher"
    finally:
        drop_cluster(url, cluster)


@pytest.mark.parametrize("kind", [ROBOTS_READ, TDMREP_READ, AITXT_READ])
def test_kinds_round_trip_through_json(kind, tmp_path):
    value = (record_from_response(ORIGIN, 200, b"User-agent: *\nAllow: /\n", ORIGIN + "/robots.txt", None, None,
                                  time.time()) if kind is ROBOTS_READ else tdm()(None))
    assert kind.load(json.loads(json.dumps(kind.dump(value)))).to_json() == value.to_json()


def test_a_terms_verdict_is_kept_in_the_state_folder_while_fresh(tmp_path):
    from crawler.decide.terms.finder import TermsResult
    from crawler.gate.reads import TERMS_READ

    fetch = Fetcher(lambda previous: TermsResult(url=None, tried=[(ORIGIN + "/terms", "link", "HTTP 404")]))
    first = asyncio.run(ReadCache(FolderStore(tmp_path)).read(TERMS_READ, ORIGIN, fetch))
    again = asyncio.run(ReadCache(FolderStore(tmp_path)).read(TERMS_READ, ORIGIN, fetch))
    assert fetch.calls == 1 and again.to_dict() == first.to_dict()
    assert list((tmp_path / "terms").glob("*.json"))
