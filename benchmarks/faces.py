"""Measure the personal-image check per class, on the dev split and the held-out split, and its speed.

Data: images made here from scikit-image's data and drawings (always), plus ../shared/datasets/faces-dev
when given (--data), split as pinned in benchmarks/faces_split.tsv, plus illustrations Debian ships when
given (--art, see benchmarks/faces_train.py; every third by name is held out), plus photos, animals, drawings
and renders from registry packages when given (--extra DIR from benchmarks/faces_fetch.py, labelled in
faces_extra.tsv; every third group by hash is held out). Prints recall on faces and false
refusals on non-faces per class (photo, small <= 96 px, drawing, cgi, animal; photo-stressed = faces-dev's
face photos as GIF, posterised, six flat colours, JPEG q12, blurred grey, rotated 35 degrees, and small
inside a large picture), then images/s on one core for ~640 px JPEGs
(decode included), with the time split into decode, metadata, detector and strip.
Usage: python benchmarks/faces.py [--data ../shared/datasets/faces-dev] [--art DIR] [--extra DIR] [--cores 1] [--list-errors]
       [--photo-threshold P] (try another photo-check threshold; the shipped one is in photo_weights.json)
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere: find tests/, benchmarks/
from benchmarks.faces_data import CLASSES, Item, encode, load, scaled
from crawler.images.check import PERSONAL_IMAGE, check_image
from crawler.images.decode import decode_image
from crawler.images.faces import THRESHOLD, FaceDetector, _rgb
from crawler.images.metadata import read_metadata
from crawler.images.strip import strip_metadata

SPLITS = ("dev", "held-out")


def judge(items: list[tuple[Item, str]], detector: FaceDetector) -> list[tuple[Item, str, bool, float]]:
    """(item, split, refused as personal, CPU seconds) for each item."""
    out = []
    for item, side in items:
        t0 = time.thread_time()
        verdict = check_image(item.data, detector=detector)
        out.append((item, side, verdict.reason == PERSONAL_IMAGE, time.thread_time() - t0))
    return out


def cell(hits: int, n: int) -> str:
    return f"{hits:>3}/{n:<3} {hits / n:.3f}" if n else f"{'-':>13}"


def table(results, source: str) -> None:
    """Recall and false refusals per class, dev beside held-out, for items whose name starts with ``source``."""
    counts: dict[tuple[str, str, bool], list[int]] = defaultdict(lambda: [0, 0])
    for item, side, refused, _ in results:
        if item.name.startswith(source):
            c = counts[(item.cls, side, item.face)]
            c[0] += refused
            c[1] += 1
    print(f"{source:<16}| {'recall dev':>13} {'held-out':>13} | {'false ref. dev':>14} {'held-out':>13}")
    classes = [c for c in (*CLASSES[:1], "photo-stressed", *CLASSES[1:]) if any(k[0] == c for k in counts)]
    for cls in (*classes, "all"):
        keys = [k for k in counts if cls in ("all", k[0])]
        row = []
        for face in (True, False):
            for side in SPLITS:
                hit = sum(counts[k][0] for k in keys if k[1] == side and k[2] == face)
                n = sum(counts[k][1] for k in keys if k[1] == side and k[2] == face)
                row.append(cell(hit, n))
        print(f"  {cls:<14}| {row[0]} {row[1]} | {row[2]:>14} {row[3]}")


def errors(results) -> None:
    for item, side, refused, _ in results:
        if refused != item.face:
            print(f"  {side:<8} {'missed face' if item.face else 'refused':<12} {item.cls:<14} {item.name}")


def speed(items: list[Item], detector: FaceDetector, cores: int) -> None:
    """images/s for ~640 px JPEG versions of ``items``, whole check; then the cost of each stage."""
    jpegs = [encode(scaled(Image.open(io.BytesIO(i.data)), 640)) for i in items]
    for data in jpegs[:5]:
        check_image(data, detector=detector)
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    for data in jpegs:
        check_image(data, detector=detector)
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    print(f"640 px JPEGs ({len(jpegs)}): {len(jpegs) / cpu:.1f} images/s on {cores} core(s) by CPU time, "
          f"{len(jpegs) / wall:.1f} by wall clock (load average {os.getloadavg()[0]:.1f})")
    stages: dict[str, list[float]] = defaultdict(list)
    photo = detector._photo
    assert photo is not None
    for data in jpegs:
        t = [time.thread_time()]
        decoded = decode_image(data)
        t.append(time.thread_time())
        read_metadata(decoded.source, data, "research")
        t.append(time.thread_time())
        found = detector.candidates(decoded.image)
        t.append(time.thread_time())
        rgb = _rgb(decoded.image)
        for c in found:
            if c[4] >= detector.threshold:
                photo.probability(rgb, c)
        t.append(time.thread_time())
        strip_metadata(decoded.image, decoded.format)
        t.append(time.thread_time())
        for name, a, b in zip(("decode", "metadata", "yunet", "photo check", "strip"), t, t[1:], strict=False):
            stages[name].append((b - a) * 1000)
    print("  ms per image (mean / median): " + ", ".join(
        f"{k} {statistics.fmean(v):.1f} / {statistics.median(v):.1f}" for k, v in stages.items()))


def main(argv: list[str] | None = None) -> int | str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="faces-dev folder (positives/, negatives/, MANIFEST.tsv)")
    ap.add_argument("--art", type=Path, help="folder with Debian's illustration packages unpacked (faces_train.py)")
    ap.add_argument("--extra", type=Path, help="folder made by benchmarks/faces_fetch.py (faces_extra.tsv's images)")
    ap.add_argument("--photo-threshold", type=float, help="photo-check threshold to try instead of the shipped one")
    ap.add_argument("--cores", type=int, default=1, help="CPU cores to use (default 1)")
    ap.add_argument("--list-errors", action="store_true", help="name every missed face and false refusal")
    args = ap.parse_args(argv)
    if args.data and not (args.data / "MANIFEST.tsv").is_file():
        return f"{args.data}: no MANIFEST.tsv here; point --data at a folder laid out like faces-dev"
    os.environ["OMP_NUM_THREADS"] = str(args.cores)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))
    import cv2

    cv2.setNumThreads(args.cores)
    t0 = time.perf_counter()
    detector = FaceDetector()
    cold = time.perf_counter() - t0
    if not detector.available:
        return f"face detector unavailable: {detector.error}"
    if args.photo_threshold is not None and detector._photo is not None:
        detector._photo.threshold = args.photo_threshold
    items = load(args.data, args.art, args.extra)
    print(f"detector: YuNet 2023mar via OpenCV {cv2.__version__}, threshold {THRESHOLD:.2f}, photo check "
          f"{detector._photo.threshold if detector._photo else '-'}, cores {args.cores}")
    results = judge(items, detector)
    sources = [s for s in ("faces-dev", "made", "art", "extra") if any(i.name.startswith(s) for i, _ in items)]
    for source in sources:
        table(results, source)
    if len(sources) > 1:
        table(results, "")
    if args.list_errors:
        errors(results)
    ms = [r[3] * 1000 for r in results]
    print(f"median ms per image as given (CPU): {statistics.median(ms):.1f}")
    speed([i for i, _ in items if i.cls != "photo-stressed" and not i.name.startswith(("art/", "extra/"))], detector, args.cores)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cold start (model load): {cold * 1000:.0f} ms; peak RSS {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
