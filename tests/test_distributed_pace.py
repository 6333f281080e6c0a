"""The cluster's per-host gate against a real Redis: the Lua script paces by Python's back-off table."""

from __future__ import annotations

import uuid

import pytest
import redis

from crawler.pace.cluster import ACQUIRE, KEY_TTL_MS, _steps_ms
from crawler.pace.local import MAX_BACKOFF, backed_off, backoff_steps
from tests.cluster import drop_cluster, redis_or_skip


@pytest.fixture
def client():
    url = redis_or_skip()
    name = f"test-pace-{uuid.uuid4().hex[:8]}"
    r = redis.Redis.from_url(url)
    yield r, f"civil:{name}:"
    drop_cluster(url, name)


@pytest.mark.parametrize("gap", [0.0, 0.1, 1.0, 1.5, 3.0, 100.0, 299.0, 400.0])
def test_backoff_steps_are_the_formula(gap):
    steps = backoff_steps(gap)
    assert steps[-1] == max(gap, MAX_BACKOFF)
    assert [backed_off(gap, e) for e in range(40)] == [steps[min(e, len(steps) - 1)] for e in range(40)]


@pytest.mark.parametrize("gap", [0.0, 0.25, 1.5, 100.0])
def test_script_waits_what_python_computes(client, gap):
    """For 0-12 consecutive errors the script holds a host for exactly backed_off(gap, errors) after its last
    start: the table Python passes is the only formula."""
    r, prefix = client
    acquire = r.register_script(ACQUIRE)
    host, leases = prefix + "host:h", prefix + "leases:h"
    for errors in range(13):
        r.delete(host, leases)
        now_s, now_us = r.time()
        r.hset(host, mapping={"last": now_s * 1000 + now_us // 1000, "errors": errors})
        granted, wait_ms, got_errors, _ = acquire(keys=[host, leases],
                                                  args=[0, 1, 60_000, "t", KEY_TTL_MS, *_steps_ms(gap)])
        expected = backed_off(gap, errors) * 1000
        assert got_errors == errors
        if expected == 0:
            assert granted == 1
        else:
            assert granted == 0 and expected - 50 <= wait_ms <= expected, (errors, wait_ms, expected)
