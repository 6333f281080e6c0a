"""The Redis keys of a cluster crawl, named in one place: every key lives under ``civil:<cluster>:``."""

from __future__ import annotations

import os
import socket

_WORKER: str | None = None


def worker_id() -> str:
    """This process's name in the cluster: ``host-pid`` (stable for the life of the process)."""
    global _WORKER
    if _WORKER is None:
        _WORKER = f"{socket.gethostname()}-{os.getpid()}"
    return _WORKER


def key_prefix(cluster: str) -> str:
    return f"civil:{cluster}:"


class Keys:
    """The Redis keys of one cluster, as seen by one worker."""

    def __init__(self, cluster: str, worker: str):
        p = self._p = self.prefix = key_prefix(cluster)
        self.queue, self.dupefilter, self.seen = p + "requests", p + "dupefilter", p + "seen"
        self.workers, self.in_flight = p + "workers", p + "in-flight"
        self.worker = worker
        self.leases, self.pending = self.leases_of(worker), self.pending_of(worker)

    def leases_of(self, worker: str) -> str:
        return f"{self._p}leases-of:{worker}"

    def pending_of(self, worker: str) -> str:
        return f"{self._p}pending-of:{worker}"
