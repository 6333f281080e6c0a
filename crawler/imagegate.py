"""The gate's image check: every image response is judged in memory before anything else sees it.

A refused image (a face, personal metadata, or one that could not be checked) is dropped with its audit
record; its bytes reach no spider, pipeline, cache or file. Accepted images carry their stripped bytes
on ``response.meta["civil_image"]``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from scrapy.http import Response

from crawler.page import HTML_TYPES, content_type

#: check_image's reasons mapped to audit reasons (the first two are the project's contract vocabulary).
AUDIT_REASONS = {"personal-image": "personal-image", "image-metadata": "image-metadata",
                 "too-large": "too-large", "undecodable": "image-unchecked",
                 "detector-unavailable": "image-unchecked", "strip-failed": "image-unchecked"}


def is_image(response: Response, asked_for_image: bool) -> bool:
    """Judge by what came back: any image type, or anything but HTML when an image was asked for."""
    ctype = content_type(response)
    return ctype.startswith("image/") or (asked_for_image and ctype not in HTML_TYPES and response.status == 200)


class ImageJudge:
    """Runs check_image off the reactor thread, one image at a time (the detector is not thread-safe)."""

    def __init__(self, purpose: str):
        self.purpose = purpose
        self._pool: ThreadPoolExecutor | None = None

    async def judge(self, body: bytes):
        from crawler.images.check import check_image  # OpenCV loads only when the first image arrives

        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civil-image")
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, lambda: check_image(body, purpose=self.purpose))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
