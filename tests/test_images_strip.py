"""strip_metadata: only pixels survive re-encoding; extension_of names the container."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from crawler.images.decode import decode_image
from crawler.images.strip import StripError, extension_of, strip_metadata
from tests.test_images_metadata import PERSON
from tests.test_images_support import encode, shapes

SECRETS = (b"Jane Doe", b"SN-998877", b"Exif", b"xmpmeta", b"PersonInImage", b"secret comment", b"ICC_PROFILE")


def loaded_with_everything(fmt: str) -> bytes:
    """A picture carrying EXIF (GPS, serial, owner), XMP, ICC and a comment, in ``fmt``."""
    exif = Image.Exif()
    exif[315] = "Jane Doe"
    exif.get_ifd(ExifTags.IFD.Exif)[42033] = "SN-998877"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({2: (48.0, 51.0, 29.0), 4: (2.0, 17.0, 40.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    options = {"exif": exif, "icc_profile": icc}
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", PERSON)
        info.add_text("Comment", "secret comment")
        options["pnginfo"] = info
    elif fmt in ("JPEG", "WEBP"):
        options["xmp"] = PERSON.encode()
        if fmt == "JPEG":
            options["comment"] = "secret comment"
    elif fmt == "GIF":
        options = {"comment": "secret comment"}
    return encode(shapes(), fmt, **options)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_nothing_but_pixels_survives(fmt):
    data = loaded_with_everything(fmt)
    assert any(s in data for s in SECRETS)  # the input really carries metadata
    decoded = decode_image(data)
    clean = strip_metadata(decoded.image, decoded.format)
    for secret in SECRETS:
        assert secret not in clean, secret
    with Image.open(io.BytesIO(clean)) as out:
        assert out.format == fmt
        assert not out.getexif() and "icc_profile" not in out.info and "xmp" not in out.info
        assert "comment" not in out.info
        pixels = np.asarray(out.convert("RGB"), dtype=np.int16)
    assert np.abs(pixels - np.asarray(shapes(), dtype=np.int16)).mean() < 6  # same picture


def test_alpha_is_kept_in_png():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[5:15, 5:15] = (10, 200, 30, 255)
    decoded = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    with Image.open(io.BytesIO(strip_metadata(decoded.image, "PNG"))) as out:
        assert out.mode == "RGBA" and out.getpixel((8, 8)) == (10, 200, 30, 255) and out.getpixel((30, 30))[3] == 0


def test_mpo_becomes_a_single_jpeg():
    first, second = shapes(), Image.new("RGB", (640, 480), (0, 0, 0))
    buf = io.BytesIO()
    first.save(buf, "MPO", save_all=True, append_images=[second])
    decoded = decode_image(buf.getvalue())
    assert decoded.format == "MPO"
    clean = strip_metadata(decoded.image, decoded.format)
    with Image.open(io.BytesIO(clean)) as out:
        assert out.format == "JPEG" and getattr(out, "n_frames", 1) == 1
    assert clean.count(b"\xff\xd8\xff") == 1  # no second embedded picture


def test_unknown_format_is_an_error():
    with pytest.raises(StripError, match="no output format"):
        strip_metadata(shapes(), "TIFF")


@pytest.mark.parametrize("fmt,ext", [("JPEG", ".jpg"), ("PNG", ".png"), ("GIF", ".gif"), ("WEBP", ".webp")])
def test_extension_of(fmt, ext):
    assert extension_of(encode(shapes(32, 32), fmt)) == ext


def test_extension_of_rejects_other_bytes():
    with pytest.raises(ValueError):
        extension_of(b"BM" + b"\0" * 40)
