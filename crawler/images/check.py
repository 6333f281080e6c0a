"""One verdict per image: decode, personal/usage metadata, faces, then strip. Anything undecided is refused."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.decide.purposes import DEFAULT_PURPOSE, PURPOSES
from crawler.images.decode import Decoded, decode_image
from crawler.images.faces import DetectorUnavailable, FaceDetector, default_detector
from crawler.images.metadata import read_metadata
from crawler.images.strip import StripError, strip_metadata

#: Reasons a verdict can carry (audit vocabulary: personal-image, image-metadata; the rest explain a refusal).
PERSONAL_IMAGE = "personal-image"
IMAGE_METADATA = "image-metadata"
UNDECODABLE = "undecodable"
TOO_LARGE = "too-large"
DETECTOR_UNAVAILABLE = "detector-unavailable"
STRIP_FAILED = "strip-failed"


@dataclass(frozen=True)
class ImageVerdict:
    """``ok`` means store ``clean``; otherwise drop the bytes. ``detail`` never holds coordinates or crops."""

    ok: bool
    reason: str | None
    detail: str
    faces: tuple[float, ...] = ()  # candidate scores >= faces.REPORT_FLOOR (YuNet's, before the photo check)
    metadata: tuple[str, ...] = ()  # field names found (personal and usage)
    clean: bytes | None = None
    drawn: int = 0  # candidates >= the detector threshold that the photo check took for drawn or rendered faces


def check_image(data: bytes, *, purpose: str = DEFAULT_PURPOSE, detector: FaceDetector | None = None) -> ImageVerdict:
    """Decide whether ``data`` may be stored for ``purpose``; on ok, ``clean`` holds the stripped bytes."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}: use one of {', '.join(PURPOSES)}")
    decoded = decode_image(data)
    if not isinstance(decoded, Decoded):
        return ImageVerdict(False, decoded.reason, decoded.detail)
    found = read_metadata(decoded.source, data, purpose)
    if found.error:
        return ImageVerdict(False, UNDECODABLE, found.error)
    fields = found.personal + found.usage
    detector = detector or default_detector()
    try:
        seen = detector.find(decoded.image)
    except DetectorUnavailable as exc:
        return ImageVerdict(False, DETECTOR_UNAVAILABLE, str(exc), metadata=fields)
    except Exception as exc:  # OpenCV error on odd input: undecided, so refused
        return ImageVerdict(False, DETECTOR_UNAVAILABLE, f"face detection failed: {type(exc).__name__}", metadata=fields)
    scores, n_faces = seen.scores, seen.faces
    why = []
    if n_faces:
        why.append(f"{n_faces} face{'s' if n_faces > 1 else ''}")
    if found.personal:
        why.append("personal metadata: " + ", ".join(found.personal))
    if why:
        return ImageVerdict(False, PERSONAL_IMAGE, "; ".join(why), scores, fields)
    if found.usage:
        return ImageVerdict(False, IMAGE_METADATA, f"{purpose} refused by " + ", ".join(found.usage), scores, fields)
    try:
        clean = strip_metadata(decoded.image, decoded.format)
    except StripError as exc:
        return ImageVerdict(False, STRIP_FAILED, str(exc), scores, fields)
    drawn = f"; {seen.drawn} drawn or rendered face{'s' if seen.drawn > 1 else ''} kept" if seen.drawn else ""
    return ImageVerdict(True, None, "no face, no personal metadata" + drawn, scores, fields, clean, seen.drawn)
