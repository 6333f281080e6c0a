"""Measure the personal-image check on a labelled folder (positives/, negatives/, MANIFEST.tsv).

Prints recall on faces, false refusals on non-faces, a threshold sweep, thumbnails (<= 96 px) separately,
median ms per image and images/s on one core for ~640 px JPEGs (decode included), cold start and peak RSS.
Usage: python benchmarks/faces.py --data ../shared/datasets/faces-dev [--cores 1]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

from crawler.images.check import PERSONAL_IMAGE, check_image
from crawler.images.faces import THRESHOLD, FaceDetector

THUMB = 96


def load_manifest(root: Path) -> list[tuple[str, bool, bytes]]:
    """(file, has_face, bytes) for each MANIFEST.tsv row; labels must be positive or negative."""
    rows = []
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["label"] not in ("positive", "negative"):
                sys.exit(f"MANIFEST.tsv: label {row['label']!r} for {row['file']} is not positive/negative")
            rows.append((row["file"], row["label"] == "positive", (root / row["file"]).read_bytes()))
    return rows


def longest_side(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as im:
        return max(im.size)


def resized_jpeg(data: bytes, side: int) -> bytes:
    """The image scaled so its longest side is ``side`` px, as a quality-90 JPEG."""
    with Image.open(io.BytesIO(data)) as im:
        im = im.convert("RGB")
        scale = side / max(im.size)
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90)
        return buf.getvalue()


def run(rows, detector) -> list[tuple[str, bool, bool, float, tuple[float, ...]]]:
    """(file, has_face, refused_as_personal, ms, face scores) per image, timing the whole check."""
    out = []
    for name, face, data in rows:
        t0 = time.perf_counter()
        v = check_image(data, detector=detector)
        ms = (time.perf_counter() - t0) * 1000
        out.append((name, face, v.reason == PERSONAL_IMAGE, ms, v.faces))
    return out


def rates(results) -> tuple[str, str]:
    pos = [r for r in results if r[1]]
    neg = [r for r in results if not r[1]]
    hit = sum(r[2] for r in pos)
    false = sum(r[2] for r in neg)
    return (f"{hit}/{len(pos)} = {hit / len(pos):.4f}" if pos else "n/a",
            f"{false}/{len(neg)} = {false / len(neg):.4f}" if neg else "n/a")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path, help="folder with positives/, negatives/, MANIFEST.tsv")
    ap.add_argument("--cores", type=int, default=1, help="CPU cores to use (default 1)")
    args = ap.parse_args(argv)
    if not (args.data / "MANIFEST.tsv").is_file():
        return f"{args.data}: no MANIFEST.tsv here; point --data at a folder laid out like faces-dev"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))
    import cv2

    cv2.setNumThreads(args.cores)
    t0 = time.perf_counter()
    detector = FaceDetector()
    cold = time.perf_counter() - t0
    if not detector.available:
        return f"face detector unavailable: {detector.error}"

    rows = load_manifest(args.data)
    sizes = {name: longest_side(data) for name, _, data in rows}
    run(rows[:5], detector)  # warm up
    results = run(rows, detector)
    big = [r for r in results if sizes[r[0]] > THUMB]
    small = [r for r in results if sizes[r[0]] <= THUMB]
    print(f"data: {args.data}  ({sum(r[1] for r in rows)} with faces, {sum(not r[1] for r in rows)} without)")
    print(f"detector: YuNet 2023mar via OpenCV {cv2.__version__}, threshold {THRESHOLD:.2f}, cores {args.cores}")
    recall, false = rates(results)
    print(f"all images       recall {recall}   false refusals {false}")
    recall, false = rates(big)
    print(f"  > {THUMB} px        recall {recall}   false refusals {false}")
    recall, false = rates(small)
    print(f"  <= {THUMB} px (set) recall {recall}   false refusals {false}")
    missed = [r[0] for r in results if r[1] and not r[2]]
    refused = [r[0] for r in results if not r[1] and r[2]]
    print(f"missed faces: {missed or 'none'}")
    print(f"refused non-faces: {refused or 'none'}")

    print("threshold sweep (best face score per image; tiles ran only where nothing reached the threshold):")
    best = [(r[1], r[4][0] if r[4] else 0.0) for r in results]
    for t in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9):
        pos = [s >= t for f, s in best if f]
        neg = [s >= t for f, s in best if not f]
        print(f"  {t:.2f}: recall {sum(pos) / len(pos):.4f}  false refusals {sum(neg) / len(neg):.4f}")

    thumbs = [(n, f, resized_jpeg(d, THUMB)) for n, f, d in rows if sizes[n] > THUMB]
    t_results = run(thumbs, detector)
    recall, false = rates(t_results)
    print(f"made thumbnails ({THUMB} px longest side, from the > {THUMB} px images): "
          f"recall {recall}   false refusals {false}   median {statistics.median(r[3] for r in t_results):.1f} ms")
    print(f"  missed in thumbnails: {[r[0] for r in t_results if r[1] and not r[2]] or 'none'}")

    print(f"median ms per image, whole check incl. decode (dataset as is): "
          f"{statistics.median(r[3] for r in results):.1f}")
    jpegs = [(n, f, resized_jpeg(d, 640)) for n, f, d in rows]
    start = time.perf_counter()
    j_results = run(jpegs, detector)
    elapsed = time.perf_counter() - start
    recall, false = rates(j_results)
    print(f"640 px JPEGs: {len(jpegs) / elapsed:.1f} images/s on {args.cores} core(s), "
          f"median {statistics.median(r[3] for r in j_results):.1f} ms, recall {recall}, false refusals {false}")
    print(f"cold start (model load): {cold * 1000:.0f} ms")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
