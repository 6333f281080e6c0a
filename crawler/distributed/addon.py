"""Cluster settings for the civil add-on: when ``CIVIL_REDIS_URL`` is set, the gate, scheduler and outputs
switch to their shared (Redis) versions. Called by :class:`crawler.addon.CivilAddon`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.net.rediskeys import name_problem, worker_id
from crawler.options import setting_defaults

#: The shared (Redis) backends a cluster worker uses in place of the local ones: the same gate, spider and
#: engine, with their state in Redis. Set above any project or spider setting: a worker pacing hosts on its own
#: would break the cluster's politeness, and one with its own seen-set would decide on URLs twice.
BACKENDS = {
    "CIVIL_PACE": "crawler.pace.cluster.ClusterPoliteness",
    "CIVIL_PAGE_BUDGET": "crawler.pace.cluster.ClusterBudget",
    "CIVIL_READ_STORE": "crawler.distributed.reads.RedisStore",
    "CIVIL_SEEN_SET": "crawler.queue.cluster.SharedSeen",
    "SCHEDULER": "crawler.queue.cluster.ClusterScheduler",
}

#: Cluster settings and their defaults (crawler.options; CIVIL_REDIS_URL itself defaults to None: no cluster).
DEFAULTS: dict[str, Any] = setting_defaults(cluster=True)


def per_worker(path: str, worker: str) -> str:
    """``audit.jsonl`` -> ``audit.<worker>.jsonl`` (or ``{worker}`` in the path is replaced)."""
    if "{worker}" in path:
        return path.replace("{worker}", worker)
    p = Path(path)
    return str(p.with_name(f"{p.stem}.{worker}{p.suffix}"))


def configure(settings: BaseSettings) -> None:
    """Point the add-on's settings at the cluster's backends."""
    for name, value in setting_defaults(cluster=True).items():
        settings.setdefault(name, value, "addon")
    cluster = settings.get("CIVIL_CLUSTER")
    if problem := name_problem(cluster):
        raise ValueError(f"CIVIL_CLUSTER: {problem}")
    worker = settings.get("CIVIL_WORKER") or worker_id()
    settings.set("CIVIL_WORKER", worker, "addon")
    for name, path in BACKENDS.items():
        settings.set(name, path, max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"]))
    for name in ("CIVIL_AUDIT", "CIVIL_OUT"):  # one file per worker; `civilcrawl audit-merge` joins audits
        if settings.get(name):
            settings.set(name, per_worker(settings.get(name), worker), settings.getpriority(name) or "addon")
