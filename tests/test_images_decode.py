"""decode_image: caps, bomb guard, format allow-list, broken input, normalisation."""

from __future__ import annotations

import functools
import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageCms

from crawler.images.decode import MAX_PIXELS, Decoded, DecodeFailure, decode_image
from tests.test_images_support import encode, gradient, shapes


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_allowed_formats_decode_to_rgb(fmt):
    result = decode_image(encode(shapes(), fmt))
    assert isinstance(result, Decoded)
    assert result.format == fmt and result.image.mode == "RGB" and result.image.size == (640, 480)


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "ICO", "PPM"])
def test_other_formats_are_refused(fmt):
    result = decode_image(encode(shapes(64, 48), fmt))
    assert result == DecodeFailure("undecodable", "not a JPEG/PNG/GIF/WEBP image")


def test_byte_cap():
    data = encode(gradient(), "PNG")
    result = decode_image(data, max_bytes=len(data) - 1)
    assert isinstance(result, DecodeFailure) and result.reason == "too-large"
    assert isinstance(decode_image(data, max_bytes=len(data)), Decoded)


def test_pixel_cap_refuses_before_decoding():
    data = encode(Image.new("L", (8000, 6000)), "PNG")  # 48 Mpx in ~50 kB
    assert len(data) < 100_000
    result = decode_image(data)
    assert result.reason == "too-large" and "8000x6000" in result.detail
    assert decode_image(encode(Image.new("L", (300, 200)), "PNG"), max_pixels=300 * 200 - 1).reason == "too-large"
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize("side", [10_000, 14_000])
@pytest.mark.parametrize("warning_filter", ["error", "ignore"])
def test_pillow_decompression_bomb_is_a_refusal_not_a_crash(side, warning_filter):
    # Beyond Pillow's own limits (a warning above ~89 Mpx, an error above twice that), even when a
    # caller raises our pixel cap: both become refusals, whatever the process does with warnings.
    data = bomb(side)
    with warnings.catch_warnings():
        warnings.simplefilter(warning_filter)
        result = decode_image(data, max_pixels=10**9)
    assert isinstance(result, DecodeFailure) and result.reason == "too-large", result


@functools.cache
def bomb(side: int) -> bytes:
    return encode(Image.new("1", (side, side)), "PNG")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_truncated_input_is_undecodable(fmt):
    data = encode(Image.fromarray((np.random.default_rng(1).random((300, 400, 3)) * 255).astype(np.uint8)), fmt)
    result = decode_image(data[: len(data) // 2])
    assert isinstance(result, DecodeFailure) and result.reason == "undecodable"


@pytest.mark.parametrize("data", [b"", b"garbage", b"\xff\xd8\xff\xe0" + b"\0" * 50, b"\x89PNG\r\n\x1a\n" + b"\xff" * 40,
                                  b"GIF89a\xff\xff\xff\xff" + b"\0" * 20, b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 20])
def test_hostile_headers_are_undecodable(data):
    result = decode_image(data)
    assert isinstance(result, DecodeFailure) and result.reason in ("undecodable", "too-large")


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    result = decode_image(encode(image, "JPEG", exif=exif))
    assert result.image.size == (20, 40)


def test_hidden_pixels_under_full_transparency_are_blanked():
    rgba = np.zeros((50, 60, 4), np.uint8)
    rgba[..., :3] = 200  # colour under alpha 0: invisible but present in the file
    rgba[10:20, 10:20, 3] = 255
    result = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    out = np.asarray(result.image)
    assert result.image.mode == "RGBA"
    assert (out[..., :3][out[..., 3] == 0] == 0).all()
    assert (out[10:20, 10:20, :3] == 200).all()


def test_animated_gif_keeps_first_frame_only():
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    result = decode_image(buf.getvalue())
    assert result.image.getpixel((5, 5))[:3] == (255, 0, 0)


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    ramp = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)
    result = decode_image(encode(Image.fromarray(ramp), "PNG"))
    assert result.image.mode == "L"
    lo, hi = result.image.getextrema()
    assert lo == 0 and 200 < hi < 256


def test_icc_profile_converted_to_srgb():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = decode_image(encode(gradient(64, 48), "JPEG", icc_profile=profile))
    assert result.image.mode == "RGB" and result.source.info.get("icc_profile") == profile
    bad = decode_image(encode(gradient(64, 48), "PNG", icc_profile=b"not a profile"))
    assert isinstance(bad, Decoded)  # a broken profile is dropped, not fatal
