"""Helpers for the cluster tests: a Redis to use (or a clear skip), worker processes, their outputs."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import CONTACT

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip(url: str | None = None) -> str:
    """A Redis to use: REDIS_URL (default 127.0.0.1:6379) if one answers there, else one of the session's own
    (redis-server on a free port, when installed); else skip (or fail in CI, where .ci/run provides one)."""
    import redis

    url = url or REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return url
    except redis.RedisError as exc:
        problem = f"no Redis at {url} ({exc})"
    if "REDIS_URL" not in os.environ and shutil.which("redis-server"):
        return _session_redis()
    reason = f"{problem} and no redis-server to start; install one (apt-get install redis-server) or set REDIS_URL"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " - CI must run the cluster tests")
    pytest.skip(reason)


_OWN: list[OwnRedis] = []


def _session_redis() -> str:
    """One redis-server for the rest of the test session, on a free 127.0.0.1 port, stopped at exit."""
    if not _OWN:
        own = OwnRedis(Path(tempfile.mkdtemp(prefix="civil-redis-")))
        own.start()
        atexit.register(own.kill)
        _OWN.append(own)
    return _OWN[0].url


class OwnRedisCluster:
    """A 3-node Redis Cluster of the test session's own: redis-server --cluster-enabled on free 127.0.0.1 ports
    (each with its bus port, +10000, free too), joined by ``redis-cli --cluster create``, in a temporary folder."""

    NODES = 3

    def __init__(self) -> None:
        for program in ("redis-server", "redis-cli"):
            if not shutil.which(program):
                reason = f"{program} is not installed (apt-get install redis-server): no local Redis Cluster to test on"
                if os.environ.get("CI") == "true":
                    pytest.fail(reason)
                pytest.skip(reason)
        self.dir = Path(tempfile.mkdtemp(prefix="civil-redis-cluster-"))
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def start(self) -> OwnRedisCluster:
        while len(self.ports) < self.NODES:
            port = free_port()
            if port + 10000 <= 65535 and port not in self.ports and _free(port + 10000):
                self.ports.append(port)
        for port in self.ports:
            node = self.dir / str(port)
            node.mkdir()
            self.procs.append(subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--cluster-enabled", "yes",
                 "--cluster-config-file", str(node / "nodes.conf"), "--cluster-node-timeout", "5000", "--save", "",
                 "--appendonly", "no", "--dir", str(node)], stdout=subprocess.DEVNULL))
        for port in self.ports:
            _wait_for(port)
        created = subprocess.run(["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
                                  "--cluster-replicas", "0", "--cluster-yes"], capture_output=True, text=True,
                                 timeout=60)
        if created.returncode:
            self.kill()
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout[-2000:]}{created.stderr}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = [subprocess.run(["redis-cli", "-p", str(p), "cluster", "info"], capture_output=True,
                                     text=True, timeout=10).stdout for p in self.ports]
            if all("cluster_state:ok" in st for st in states):
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("the local Redis Cluster did not reach cluster_state:ok in 30 s")

    def kill(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait(10)
        self.procs = []
        shutil.rmtree(self.dir, ignore_errors=True)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_for(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server on port {port} did not start")


_CLUSTER: list[OwnRedisCluster] = []


def redis_cluster_or_skip() -> str:
    """The URL of the session's local 3-node Redis Cluster, started on first use and stopped at exit."""
    if not _CLUSTER:
        own = OwnRedisCluster()
        _CLUSTER.append(own.start())
        atexit.register(own.kill)
    return _CLUSTER[0].url


def drop_cluster(url: str, cluster: str) -> None:
    from crawler.net.redisclient import sync_client

    r = sync_client(url)  # a Redis Cluster's keys are on every node: its client scans them all
    keys = list(r.scan_iter(f"civil:{cluster}:*", count=1000))
    for key in keys:
        r.delete(key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own on a free port, that can be stopped (saving) and started again."""

    def __init__(self, workdir: Path):
        if not shutil.which("redis-server"):
            reason = "redis-server is not installed (apt-get install redis-server)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        self.dir, self.port = workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        """SHUTDOWN SAVE: the data comes back on start(), as after a restart of a persistent Redis."""
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "save"], capture_output=True, timeout=10)
        if self.proc is not None:
            self.proc.wait(10)
            self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@dataclass
class Cluster:
    """N ``civilcrawl crawl --redis`` workers on one seed, outputs in ``dir``."""

    dir: Path
    url: str
    seeds: list[str]
    args: list[str] = field(default_factory=list)
    name: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:8]}")
    procs: list[subprocess.Popen] = field(default_factory=list)

    def start(self, n: int) -> Cluster:
        for i in range(n):
            cmd = [sys.executable, "-m", "crawler", "crawl", *self.seeds, "--contact", CONTACT,
                   "--allow-network", "127.0.0.1/32", "--timeout", "5", "--redis", self.url, "--cluster", self.name,
                   "--audit", str(self.dir / "audit.jsonl"), "--out", str(self.dir / "pages.jsonl"), "-v", *self.args]
            if "--terms" not in self.args:
                cmd += ["--terms", "policy"]  # these tests count the requests of the cluster's own rules
            log = open(self.dir / f"worker{i}.log", "w")
            self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir))
        return self

    def wait(self, timeout: float = 90) -> list[int | None]:
        deadline = time.monotonic() + timeout
        codes = []
        for p in self.procs:
            try:
                codes.append(p.wait(max(0.1, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(None)
        return codes

    def kill(self, i: int) -> None:
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait(10)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.dir.glob("worker*.log")))

    def records(self, stem: str) -> list[dict]:
        out = []
        for path in sorted(self.dir.glob(f"{stem}.*.jsonl")):
            out += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return out
