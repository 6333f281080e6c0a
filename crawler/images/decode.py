"""Decode untrusted image bytes with Pillow, refusing oversized, bomb-like, unsupported or broken input."""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

# Our own pixel cap refuses every image Pillow would warn about, and says so in the audit log: its warning
# would only repeat that on the console. Its plugins' DEBUG lines (TIFF tags of every EXIF block) are noise.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
logging.getLogger("PIL").setLevel(logging.INFO)

#: Largest encoded image accepted, in bytes (the crawler's download cap should match).
MAX_BYTES = 20 * 1024 * 1024
#: Largest decoded frame accepted, in pixels (Pillow's own bomb limit is ~89 Mpx; we stay well below).
MAX_PIXELS = 40_000_000
#: Formats we decode; anything else (TIFF, PSD, EPS, ...) is refused unopened. Pillow's JPEG
#: plugin itself turns multi-picture JPEGs into MPO, of which we keep the first picture.
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")

_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Decoded:
    """An upright, fully loaded first frame in mode L, RGB or RGBA, plus what was read around it."""

    image: Image.Image
    format: str  # one of ALLOWED_FORMATS, or MPO
    source: Image.Image  # the opened file, kept only for its metadata (info, EXIF, XMP)


@dataclass(frozen=True)
class DecodeFailure:
    """Why bytes could not be decoded; ``reason`` is ``too-large`` or ``undecodable``."""

    reason: str
    detail: str


def decode_image(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Decoded | DecodeFailure:
    """Decode ``data``; never raises for bad input, returns a :class:`DecodeFailure` instead."""
    if len(data) > max_bytes:
        return DecodeFailure("too-large", f"{len(data)} bytes exceeds the {max_bytes}-byte cap")
    # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that. Our cap never exceeds its warning
    # level, so a warning is always followed by our own refusal; under "-W error" it is caught below.
    # (No warnings.catch_warnings(): it is not thread-safe.)
    max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    try:
        src = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return DecodeFailure("too-large", f"decompression bomb: {exc}")
    except Image.UnidentifiedImageError:
        return DecodeFailure("undecodable", f"not a {'/'.join(ALLOWED_FORMATS)} image")
    except Exception as exc:  # hostile headers make plugins raise anything
        return DecodeFailure("undecodable", f"unreadable header: {type(exc).__name__}: {exc}")
    width, height = src.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        return DecodeFailure("too-large", f"{width}x{height} pixels exceeds the {max_pixels}-pixel cap")
    try:
        src.seek(0)  # animated GIF/WebP and MPO: only the first frame is checked and kept
        src.load()
        image = _normalise(src)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return DecodeFailure("too-large", f"decompression bomb: {exc}")
    except Exception as exc:  # truncated data, corrupt chunks, oversized text chunks...
        return DecodeFailure("undecodable", f"{src.format} data is broken: {type(exc).__name__}: {exc}")
    return Decoded(image=image, format=src.format or "", source=src)


def _normalise(src: Image.Image) -> Image.Image:
    """Upright (EXIF orientation applied), in sRGB, mode L/RGB/RGBA, hidden pixels blanked."""
    image = ImageOps.exif_transpose(src) or src
    if image.mode.startswith("I"):  # 16-bit greyscale PNG: scale down instead of clipping to white
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode == "LA" or image.mode == "PA":
        image = image.convert("RGBA")
    icc = src.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        image = _to_srgb(image, icc)
    if image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")
    if image.mode == "RGBA":
        image = _blank_hidden(image)
    return image


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert through the embedded profile so the profile itself can be dropped; plain convert if it is bad."""
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        src_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, src_profile, _SRGB, outputMode=out_mode)
        assert converted is not None  # None only with inPlace=True
        return converted
    except Exception:
        return image.convert(out_mode)


def _blank_hidden(image: Image.Image) -> Image.Image:
    """Zero the colour under fully transparent pixels: what is stored must be what was checked."""
    alpha = image.getchannel("A")
    lowest = alpha.getextrema()[0]  # one band: (min, max)
    assert not isinstance(lowest, tuple)
    if lowest > 0:
        return image
    black = Image.new("RGBA", image.size, (0, 0, 0, 0))
    mask = alpha.point(lambda a: 255 if a else 0)
    return Image.composite(image, black, mask)
