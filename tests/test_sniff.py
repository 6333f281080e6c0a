"""Image formats known by their first bytes (crawler.page.sniff), on pictures encoded by Pillow."""

from __future__ import annotations

import io

import pytest
from PIL import features

from crawler.page.sniff import image_format
from tests.test_images_support import astronaut_face, shapes


def encoded(fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    picture = astronaut_face(64) if fmt != "ICO" else astronaut_face(32).resize((32, 32))
    (picture.convert("P") if fmt == "GIF" else picture).save(buf, fmt, **options)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "expected"), [("JPEG", "jpeg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp"),
                                               ("TIFF", "tiff"), ("BMP", "bmp"), ("ICO", "ico"), ("JPEG2000", "jp2")])
def test_pillow_encodings_are_recognised(fmt, expected):
    assert image_format(encoded(fmt)) == expected


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow cannot write AVIF")
def test_avif_is_recognised():
    assert image_format(encoded("AVIF")) == "avif"


def test_iso_media_brands():
    def ftyp(major: bytes, *compatible: bytes) -> bytes:
        body = b"ftyp" + major + b"\0\0\0\0" + b"".join(compatible)
        return (len(body) + 4).to_bytes(4, "big") + body + b"\0" * 32

    assert image_format(ftyp(b"avif", b"mif1", b"miaf")) == "avif"
    assert image_format(ftyp(b"heic", b"mif1")) == "heif"
    assert image_format(ftyp(b"mif1", b"heic")) == "heif"  # known by a compatible brand
    assert image_format(ftyp(b"isom", b"mp41")) is None  # a video


@pytest.mark.parametrize("body", [b"<!doctype html><html>", b"BMW owners club\n" + b"x" * 40, b"%PDF-1.7\n",
                                  b'{"a": 1}', b"", b"\xff\xd8", b"RIFF\0\0\0\0WAVEfmt ", b"GIF88a"])
def test_other_bodies_are_not_images(body):
    assert image_format(body) is None


def test_mislabelled_control_is_still_an_image():
    buf = io.BytesIO()
    shapes(64, 48).save(buf, "PNG")
    assert image_format(buf.getvalue()) == "png"
