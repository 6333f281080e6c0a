"""People's photos re-drawn: cel-shaded, stylised, pencil, line art and flat-fill traces of the same faces.

Negatives for benchmarks/faces_train.py with human geometry: a drawn copy of a licensed photo differs from
the photo only in how it is rendered, so the photo check must learn the rendering, not "grey vs colour".
"""

from __future__ import annotations

import numpy as np
from PIL import Image

STYLES = ("cartoon", "stylize", "pencil", "lineart", "flatfill")
#: Flat-fill colours drawn vector art uses (skin, hair, clothes, backgrounds).
PALETTE = np.array([(255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 134, 96), (141, 85, 54), (92, 57, 40),
                    (20, 20, 20), (90, 50, 20), (200, 160, 60), (180, 60, 30), (60, 60, 200), (230, 120, 180),
                    (250, 250, 250), (200, 230, 250), (255, 240, 200), (120, 200, 120), (60, 60, 90), (250, 200, 200)],
                   np.uint8)


def _quantise(rgb: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k-means colours of ``rgb``: the label of each pixel and the k centres."""
    import cv2

    px = rgb.reshape(-1, 3).astype(np.float32)
    sample = px[rng.choice(len(px), min(len(px), 4000), replace=False)]
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, _, centres = cv2.kmeans(sample, k, None, crit, 1, cv2.KMEANS_PP_CENTERS)
    labels = np.argmin(((px[:, None, :] - centres[None]) ** 2).sum(-1), 1)
    return labels.reshape(rgb.shape[:2]), centres


def _ink(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dark outlines (True where ink) from the edges of a smoothed grey image."""
    import cv2

    blur = cv2.medianBlur(grey, 5 if rng.random() < 0.5 else 7)
    if rng.random() < 0.5:
        block = int(rng.choice([7, 9, 11, 15]))
        return cv2.adaptiveThreshold(blur, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 2) == 0
    edges = cv2.Canny(blur, 40, 120) > 0
    if rng.random() < 0.6:
        edges = cv2.dilate(edges.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
    return edges


def _label_edges(labels: np.ndarray) -> np.ndarray:
    """Boundaries between flat regions of a label map."""
    e = np.zeros(labels.shape, bool)
    e[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    e[1:, :] |= labels[1:, :] != labels[:-1, :]
    return e


def redraw(image: Image.Image, style: str, rng: np.random.Generator) -> Image.Image:
    """``image`` (a photo of people) rendered as a drawing in ``style`` (one of STYLES)."""
    import cv2

    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    side = max(rgb.shape[:2])
    if side < 160:  # draw small crops at a drawing's size, not a thumbnail's
        s = int(rng.integers(160, 320)) / side
        rgb = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    ink_colour = np.array((0, 0, 0) if rng.random() < 0.7 else tuple(int(v) for v in rng.integers(20, 90, 3)), np.uint8)
    if style == "cartoon":
        smooth = rgb
        for _ in range(int(rng.integers(2, 7))):
            smooth = cv2.bilateralFilter(smooth, 9, float(rng.uniform(40, 120)), float(rng.uniform(5, 15)))
        labels, centres = _quantise(smooth, int(rng.integers(4, 13)), rng)
        out = centres.astype(np.uint8)[labels]
        if rng.random() < 0.85:
            out[_ink(grey, rng)] = ink_colour
    elif style == "stylize":
        out = cv2.stylization(rgb, sigma_s=float(rng.uniform(30, 120)), sigma_r=float(rng.uniform(0.2, 0.6)))
        if rng.random() < 0.5:
            out[_ink(grey, rng)] = ink_colour
    elif style == "pencil":
        g, c = cv2.pencilSketch(rgb, sigma_s=float(rng.uniform(30, 90)), sigma_r=float(rng.uniform(0.05, 0.15)),
                                shade_factor=float(rng.uniform(0.02, 0.08)))
        out = c if rng.random() < 0.4 else cv2.cvtColor(g, cv2.COLOR_GRAY2RGB)
    elif style == "lineart":
        out = np.full_like(rgb, 255 if rng.random() < 0.8 else int(rng.integers(200, 255)))
        out[_ink(grey, rng)] = ink_colour
    else:  # flatfill: a few flat regions in illustration colours, outlined
        smooth = cv2.medianBlur(cv2.bilateralFilter(rgb, 9, 80, 10), int(rng.choice([5, 7, 9])))
        labels, centres = _quantise(smooth, int(rng.integers(3, 9)), rng)
        if rng.random() < 0.6:  # recolour each region with the nearest-by-lightness palette colour
            order = np.argsort(centres.sum(1))
            pick = PALETTE[np.sort(rng.choice(len(PALETTE), len(centres), replace=False))]
            pick = pick[np.argsort(pick.astype(int).sum(1))]
            colours = np.empty_like(pick)
            colours[order] = pick
        else:
            colours = centres.astype(np.uint8)
        out = colours[labels]
        if rng.random() < 0.8:
            edges = _label_edges(labels)
            if rng.random() < 0.5:
                edges = cv2.dilate(edges.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
            out[edges] = ink_colour
    if rng.random() < 0.3:
        out = cv2.cvtColor(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return Image.fromarray(np.ascontiguousarray(out))
