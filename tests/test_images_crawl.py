"""Personal images never reach the disk: a real crawl of a local site with faces, GPS and avatars."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from PIL import Image

from crawler.cli.localsite import Reply, Site
from tests.conftest import CONTACT, read_jsonl
from tests.test_images_support import astronaut, astronaut_face, encode, gradient, shapes

pytest.importorskip("skimage")


def with_gps(image: Image.Image) -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return encode(image, "JPEG", exif=exif)


def page(imgs: str) -> Reply:
    return Reply(body=f"<html><head><title>gallery</title></head><body><p>photos</p>{imgs}</body></html>")


@pytest.fixture(scope="module")
def gallery(server):
    face = encode(astronaut())
    small_face = encode(astronaut_face(90))
    landscape = encode(gradient())
    drawing = encode(shapes(), "PNG")
    gps = with_gps(gradient(320, 240))
    img = lambda ct: dict(content_type=ct)  # noqa: E731
    server.sites["gallery.test"] = Site({
        "/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/": page('<img src="/img/face.jpg" alt="team"><img src="/img/thumb.jpg">'
                  '<picture><source srcset="/img/land-small.jpg 320w, /img/land.jpg 640w"><img src="/img/land-small.jpg">'
                  '</picture><img src="/img/drawing.png"><img src="/img/where.jpg">'
                  '<img src="/avatar/42.jpg"><img class="profile-photo" src="/img/p.jpg">'
                  '<a href="/second">next</a>'),
        "/second": page('<img src="/img/land.jpg"><img src="/img/face.jpg">'),
        "/img/face.jpg": Reply(body=face, **img("image/jpeg")),
        "/img/thumb.jpg": Reply(body=small_face, **img("image/jpeg")),
        "/img/land.jpg": Reply(body=landscape, **img("image/jpeg")),
        "/img/drawing.png": Reply(body=drawing, **img("image/png")),
        "/img/where.jpg": Reply(body=gps, **img("image/jpeg")),
        "/avatar/42.jpg": Reply(body=face, **img("image/jpeg")),
        "/img/p.jpg": Reply(body=face, **img("image/jpeg")),
    })
    return {"face": face, "small_face": small_face, "gps": gps}


def test_personal_images_are_never_written(gallery, server, tmp_path):
    images, tmp, home = tmp_path / "images", tmp_path / "tmp", tmp_path / "home"
    tmp.mkdir()
    home.mkdir()
    out, audit = tmp_path / "pages.jsonl", tmp_path / "audit.jsonl"
    env = {**os.environ, "TMPDIR": str(tmp), "HOME": str(home)}
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", server.url("gallery.test"), "--contact", CONTACT,
                        "--resolve", "gallery.test=127.0.0.1", "--allow-network", "127.0.0.1/32", "--delay", "0",
                        "--images", "--images-dir", str(images), "--out", str(out), "--audit", str(audit)],
                       capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    records = {r["url"].rsplit("/", 1)[1]: r for r in read_jsonl(audit)}
    assert records["face.jpg"]["reason"] == "personal-image" and "face" in records["face.jpg"]["detail"]
    assert records["thumb.jpg"]["reason"] == "personal-image", "a 90 px thumbnail face is still a face"
    assert records["where.jpg"]["decision"] == "refused" and "GPS" in records["where.jpg"]["detail"]
    for avatar in ("42.jpg", "p.jpg"):
        assert records[avatar]["decision"] == "refused" and "not fetched" in records[avatar]["detail"]
    assert not any(h.path in ("/avatar/42.jpg", "/img/p.jpg") for h in server.hits_for("gallery.test"))
    assert "land-small.jpg" not in records, "the largest srcset candidate is the one fetched"
    assert [h.path for h in server.hits_for("gallery.test")].count("/img/face.jpg") == 1, "one fetch per image"
    stored = sorted(images.iterdir())
    assert len(stored) == 2  # the landscape and the drawing
    personal = {hashlib.sha256(b).hexdigest() for b in gallery.values()}
    for f in stored:
        data = f.read_bytes()
        assert f.name.startswith(hashlib.sha256(data).hexdigest())
        assert hashlib.sha256(data).hexdigest() not in personal
        assert b"Exif" not in data[:4096]
    items = {i["url"].rsplit("/", 1)[1] or "home": i for i in read_jsonl(out)}
    assert sorted(i["url"].rsplit("/", 1)[1] for i in items["home"]["images"]) == ["drawing.png", "land.jpg"]
    assert [i["url"].rsplit("/", 1)[1] for i in items["second"]["images"]] == ["land.jpg"]
    # nowhere else either: no temp files, no HTTP cache, nothing in the working folder or HOME
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent != images]
    leftovers = [p for p in leftovers if p.name not in ("pages.jsonl", "audit.jsonl")]
    assert not leftovers, leftovers
    for path in [*tmp_path.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert not any(hashlib.sha256(data).hexdigest() == h for h in personal)
            assert gallery["face"][1000:1064] not in data


def test_an_image_retried_after_a_503_is_still_its_pages_image(server, tmp_path):
    from tests.sites import once

    server.sites["retried.test"] = Site({
        "/robots.txt": Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/": page('<img src="/img/land.jpg">'),
        "/img/land.jpg": once(Reply(503, "busy", content_type="text/plain", headers={"Retry-After": "0"}),
                              Reply(body=encode(gradient()), content_type="image/jpeg")),
    })
    images, out, audit = tmp_path / "images", tmp_path / "pages.jsonl", tmp_path / "audit.jsonl"
    p = subprocess.run([sys.executable, "-m", "crawler", "crawl", server.url("retried.test"), "--contact", CONTACT,
                        "--resolve", "retried.test=127.0.0.1", "--allow-network", "127.0.0.1/32", "--delay", "0",
                        "--terms", "policy", "--images", "--images-dir", str(images), "--out", str(out),
                        "--audit", str(audit)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    final = [r for r in read_jsonl(audit) if r["url"].endswith("/img/land.jpg")]
    assert [r["decision"] for r in final] == ["fetched"] and "attempt 2" in final[0]["detail"], final
    assert [i["url"].rsplit("/", 1)[1] for i in read_jsonl(out)[0]["images"]] == ["land.jpg"]
    assert len(list(images.iterdir())) == 1
