"""Re-encode an accepted image from its pixels alone, so no EXIF, XMP, IPTC, ICC or comment survives.

ICC choice: :func:`crawler.images.decode.decode_image` already converted pixels from any embedded profile
to sRGB, the web's default colour space, so the profile is dropped and colours still display right.
"""

from __future__ import annotations

import io

from PIL import Image

#: Output container per decoded format (MPO keeps only its first picture, as a plain JPEG).
OUTPUT_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WEBP"}
EXTENSION = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
_METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop", "Raw profile type exif")


class StripError(RuntimeError):
    """The re-encoded image still carried metadata or could not be written; refuse it."""


def strip_metadata(image: Image.Image, fmt: str) -> bytes:
    """Encode ``image`` (mode L/RGB/RGBA) as ``fmt``'s output format with nothing but pixels."""
    out_fmt = OUTPUT_FORMAT.get(fmt)
    if out_fmt is None:
        raise StripError(f"no output format for {fmt!r}; expected one of {', '.join(OUTPUT_FORMAT)}")
    # A fresh image has an empty .info: Pillow's savers fall back to .info for ICC and comments.
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    if out_fmt == "JPEG" and bare.mode == "RGBA":
        bare = bare.convert("RGB")
    options = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}, "PNG": {}, "GIF": {}}[out_fmt]
    buf = io.BytesIO()
    try:
        bare.save(buf, out_fmt, **options)
    except Exception as exc:
        raise StripError(f"re-encoding as {out_fmt} failed: {type(exc).__name__}: {exc}") from exc
    data = buf.getvalue()
    _verify(data)
    return data


def _verify(data: bytes) -> None:
    """Re-open the output and make sure no metadata came along (belt and braces)."""
    with Image.open(io.BytesIO(data)) as check:
        left = [k for k in _METADATA_KEYS if check.info.get(k)]
        if len(check.getexif()):
            left.append("EXIF tags")
    if left:
        raise StripError(f"stripped image still carries {', '.join(left)}")


def extension_of(data: bytes) -> str:
    """File extension for stripped bytes, from their magic number."""
    if data.startswith(b"\xff\xd8\xff"):
        return EXTENSION["JPEG"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return EXTENSION["PNG"]
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return EXTENSION["GIF"]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return EXTENSION["WEBP"]
    raise ValueError("bytes are not a JPEG, PNG, GIF or WebP image")
