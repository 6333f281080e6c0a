"""Fit crawler/images/photo_weights.json: which YuNet face candidates are photographed people's faces.

Trained on licensed images that registry packages ship, never on ../shared data:
- people: scikit-image's astronaut, camera and lfw_subset face crops (only those on the dev side of
  faces_data's split, so the benchmark's held-out made images stay unseen) and matplotlib's grace_hopper,
  each also in many degraded copies (scaled 48-640 px, rotated up to 45 degrees, grey, posterised, quantised,
  blurred, JPEG 10-95);
- not people: scikit-image's lfw_subset non-faces, drawings and renders from tests/drawn_faces.py with seeds
  the benchmark never uses, with --styles the same people redrawn as drawings (faces_styles.py), and with
  --art DIR the dev two thirds (faces_data.art_split) of the illustrations Debian ships: openclipart-png (public domain), wesnoth-1.16-data's portraits (GPL-2+), emoji from
  fonts-noto-color-emoji (OFL-1.1);
- with --extra DIR (benchmarks/faces_fetch.py), the dev side (faces_data.extra_split) of faces_extra.tsv's
  images whose rights column is ``pkg`` (the package's licence covers them): people's faces, also degraded,
  and animals, drawings and renders. Rows marked ``third-party`` (photos of unstated origin inside packages) are
  for measuring only; --third-party adds them too, for experiments whose weights must not ship (faces_findings.md).
  Unpack the --art packages with
  ``apt-get download openclipart-png wesnoth-1.16-data fonts-noto-color-emoji`` and ``dpkg-deb -x X.deb DIR``.
  The shipped weights were fitted without --art: with it, real faces on faces-dev fell below any threshold
  that sets the illustrations aside (benchmarks/faces_findings.md).
Every face candidate YuNet finds (>= 0.6 on people, >= 0.3 on the rest) gives one example; the model is a
logistic regression on PhotoCheck.features (L2, people weighted 3x). The threshold is chosen on the dev split by
benchmarks/faces.py --photo-threshold and written here with --threshold.
The shipped weights were fitted without --styles too: redrawn people bought too little (faces_findings.md).
Usage: python benchmarks/faces_train.py [--art DIR] [--extra DIR [--third-party] [--extra-people-only]]
       [--styles flatfill,lineart] [--people-weight 3] [--l2 0.01] [--threshold 0.03] [--write | --out FILE]
       (~2 min on one core)
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.faces_data import art, art_split, extra, extra_split, made, split
from benchmarks.faces_styles import STYLES, redraw
from crawler.images.faces import FaceDetector, _rgb, find_model
from crawler.images.photo import WEIGHTS_FILE, PhotoCheck
from tests.drawn_faces import drawing, render

LAYERS = ["onnx_node!Relu_24", "onnx_node!Relu_31", "onnx_node!Relu_38", "onnx_node!Relu_47"]
SIZE, EXPAND = 128, 1.6
L2, PEOPLE_WEIGHT = 0.01, 3.0


def degraded(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A random copy of a photo, changed the ways the web changes pictures."""
    image = image.convert("RGB")
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    if rng.random() < 0.5:
        fill = tuple(int(v) for v in rng.integers(0, 255, 3))
        image = image.rotate(float(rng.uniform(-45, 45)), Image.BICUBIC, expand=True, fillcolor=fill)
    side = int(rng.choice([48, 64, 80, 96, 128, 200, 320, 480, 640]))
    s = side / max(image.size)
    image = image.resize((max(8, round(image.width * s)), max(8, round(image.height * s))), Image.LANCZOS)
    k = rng.random()
    if k < 0.2:
        image = image.convert("L").convert("RGB")
    elif k < 0.3:
        image = ImageOps.posterize(image, int(rng.integers(2, 5)))
    elif k < 0.4:
        dither = Image.Dither.FLOYDSTEINBERG if rng.random() < 0.5 else Image.Dither.NONE
        image = image.quantize(int(rng.choice([6, 16, 64])), dither=dither).convert("RGB")
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 2))))
    for enhance in (ImageEnhance.Contrast, ImageEnhance.Brightness):
        if rng.random() < 0.3:
            image = enhance(image).enhance(float(rng.uniform(0.5, 1.5)))
    if rng.random() < 0.3:
        image = ImageEnhance.Color(image).enhance(float(rng.uniform(0, 1.8)))
    if rng.random() < 0.5:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=int(rng.integers(10, 95)))
        image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return image


