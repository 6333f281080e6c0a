"""The Redis keys of a cluster crawl, named in one place: every key lives under ``civil:<cluster>:``.

Redis Cluster runs a script only on keys of one hash slot, so the keys a script touches share a hash tag.
A crawl's hosts are spread over ``partitions`` tags, ``{<cluster>/<k>}`` with ``k = crc32(host) % partitions``:
a host's pace (its gap, pause, back-off and leases), its queued requests, their fingerprints and their URLs'
seen marks all live in its partition, so a claim can see whether a host's turn has come in the same script
that takes its request. More partitions spread the crawl over more Redis Cluster shards. The workers' heartbeats,
the page budgets (the crawl's, each
site's) and the decision reads are keys of their own (one-key commands: any slot will do).
"""

from __future__ import annotations

import os
import re
import socket
import zlib
from typing import Any

from crawler.net.redisclient import cluster_url
from crawler.options import default

_WORKER: str | None = None


def worker_id() -> str:
    """This process's name in the cluster: ``host-pid`` (stable for the life of the process)."""
    global _WORKER
    if _WORKER is None:
        _WORKER = f"{socket.gethostname()}-{os.getpid()}"
    return _WORKER


_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def name_problem(cluster: object) -> str | None:
    """What is wrong with ``cluster`` as a cluster's name (it goes into every key and hash tag), or None."""
    if isinstance(cluster, str) and _NAME.fullmatch(cluster):
        return None
    return f"{cluster!r} is not a cluster name: use 1-100 letters, digits, '_', '.' or '-'"


def key_prefix(cluster: str) -> str:
    return f"civil:{cluster}:"


class Keys:
    """The Redis keys of the crawl ``cluster`` split into ``partitions``, as seen by the worker ``worker``."""

    def __init__(self, cluster: str, worker: str, partitions: int = 1):
        if partitions < 1:
            raise ValueError(f"CIVIL_CLUSTER_PARTITIONS must be 1 or more, got {partitions}")
        self.cluster, self.worker, self.partitions = cluster, worker, partitions
        self.prefix = key_prefix(cluster)
        self.workers, self.meta, self.budget = self.prefix + "workers", self.prefix + "meta", self.prefix + "budget"

    def site_budget(self, site: str) -> str:
        """Pages taken of a policy's site (``crawl.max_pages``) by the whole crawl (counter; one-key commands)."""
        return f"{self.budget}:site:{site}"

    def part(self, host: str) -> int:
        """The partition of ``host`` (stable across workers and runs: CRC-32 of its name)."""
        return zlib.crc32(host.encode()) % self.partitions if self.partitions > 1 else 0

    def base(self, part: int) -> str:
        return f"{self.prefix}{{{self.cluster}/{part}}}:"

    # -- per partition: the frontier --------------------------------------------------------------------------

    def queue(self, part: int) -> str:
        """Queued requests (sorted set; score = -priority)."""
        return self.base(part) + "requests"

    def dupefilter(self, part: int) -> str:
        """Fingerprints of the requests ever queued (set)."""
        return self.base(part) + "dupefilter"

    def seen(self, part: int) -> str:
        """URLs some worker has decided on, or is deciding on (set)."""
        return self.base(part) + "seen"

    def in_flight(self, part: int) -> str:
        """Requests leased by any worker (counter)."""
        return self.base(part) + "in-flight"

    def ready(self, part: int) -> str:
        """Host -> ``"<ready at ms> <paused until ms> <pause reason>"`` while its turn has not come (hash): the
        claim's view of the hosts' pace, kept by the pace scripts."""
        return self.base(part) + "ready"

    def leases_of(self, part: int, worker: str | None = None) -> str:
        """The requests ``worker`` holds (hash: lease id -> score and request)."""
        return f"{self.base(part)}leases-of:{worker or self.worker}"

    def pending_of(self, part: int, worker: str | None = None) -> str:
        """URLs ``worker`` claimed as first to see them and has not decided on yet (set)."""
        return f"{self.base(part)}pending-of:{worker or self.worker}"

    # -- per host, in its partition: the pace -----------------------------------------------------------------

    def host(self, host: str) -> str:
        """The host's pace: last start, gap, pause, consecutive errors (hash)."""
        return f"{self.base(self.part(host))}host:{host}"

    def host_leases(self, host: str) -> str:
        """Turns out at the host: token -> expiry ms (sorted set)."""
        return f"{self.base(self.part(host))}leases:{host}"

    def host_ready(self, host: str) -> str:
        return self.ready(self.part(host))


#: Partitions of a crawl on a Redis Cluster when CIVIL_CLUSTER_PARTITIONS does not say (one Redis server: 1).
CLUSTER_PARTITIONS = 16


def keys_for(settings: Any) -> Keys:
    """The keys of the crawl the Scrapy ``settings`` name (CIVIL_CLUSTER, CIVIL_WORKER, CIVIL_CLUSTER_PARTITIONS)."""
    partitions = settings.getint("CIVIL_CLUSTER_PARTITIONS", default("CIVIL_CLUSTER_PARTITIONS"))
    if not partitions:
        partitions = CLUSTER_PARTITIONS if cluster_url(str(settings.get("CIVIL_REDIS_URL") or "")) else 1
    cluster = settings.get("CIVIL_CLUSTER") or default("CIVIL_CLUSTER")
    return Keys(str(cluster), str(settings.get("CIVIL_WORKER") or worker_id()), partitions)
