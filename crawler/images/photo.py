"""Tell a photographed human face from a drawn, rendered or animal one: a linear read-out of YuNet's own features.

YuNet finds cartoon, CGI and animal faces as readily as people's (scores 0.6-0.92, inside real faces' range).
Its backbone still sees them differently: features pooled from four of its layers on the candidate, cropped
upright by its eye landmarks, separate the two with one linear layer. The weights (photo_weights.json) were
fitted by benchmarks/faces_train.py on licensed images only (see that file), never on ../shared data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

WEIGHTS_FILE = Path(__file__).with_name("photo_weights.json")


def read_spec(path: Path | None = None) -> dict:
    """The fitted model: layers, crop size and expansion, feature mean and scale, weights, bias, threshold."""
    return json.loads((path or WEIGHTS_FILE).read_text(encoding="utf-8"))


class PhotoCheck:
    """Scores face candidates: the probability that the face is a photographed person's."""

    def __init__(self, model: np.ndarray, spec: dict) -> None:
        import cv2

        self.layers: list[str] = spec["layers"]
        self.size: int = spec["size"]
        self.expand: float = spec["expand"]
        #: Candidates whose probability is below this are set aside as drawn, rendered or animal faces.
        self.threshold: float = spec["threshold"]
        self._mean = np.asarray(spec["mean"], np.float32)
        self._w = np.asarray(spec["weights"], np.float32) / np.asarray(spec["scale"], np.float32)
        self._b = float(spec["bias"])
        if not (self._mean.shape == self._w.shape == (len(self.layers) * 128,)):
            raise ValueError(f"{WEIGHTS_FILE.name}: {len(self._w)} weights for {len(self.layers)} layers x 64 x 2")
        self._net = cv2.dnn.readNetFromONNX(model)

    def probability(self, rgb: np.ndarray, candidate: tuple[float, ...]) -> float:
        """P(photographed human face) for one YuNet candidate (box, score, landmarks) in ``rgb``'s pixels."""
        z = float(self.features(rgb, candidate) @ self._w) - float(self._mean @ self._w) + self._b
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def features(self, rgb: np.ndarray, candidate: tuple[float, ...]) -> np.ndarray:
        """Per layer: channel means over the crop's central half, then channel maxima over the whole crop."""
        import cv2

        bgr = cv2.cvtColor(upright_crop(rgb, candidate, self.size, self.expand), cv2.COLOR_RGB2BGR)
        self._net.setInput(cv2.dnn.blobFromImage(bgr))
        out = []
        for fmap in self._net.forward(self.layers):
            fmap = fmap[0]
            q = fmap.shape[1] // 4
            out += [fmap[:, q:fmap.shape[1] - q, q:fmap.shape[2] - q].mean(axis=(1, 2)), fmap.max(axis=(1, 2))]
        return np.concatenate(out)


def upright_crop(rgb: np.ndarray, candidate: tuple[float, ...], size: int, expand: float) -> np.ndarray:
    """A ``size`` px square around the candidate's box (``expand`` x its longer side), rotated so the eyes are level."""
    import cv2

    x, y, w, h = candidate[:4]
    right_x, right_y, left_x, left_y = candidate[5:9]
    cx, cy = x + w / 2, y + h / 2
    angle = math.degrees(math.atan2(left_y - right_y, left_x - right_x))
    scale = size / (max(w, h) * expand)
    m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    m[0, 2] += size / 2 - cx
    m[1, 2] += size / 2 - cy
    return cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