def examples(art_root: Path | None, detector: FaceDetector, extra_root: Path | None = None,
             styles: tuple[str, ...] = (), third_party: bool = False,
             extra_people_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels (1 = a person's face) for every candidate in the training images."""
    from skimage import data as sk

    rng = np.random.default_rng(0)
    blank = {"layers": LAYERS, "size": SIZE, "expand": EXPAND, "threshold": 0.0, "bias": 0.0,
             **{k: [1.0 if k == "scale" else 0.0] * (128 * len(LAYERS)) for k in ("mean", "scale", "weights")}}
    photo = PhotoCheck(np.frombuffer(find_model().read_bytes(), np.uint8), blank)
    rows: list[np.ndarray] = []
    labels: list[int] = []

    def add(image: Image.Image, label: int) -> None:
        rgb = _rgb(image.convert("RGB"))
        for c in detector.candidates(image):
            if c[4] >= (0.6 if label else 0.3):
                rows.append(photo.features(rgb, c))
                labels.append(label)

    held = {group for group, side in split(made()).items() if side == "held-out"}
    people = [(n, Image.fromarray(getattr(sk, n)())) for n in ("astronaut", "camera") if f"made/{n}" not in held]
    try:
        from matplotlib import cbook

        people.append(("hopper", Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))))
    except ImportError:
        print("matplotlib not installed: training without grace_hopper.jpg", file=sys.stderr)
    lfw = (sk.lfw_subset() * 255).astype(np.uint8)
    people += [(f"lfw{i:03d}", Image.fromarray(lfw[i])) for i in range(100) if f"made/lfw{i:03d}" not in held]
    for name, image in people:
        add(image, 1)
        for _ in range(12 if name.startswith("lfw") else 60):
            add(degraded(image, rng), 1)
    for i in range(100, 200):
        if f"made/lfw{i:03d}" not in held:
            for _ in range(3):
                add(degraded(Image.fromarray(lfw[i]), rng), 0)
    for seed in range(1000, 1400):
        add(drawing(seed), 0)
        if seed % 3 == 0:
            add(degraded(drawing(seed), rng), 0)
    for seed in range(1000, 1200):
        add(render(seed), 0)
        if seed % 3 == 0:
            add(degraded(render(seed), rng), 0)
    style_rng = np.random.default_rng(7)  # its own stream, so the examples above stay as they were
    for name, image in people if styles else ():
        for k in range(6 if name.startswith("lfw") else 40):
            drawn = redraw(image, styles[k % len(styles)], style_rng)
            add(drawn if style_rng.random() < 0.3 else degraded(drawn, style_rng), 0)
    if art_root is not None:
        for item in art(art_root):
            if art_split(item) == "dev":
                image = Image.open(io.BytesIO(item.data))
                add(image.convert("RGBA") if image.mode in ("P", "LA", "RGBA") else image, 0)
    if extra_root is not None:
        for item in extra(extra_root):
            if extra_split(item) != "dev" or extra_people_only and not item.face:
                continue
            if item.rights == "pkg" or third_party and item.rights == "third-party":
                image = Image.open(io.BytesIO(item.data))
                image = image.convert("RGBA") if image.mode in ("P", "LA", "RGBA") else image.convert("RGB")
                add(image, int(item.face))
                for _ in range(12 if item.face else 1):
                    add(degraded(image, rng), int(item.face))
    print(f"{sum(labels)} people's faces, {len(labels) - sum(labels)} others", file=sys.stderr)
    return np.array(rows), np.array(labels, float)


def fit(x: np.ndarray, y: np.ndarray, iters: int = 3000, rate: float = 0.5, l2: float | None = None,
        people_weight: float | None = None) -> dict:
    """L2-regularised logistic regression by gradient descent on standardised features."""
    l2 = L2 if l2 is None else l2
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    weight = np.where(y == 1, PEOPLE_WEIGHT if people_weight is None else people_weight, 1.0)
    weight /= weight.mean()
    for _ in range(iters):
        g = (1 / (1 + np.exp(-(z @ w + b))) - y) * weight
        w -= rate * (z.T @ g / len(y) + l2 * w)
        b -= rate * g.mean()
    return {"mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "weights": w.round(6).tolist(),
            "bias": round(b, 6)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--art", type=Path, help="folder with the Debian packages unpacked (see above)")
    ap.add_argument("--extra", type=Path, help="folder made by benchmarks/faces_fetch.py (see above)")
    ap.add_argument("--styles", default="", help=f"comma-separated, of {', '.join(STYLES)}: redrawn people as non-people")
    ap.add_argument("--third-party", action="store_true",
                    help="with --extra, also its third-party rows (measure only: do not ship such weights)")
    ap.add_argument("--extra-people-only", action="store_true", help="from --extra, train on people's faces only")
    ap.add_argument("--people-weight", type=float, default=PEOPLE_WEIGHT, help="weight of people's faces in the fit")
    ap.add_argument("--l2", type=float, default=L2, help="L2 strength on the standardised weights")
    ap.add_argument("--threshold", type=float, default=0.03, help="P(person) below which a face is set aside")
    ap.add_argument("--write", action="store_true", help=f"write {WEIGHTS_FILE.name} (else print a summary)")
    ap.add_argument("--out", type=Path, help=f"write the weights to this file instead of {WEIGHTS_FILE.name}")
    args = ap.parse_args()
    import cv2

    cv2.setNumThreads(1)
    detector = FaceDetector()
    if not detector.available:
        return print(detector.error, file=sys.stderr) or 1
    styles = tuple(s for s in args.styles.split(",") if s)
    if unknown := set(styles) - set(STYLES):
        return print(f"unknown style(s): {', '.join(sorted(unknown))}", file=sys.stderr) or 1
    if args.third_party and (args.extra is None or args.write or args.out and args.out.resolve() == WEIGHTS_FILE.resolve()):
        return print("--third-party needs --extra DIR and cannot --write: such weights are not to ship",
                     file=sys.stderr) or 1
    x, y = examples(args.art, detector, args.extra, styles, args.third_party, args.extra_people_only)
    spec = {"layers": LAYERS, "size": SIZE, "expand": EXPAND, "threshold": args.threshold,
            **fit(x, y, l2=args.l2, people_weight=args.people_weight),
            "trained_on": f"{int(y.sum())} people's face candidates, {int(len(y) - y.sum())} others; "
                          "see benchmarks/faces_train.py"}
    if args.write or args.out:
        (args.out or WEIGHTS_FILE).write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    print(spec["trained_on"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
