"""The gate's image check: every image response is judged in memory before anything else sees it.

A refused image (a face, personal metadata, or one that could not be checked) is dropped with its audit
record; its bytes reach no spider, pipeline, cache or file. Accepted images carry their stripped bytes
in crawler.gate.state.image_verdict.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from scrapy.http import Response

from crawler.images.worker import READY
from crawler.options import default
from crawler.page.inspect import HTML_TYPES, content_type

DEFAULT_TIMEOUT: float = default("CIVIL_IMAGE_TIMEOUT")  # seconds per image; a 10 MB photo takes about a second
TIMEOUT = "timeout"

#: check_image's reasons mapped to audit reasons (the first two are the project's contract vocabulary).
AUDIT_REASONS = {"personal-image": "personal-image", "image-metadata": "image-metadata",
                 "too-large": "too-large", "undecodable": "image-unchecked",
                 "detector-unavailable": "image-unchecked", "strip-failed": "image-unchecked",
                 TIMEOUT: "image-timeout", "stopped": "image-unchecked", "check-failed": "image-unchecked"}


def is_image(response: Response, asked_for_image: bool) -> bool:
    """Judge by what came back: any image type, or anything but HTML when an image was asked for."""
    ctype = content_type(response)
    return ctype.startswith("image/") or (asked_for_image and ctype not in HTML_TYPES and response.status == 200)


class ImageJudge:
    """Judges images one at a time in a child process, each within ``timeout`` seconds.

    The child (crawler/images/worker.py) is killed when a judgement overruns, or when the crawl stops
    (``stopping()``), and the image is refused (``image-timeout`` / ``image-unchecked``). The next image gets
    a fresh child, so one hostile image cannot block the ones after it, and a stop is never kept waiting.
    """

    POLL = 0.2  # seconds between looks at ``stopping()``
    START_LIMIT = 120.0  # Python, OpenCV and the detector's weights loading in the child

    def __init__(self, purpose: str, timeout: float = DEFAULT_TIMEOUT, stopping: Callable[[], bool] = lambda: False):
        if not 0 < timeout < float("inf"):
            raise ValueError(f"CIVIL_IMAGE_TIMEOUT must be a number of seconds > 0, got {timeout!r}")
        self.purpose = purpose
        self.timeout = timeout
        self.stopping = stopping
        self._pool: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    async def judge(self, body: bytes):
        """The verdict on ``body``: the child's, or a refusal if it overran or the crawl is stopping."""
        from crawler.images.check import ImageVerdict

        async with self._lock:  # one at a time, so the clock runs for this image only
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civil-image")
            try:
                await self._wait(self._start, limit=self.START_LIMIT)
                return await self._wait(self._ask, body)
            except _Overran as exc:
                return ImageVerdict(False, exc.reason, f"image judgement {exc}")
            except (OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
                self._kill()
                return ImageVerdict(False, "check-failed", f"image checker failed ({type(exc).__name__}: {exc})")

    async def _wait(self, fn: Callable[..., Any], *args: Any, limit: float | None = None) -> Any:
        """``fn(*args)`` on the pool thread, killing the child if it overruns ``limit`` or the crawl stops."""
        limit = self.timeout if limit is None else limit
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, fn, *args)
        deadline = loop.time() + limit
        while True:
            done, _ = await asyncio.wait({future}, timeout=min(self.POLL, max(0.0, deadline - loop.time())))
            if done:
                return future.result()
            stopping = self.stopping()
            if stopping or loop.time() >= deadline:
                future.cancel()
                self._kill()  # unblocks the pool thread reading from the child
                raise _Overran("stopped", "not finished: the crawl is stopping") if stopping else \
                    _Overran(TIMEOUT, f"took longer than {limit:g} s")

    def _start(self) -> None:
        """(pool thread) A ready child, started if there is none alive."""
        if self._proc is not None:
            if self._proc.poll() is None:
                return
            self._close_pipes()
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen([sys.executable, "-m", "crawler.images.worker"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env, start_new_session=True)
        if _pipes(self._proc)[1].read(1) != READY:
            raise OSError(f"it exited with status {self._proc.wait()}")

    def _ask(self, body: bytes) -> Any:
        """(pool thread) Send one image to the child and read its verdict."""
        stdin, stdout = _pipes(self._proc)
        pickle.dump((self.purpose, body), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.flush()
        return pickle.load(stdout)

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            try:
                proc.wait(5)  # reaped, so the next judgement sees it dead and starts another
            except subprocess.TimeoutExpired:
                pass

    def _close_pipes(self) -> None:
        for pipe in _pipes(self._proc):
            try:
                pipe.close()
            except OSError:
                pass

    def close(self) -> None:
        self._kill()
        if self._proc is not None:
            self._close_pipes()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class _Overran(Exception):
    """A judgement ran past its time limit, or the crawl began to stop."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _pipes(proc: subprocess.Popen[bytes] | None) -> tuple[IO[bytes], IO[bytes]]:
    """The child's stdin and stdout (it is always started with both piped)."""
    assert proc is not None and proc.stdin is not None and proc.stdout is not None
    return proc.stdin, proc.stdout
