"""Many civilcrawl workers, one politeness: a crawl shared through Redis (``--redis URL --cluster NAME``).

The workers of a cluster share the frontier and seen-set (:mod:`.frontier`), the decision reads
(robots.txt, tdmrep.json, ai.txt: :mod:`.reads`), the page budget and the per-host gate (:mod:`.politeness`), all under the key prefix
``civil:<cluster>:``. Redis is the only service; when it is unreachable no request leaves.
"""

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
