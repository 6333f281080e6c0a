"""Shared image fixtures for the tests/test_images_*.py files (no tests here).

Faces come from scikit-image's bundled data (astronaut, camera, lfw_subset); non-faces are drawn here.
"""

from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image, ImageDraw


def encode(image: Image.Image | np.ndarray, fmt: str = "JPEG", **options) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


@functools.cache
def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


@functools.cache
def camera() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.camera())


@functools.cache
def lfw() -> np.ndarray:
    """200 greyscale 25x25 crops: the first 100 are faces, the last 100 are not."""
    from skimage import data

    return (data.lfw_subset() * 255).astype(np.uint8)


def astronaut_face(size: int) -> Image.Image:
    """The astronaut's head and shoulders, scaled so the longest side is ``size`` px."""
    crop = astronaut().crop((140, 20, 260, 160))
    return crop.resize((size, round(size * 140 / 120)), Image.LANCZOS)


def gradient(w: int = 640, h: int = 480) -> Image.Image:
    x = np.linspace(0, 255, w, dtype=np.float32)
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    return Image.fromarray(np.stack([np.broadcast_to(x, (h, w)), np.broadcast_to(y, (h, w)),
                                     np.full((h, w), 90, np.float32)], axis=-1).astype(np.uint8))


def shapes(w: int = 640, h: int = 480) -> Image.Image:
    image = gradient(w, h)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 200, 160), fill=(200, 30, 30))
    draw.ellipse((300, 100, 460, 260), fill=(30, 160, 60), outline=(0, 0, 0), width=4)
    draw.polygon([(500, 400), (620, 300), (600, 460)], fill=(20, 20, 160))
    for i in range(8):
        draw.line((0, 300 + i * 20, w, 280 + i * 25), fill=(255, 255, 255), width=2)
    return image


def text_image(w: int = 640, h: int = 240) -> Image.Image:
    image = Image.new("RGB", (w, h), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(["Quarterly report 2026", "Revenue grew 12% year on year", "Figure 3: costs by region"]):
        draw.text((20, 20 + 50 * i), line, fill=(20, 20, 20), font_size=32)
    return image
