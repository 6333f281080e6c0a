"""One hostile image cannot hang the image checker: a linear metadata scan and a time limit per image."""

from __future__ import annotations

import asyncio
import functools
import io
import time

import numpy as np
import pytest
from PIL import Image

from crawler.cli.localsite import Reply, Site
from crawler.gate.images import ImageJudge
from crawler.images.metadata import MAX_ELEMENTS, MAX_PACKETS, read_metadata
from tests.test_images_support import encode, gradient

TINY = encode(np.full((8, 8, 3), 128, np.uint8), "PNG")
#: The review's input: 81 s in the lazy packet regex, then accepted.
XMP_BOMB = TINY + b"<x:xmpmeta " * 40000
XMP = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>%s</x:xmpmeta>"


@functools.cache
def noise() -> bytes:
    """A 38-megapixel JPEG of coarse noise (8 MB, under both size caps): judging it takes over a second."""
    rng = np.random.default_rng(0)
    small = Image.fromarray(rng.integers(0, 256, (600, 640, 3), dtype=np.uint8))
    return encode(small.resize((6400, 6000), Image.NEAREST), "JPEG", quality=50)


def metadata(data: bytes):
    return read_metadata(Image.open(io.BytesIO(data)), data)


def test_unclosed_xmp_openings_are_scanned_once():
    start = time.perf_counter()
    assert metadata(XMP_BOMB).error is None
    assert metadata(TINY + b"<x:xmpmeta " * 900_000).error is None  # the 10 MB cap's worth
    assert time.perf_counter() - start < 1.0  # only a hang guard: it was 81 s for the first alone


def test_many_or_huge_packets_are_refused_not_skipped():
    many = TINY + XMP % b"" * (MAX_PACKETS + 1)
    assert "XMP packets" in metadata(many).error
    deep = TINY + XMP % (b"<a>" * (MAX_ELEMENTS + 1) + b"</a>" * (MAX_ELEMENTS + 1))
    assert "elements" in metadata(deep).error
    person = (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
              b"xmlns:Iptc4xmpExt='http://iptc.org/std/Iptc4xmpExt/2008-02-29/'><rdf:Description>"
              b"<Iptc4xmpExt:PersonInImage><rdf:Bag>" + b"<rdf:li/>" * 300 + b"<rdf:li>Jane Doe</rdf:li>"
              b"</rdf:Bag></Iptc4xmpExt:PersonInImage></rdf:Description></rdf:RDF>")
    assert metadata(TINY + XMP % person).personal == ("Iptc4xmpExt:PersonInImage",), "padding hides no one"


def judge_all(judge: ImageJudge, *images: bytes):
    async def run():
        try:
            return [await judge.judge(data) for data in images]
        finally:
            judge.close()
    return asyncio.run(run())


def test_overrun_is_refused_and_the_next_image_is_still_judged():
    judge = ImageJudge("research", timeout=0.05)  # the noise takes a second or more

    async def run():
        try:
            slow = await judge.judge(noise())
            judge.timeout = 60  # only so that a loaded machine cannot fail the next one
            return slow, await judge.judge(encode(gradient()))
        finally:
            judge.close()

    slow, fine = asyncio.run(run())
    assert not slow.ok and slow.reason == "timeout" and "longer than 0.05 s" in slow.detail
    assert fine.ok, fine


def test_a_stopping_crawl_does_not_wait_for_a_judgement():
    began = time.monotonic()
    judge = ImageJudge("research", timeout=600, stopping=lambda: time.monotonic() - began > 0.5)
    start = time.monotonic()
    [verdict] = judge_all(judge, noise())
    assert not verdict.ok and verdict.reason == "stopped"
    assert time.monotonic() - start < 30, "bounded by the poll, not by the judgement"


def page(imgs: str) -> Reply:
    return Reply(body=f"<html><head><title>g</title></head><body><p>photos</p>{imgs}</body></html>")


@pytest.fixture(scope="module")
def hostile_gallery(server):
    img = lambda body, ct: Reply(body=body, content_type=ct)  # noqa: E731
    server.sites["imgbomb.test"] = Site({
        "/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/": page('<img src="/bomb.png"><img src="/noise.jpg"><a href="/later">more</a>'),
        "/later": page('<img src="/fine.jpg"><img src="/fine.png">'),
        "/bomb.png": img(XMP_BOMB, "image/png"), "/noise.jpg": img(noise(), "image/jpeg"),
        "/fine.jpg": img(encode(gradient(64, 48)), "image/jpeg"), "/fine.png": img(encode(gradient(64, 48), "PNG"), "image/png"),
    })


def test_hostile_images_at_the_server(hostile_gallery, crawl, server, tmp_path):
    r = crawl("imgbomb.test", args=("--delay", "0", "--images", "--images-dir", str(tmp_path / "img"),
                                    "--image-timeout", "0.3"), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    final = {rec["url"].rsplit("/", 1)[1]: rec for rec in r.audit}
    assert final["bomb.png"]["decision"] in ("fetched", "refused"), "decided, in bounded time"
    assert final["noise.jpg"]["reason"] == "image-timeout", final["noise.jpg"]
    assert final["fine.jpg"]["decision"] == final["fine.png"]["decision"] == "fetched", (final["fine.jpg"], final["fine.png"])
