"""Write accepted, stripped image bytes under a content-addressed name. Refused bytes never come here."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from crawler.images.check import ImageVerdict
from crawler.images.strip import extension_of


class ImageStore:
    """A directory of ``<sha256><ext>`` files, each written once with O_EXCL (no temp files)."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, verdict: ImageVerdict) -> dict[str, str]:
        """Store an ok verdict's clean bytes; returns ``{"path", "sha256"}``. Raises ValueError if not ok."""
        if not verdict.ok or verdict.clean is None:
            raise ValueError(f"refusing to store an image that was not accepted ({verdict.reason}: {verdict.detail})")
        data = verdict.clean
        digest = hashlib.sha256(data).hexdigest()
        path = self.dir / f"{digest}{extension_of(data)}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            if _same(path, data):
                return {"path": str(path), "sha256": digest}
            path.unlink()  # a partial write from a crash: replace it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return {"path": str(path), "sha256": digest}


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
