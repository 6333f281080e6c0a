"""The request state (crawler.gate.state) travels wherever Scrapy stores a request, and Refused keeps its fields."""

from __future__ import annotations

import pickle

from redis import Redis
from scrapy import Request
from scrapy.squeues import PickleFifoDiskQueue
from scrapy.utils.test import get_crawler

from crawler.decide.optout import Signal
from crawler.gate.refusal import Refused, Stopping
from crawler.gate.state import STATE_META, RequestState, state_meta
from crawler.queue.cluster.leases import LeasedQueue
from crawler.spider import CivilSpider


def _request(spider: CivilSpider) -> Request:
    """A request as a redirect leaves it: what it is, and the state of the attempt it was copied from."""
    request = Request("http://site.test/a", callback=spider.parse, errback=spider.failed,
                      meta={**state_meta(admitted=True, via="sitemap", image_of="http://site.test/"), "depth": 2})
    state = RequestState.of(request)
    state.host, state.origin, state.started, state.waited, state.bytes = "site.test", "http://site.test", 1.5, 0.25, 9
    state.signals = [Signal("ai-train", "n", "robots.txt Content-Signal")]
    state.earlier = ["2025-01-01T00:00:00.000Z"]
    return request


def _same(restored: Request, request: Request) -> None:
    assert [k for k in restored.meta if k.startswith("civil_")] == [STATE_META]
    assert RequestState.of(restored) == RequestState.of(request)
    assert restored.callback == request.callback and restored.meta["depth"] == 2


def test_state_survives_jobdir_disk_queue(tmp_path):
    crawler = get_crawler(CivilSpider, {"JOBDIR": str(tmp_path)})
    spider = CivilSpider(seeds=["http://site.test/"])
    crawler.spider = spider
    request = _request(spider)
    queue = PickleFifoDiskQueue.from_crawler(crawler, str(tmp_path / "q"))
    queue.push(request)
    queue.close()
    restored = PickleFifoDiskQueue.from_crawler(crawler, str(tmp_path / "q")).pop()
    _same(restored, request)


def test_state_survives_the_cluster_queue_encoding():
    spider = CivilSpider(seeds=["http://site.test/"])
    queue = LeasedQueue(Redis(), spider, keys=None, fingerprint=None)  # encoding connects to nothing
    request = _request(spider)
    _head, data = queue.encode(request, "site.test").split(b"\n", 1)
    _same(queue.decode(data), request)


def test_refused_keeps_reason_and_detail():
    exc = pickle.loads(pickle.dumps(Refused("robots", "Disallow: /a (line 3)")))
    assert (exc.reason, exc.detail, str(exc)) == ("robots", "Disallow: /a (line 3)", "robots: Disallow: /a (line 3)")
    stop = pickle.loads(pickle.dumps(Stopping("crawl stopping while reading robots")))
    assert isinstance(stop, Stopping) and (stop.reason, stop.detail) == ("shutdown", "crawl stopping while reading robots")


def test_retry_and_hand_back_keep_what_the_request_is():
    request = _request(CivilSpider(seeds=["http://site.test/"]))
    state = RequestState.of(request)
    kept = state.kept()
    assert (kept.admitted, kept.via, kept.image_of, kept.host, kept.started) == (True, "sitemap", "http://site.test/",
                                                                               None, None)
    again = state.retried("HTTP 503", "2025-01-01T00:00:01.000Z").retried("HTTP 503", None)
    assert (again.retry_note, again.image_of, again.host) == ("HTTP 503", "http://site.test/", None)
    assert again.earlier == ["2025-01-01T00:00:00.000Z", "2025-01-01T00:00:01.000Z"]
