"""One run of a job at a time: an ``fcntl`` lock on ``STATE/job.lock``, released by the kernel on any exit."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "job.lock"


class Locked(Exception):
    """Another process holds the job's lock; ``holder`` says who, when known."""

    def __init__(self, path: Path, holder: str):
        self.path, self.holder = path, holder
        super().__init__(f"another run of this job is in progress ({holder or 'holder unknown'}; lock {path})")


class JobLock:
    """An exclusive, non-blocking lock; a killed holder releases it (the kernel closes its descriptor)."""

    def __init__(self, state_dir: str | os.PathLike[str]):
        self.path = Path(state_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`Locked` without changing anything on disk but the lock file itself."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise Locked(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock; the file stays (deleting it would race a new holder)
            self._fd = None

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
