"""Faces that are not people: drawings, comics, flat vector art and CGI-like renders, made from a seed.

Used by the tests (a drawn face must be accepted) and by benchmarks/faces.py (hard negatives per class).
Every picture is a pure function of its seed, so the benchmark's split of them is stable.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SKIN = [(255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 134, 96), (141, 85, 54), (92, 57, 40),
        (255, 236, 220), (250, 210, 180)]
HAIR = [(20, 20, 20), (90, 50, 20), (200, 160, 60), (180, 60, 30), (60, 60, 200), (230, 120, 180), (240, 240, 240)]
BG = [(250, 250, 250), (200, 230, 250), (255, 240, 200), (220, 250, 220), (60, 60, 90), (250, 200, 200)]


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _face(draw: ImageDraw.ImageDraw, rng: np.random.Generator, cx: float, cy: float, r: float, style: str) -> None:
    """One drawn face centred at (cx, cy), head radius r, in ``style`` (flat, anime, comic, sketch, emoji, mask)."""
    line = (0, 0, 0) if style in ("comic", "sketch", "anime") else None
    width = max(1, int(r / (12 if style == "comic" else 40)))
    skin = (255, 205, 40) if style == "emoji" else (255, 255, 255) if style == "sketch" else _pick(rng, SKIN)
    hair = _pick(rng, HAIR)
    jaw = r * float(rng.uniform(1.0, 1.25))
    if style not in ("emoji", "sketch"):
        draw.ellipse((cx - r * 1.08, cy - r * 1.15, cx + r * 1.08, cy + r * 0.3), fill=hair)  # hair behind
        draw.rectangle((cx - r * 0.35, cy + jaw * 0.8, cx + r * 0.35, cy + jaw * 1.4),
                       fill=skin, outline=line, width=width)
    if style == "anime":  # pointed chin
        draw.polygon([(cx - r, cy - r * 0.2), (cx + r, cy - r * 0.2), (cx + r * 0.8, cy + jaw * 0.5),
                      (cx, cy + jaw), (cx - r * 0.8, cy + jaw * 0.5)], fill=skin, outline=line)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r * 0.6), fill=skin)
    else:
        draw.ellipse((cx - r, cy - r, cx + r, cy + jaw), fill=skin, outline=line, width=width)
    if style not in ("emoji", "sketch"):  # fringe
        for i in range(int(rng.integers(3, 7))):
            x = cx - r + 2 * r * i / 5
            draw.polygon([(x - r * 0.3, cy - r * 1.1), (x + r * 0.4, cy - r * 1.1), (x + r * 0.1, cy - r * 0.35)],
                         fill=hair)
    ey, ex = cy + r * float(rng.uniform(-0.05, 0.15)), r * float(rng.uniform(0.33, 0.45))
    big = style == "anime"
    for side in (-1, 1):
        x = cx + side * ex
        if big:
            iris = _pick(rng, [(40, 90, 200), (120, 60, 20), (30, 150, 90), (160, 40, 160)])
            draw.ellipse((x - r * 0.2, ey - r * 0.28, x + r * 0.2, ey + r * 0.22),
                         fill=(255, 255, 255), outline=line, width=width)
            draw.ellipse((x - r * 0.15, ey - r * 0.2, x + r * 0.15, ey + r * 0.2), fill=iris)
            draw.ellipse((x - r * 0.07, ey - r * 0.08, x + r * 0.07, ey + r * 0.12), fill=(10, 10, 10))
            draw.ellipse((x - r * 0.1, ey - r * 0.15, x - r * 0.02, ey - r * 0.05), fill=(255, 255, 255))
        else:
            er = r * float(rng.uniform(0.07, 0.14))
            if style in ("comic", "flat", "mask"):
                draw.ellipse((x - er * 1.6, ey - er, x + er * 1.6, ey + er),
                             fill=(255, 255, 255), outline=line, width=width)
            draw.ellipse((x - er, ey - er, x + er, ey + er), fill=(20, 20, 20))
        by = ey - r * float(rng.uniform(0.22, 0.35))
        if style != "emoji":
            draw.line((x - r * 0.18, by + side * r * 0.02, x + r * 0.18, by - side * r * 0.02),
                      fill=hair if style != "sketch" else (0, 0, 0), width=max(1, int(r / 15)))
    ny = cy + r * 0.4
    if style not in ("emoji",):
        draw.line((cx, ey + r * 0.1, cx - r * 0.06, ny, cx + r * 0.04, ny),
                  fill=(120, 70, 50) if line is None else line, width=max(1, int(r / 30)))
    my = cy + r * float(rng.uniform(0.6, 0.75))
    mw = r * float(rng.uniform(0.2, 0.4))
    if style == "mask":
        blue = _pick(rng, [(170, 210, 240), (240, 240, 240), (90, 110, 160), (30, 30, 30)])
        draw.rounded_rectangle((cx - r * 0.75, ey + r * 0.25, cx + r * 0.75, cy + jaw * 0.95),
                               radius=int(r * 0.25), fill=blue)
        for k in (0.45, 0.6, 0.75):
            draw.line((cx - r * 0.6, cy + r * k, cx + r * 0.6, cy + r * k),
                      fill=tuple(int(c * 0.85) for c in blue), width=max(1, int(r / 30)))
        for side in (-1, 1):
            draw.line((cx + side * r * 0.75, ey + r * 0.35, cx + side * r * 1.0, ey),
                      fill=(230, 230, 230), width=max(1, int(r / 25)))
    else:
        draw.arc((cx - mw, my - mw * 0.6, cx + mw, my + mw * 0.6), 10, 170,
                 fill=(150, 30, 40) if line is None else line, width=max(1, int(r / 20)))
    if style in ("flat", "anime") and rng.random() < 0.6:  # blush
        for side in (-1, 1):
            x = cx + side * ex * 1.2
            draw.ellipse((x - r * 0.12, ey + r * 0.3, x + r * 0.12, ey + r * 0.4), fill=(250, 150, 150))


def drawing(seed: int, style: str | None = None, size: int = 512) -> Image.Image:
    """A drawn picture of one to four faces: flat vector, anime, comic, sketch, emoji or masked faces."""
    rng = np.random.default_rng(seed)
    style = style or _pick(rng, ["flat", "anime", "comic", "sketch", "emoji", "mask"])
    w, h = size, int(size * float(rng.uniform(0.6, 1.0)))
    bg = (245, 240, 225) if style == "sketch" else _pick(rng, BG)
    image = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(image)
    n = int(rng.integers(1, 5))
    for i in range(n):
        r = min(w / (2.6 * n), h / 3.2) * float(rng.uniform(0.75, 1.0))
        cx = w * (i + 0.5) / n + float(rng.uniform(-0.05, 0.05)) * w / n
        cy = h * float(rng.uniform(0.38, 0.5))
        if style != "emoji":  # shoulders
            draw.ellipse((cx - r * 1.6, cy + r * 1.5, cx + r * 1.6, cy + r * 3.5),
                         fill=_pick(rng, HAIR[1:] + [(40, 120, 60)]),
                         outline=(0, 0, 0) if style in ("comic", "sketch") else None, width=max(1, int(r / 12)))
        _face(draw, rng, cx, cy, r, style)
    if style == "comic":  # halftone dots and a panel border
        dots = Image.new("L", (w, h), 0)
        dd = ImageDraw.Draw(dots)
        step = max(4, w // 90)
        for y in range(0, h, step):
            for x in range((y // step) % 2 * step // 2, w, step):
                dd.ellipse((x, y, x + step * 0.35, y + step * 0.35), fill=60)
        image = Image.composite(Image.new("RGB", (w, h), (0, 0, 0)), image, dots)
        ImageDraw.Draw(image).rectangle((2, 2, w - 3, h - 3), outline=(0, 0, 0), width=max(2, w // 100))
    if style == "sketch":
        edges = ImageFilter.FIND_EDGES if rng.random() < 0.3 else ImageFilter.SMOOTH
        image = image.convert("L").filter(edges).convert("RGB")
    return image


def render(seed: int, size: int = 384) -> Image.Image:
    """A CGI-like head: ray-cast ellipsoids (head, eyes, nose, mouth, hair) with Phong shading, no camera noise."""
    rng = np.random.default_rng(seed)
    h, w = size, int(size * float(rng.uniform(0.8, 1.3)))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (xs - w / 2) / (h / 2), (ys - h / 2) / (h / 2)
    skin = np.array(_pick(rng, SKIN + [(120, 200, 120), (150, 150, 255), (200, 200, 210)]), np.float32) / 255
    turn = float(rng.uniform(-0.3, 0.3))
    hr = float(rng.uniform(0.5, 0.7))
    iris = np.array(_pick(rng, [(0.1, 0.3, 0.7), (0.3, 0.15, 0.05), (0.05, 0.05, 0.05)]))
    parts = [  # centre (x, y, z), radii, colour
        ((0, 0, 0), (hr * 0.85, hr, hr * 0.9), skin),
        ((-0.35 * hr + turn * hr, -0.12 * hr, 0.75 * hr), (0.16 * hr,) * 3, np.array([0.95, 0.95, 0.95])),
        ((0.35 * hr + turn * hr, -0.12 * hr, 0.75 * hr), (0.16 * hr,) * 3, np.array([0.95, 0.95, 0.95])),
        ((-0.35 * hr + turn * hr * 1.2, -0.12 * hr, 0.89 * hr), (0.07 * hr,) * 3, iris),
        ((0.35 * hr + turn * hr * 1.2, -0.12 * hr, 0.89 * hr), (0.07 * hr,) * 3, np.array([0.05, 0.05, 0.05])),
        ((turn * hr, 0.15 * hr, 0.9 * hr), (0.1 * hr, 0.16 * hr, 0.12 * hr), skin * 0.95),
        ((turn * hr, 0.5 * hr, 0.75 * hr), (0.25 * hr, 0.06 * hr, 0.1 * hr), np.array([0.6, 0.2, 0.25])),
        ((0, -0.55 * hr, -0.1 * hr), (hr * 0.95, hr * 0.6, hr * 0.95), np.array(_pick(rng, HAIR), np.float32) / 255),
    ]
    top = float(rng.uniform(-0.2, 0.3))
    bgc = np.array(_pick(rng, BG), np.float32) / 255
    img = np.broadcast_to(bgc * (0.7 + 0.3 * (1 - (v[..., None] + 1) / 2)), (h, w, 3)).copy()
    depth = np.full((h, w), -np.inf, np.float32)
    light = np.array([-0.4, -0.6, 0.7], np.float32)
    light /= np.linalg.norm(light)
    for (px, py, pz), (rx, ry, rz), col in parts:
        dx, dy = (u - px) / rx, (v - (py + top)) / ry
        q = 1 - dx * dx - dy * dy
        inside = q > 0
        z = pz + rz * np.sqrt(np.where(inside, q, 0))
        hit = inside & (z > depth)
        n = np.stack([dx / rx, dy / ry, np.sqrt(np.where(inside, q, 0)) / rz], -1)
        n /= np.linalg.norm(n, axis=-1, keepdims=True) + 1e-6
        lam = np.clip(n @ light, 0, 1)[..., None]
        spec = np.clip(n @ np.array([0, 0, 1.0], np.float32), 0, 1)[..., None] ** 30 * 0.4
        shade = np.clip(col * (0.25 + 0.75 * lam) + spec, 0, 1)
        img[hit] = shade[hit]
        depth[hit] = z[hit]
    return Image.fromarray((img * 255).astype(np.uint8))
