"""Queued requests kept pickled in SQLite (crawler.queue.stored): Scrapy's order, and no object per request."""

from __future__ import annotations

import tracemalloc

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawler.gate.state import state_meta
from crawler.queue import stored
from crawler.queue.stored import RequestStore


class Pages(Spider):
    name = "pages"

    def parse(self, response):  # noqa: ANN001, ANN201 - a callback the store can name
        return []


def store(objects: int = 0) -> RequestStore:
    """A store that keeps ``objects`` requests as objects before it pickles (WINDOW in a crawl)."""
    crawler = get_crawler(Pages)
    crawler.spider = Pages()
    s = RequestStore(crawler)
    s.objects = stored.WINDOW - objects
    return s


def test_highest_priority_first_then_first_in_first_out_and_callbacks_kept():
    q = store().queue()
    spider = q.store.crawler.spider
    q.push(Request("http://a.test/1", callback=spider.parse, meta={"depth": 2, **state_meta(admitted=True, via="sitemap")}))
    q.push(Request("http://a.test/2"))
    q.push(Request("http://a.test/img", priority=10))
    q.push(Request("http://a.test/odd", callback=lambda r: None))  # cannot be pickled: an object, in its place
    q.push(Request("http://a.test/3"))
    assert len(q) == 5 and q.peek_url() == "http://a.test/img"
    got = []
    while (url := q.peek_url()) is not None:
        r = q.pop()
        assert r is not None and r.url == url
        got.append(r)
    assert [r.url.rsplit("/", 1)[1] for r in got] == ["img", "1", "2", "odd", "3"]
    assert got[1].callback == spider.parse and got[1].meta == {"depth": 2, **state_meta(admitted=True, via="sitemap")}
    assert len(q) == 0 and q.pop() is None


def test_hosts_do_not_mix_and_a_closed_queue_forgets_its_requests():
    s = store()
    a, b = s.queue(), s.queue()
    for k in range(3):
        a.push(Request(f"http://a.test/{k}"))
        b.push(Request(f"http://b.test/{k}"))
    assert [a.pop().url for _ in range(2)] == ["http://a.test/0", "http://a.test/1"]
    b.close()
    assert len(b) == 0 and b.pop() is None
    assert a.pop().url == "http://a.test/2"
    assert s.first(b.host, 10) == []


def test_a_queued_request_is_no_python_object():
    s = store()
    queues = [s.queue() for _ in range(100)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for k in range(5000):
        queues[k % 100].push(Request(f"http://h{k % 100}.test/page/{k}?q={k * 7}", meta={"depth": 3}))
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown / 5000 < 200, f"{grown / 5000:.0f} bytes of Python objects per queued request"  # ~4.5 KB as objects
    assert sum(len(q) for q in queues) == 5000


def test_the_first_requests_stay_objects():
    s = store(objects=2)
    q = s.queue()
    first, second = Request("http://a.test/1"), Request("http://a.test/2")
    for r in (first, second, Request("http://a.test/3"), Request("http://a.test/4")):
        q.push(r)
    assert len(q.held) == 2 and q.stored == 2
    assert q.pop() is first and q.pop() is second  # the same objects (scrapy shell waits on its request's own)
    assert [q.pop().url, q.pop().url] == ["http://a.test/3", "http://a.test/4"]
