"""Helpers for the job tests: a 300-page site that counts hits, job files, and a runner for ``civilcrawl run``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from crawler.cli.localsite import LocalServer, Reply, Site, html

CONTACT = "mailto:tests@example.org"


def tree_site(pages: int = 300, sections: int = 10, crawl_delay: float | None = None) -> Site:
    """``/`` links to ``/s0``..``/s{sections-1}``; each section links to its pages; pages link onwards."""
    per = pages // sections
    robots = "User-agent: *\nAllow: /\n" + (f"Crawl-delay: {crawl_delay}\n" if crawl_delay else "")
    routes: dict = {"/robots.txt": Reply(body=robots, content_type="text/plain"),
                    "/": Reply(body=html("home", "sections", [f"/s{s}" for s in range(sections)]))}
    for s in range(sections):
        routes[f"/s{s}"] = Reply(body=html(f"section {s}", "pages", [f"/s{s}/p{i}" for i in range(per)] + ["/"]))
        for i in range(per):
            routes[f"/s{s}/p{i}"] = Reply(body=html(f"page {s}.{i}", "text " * 200,
                                                    [f"/s{s}/p{(i + 1) % per}", f"/s{(s + 1) % sections}", "/"]))
    return Site(routes)


def write_job(folder: Path, server: LocalServer, host: str, *, delay: float = 0.01, extra: str = "",
              terms: str | None = "policy", sitemaps: bool = False) -> Path:
    """A job file; ``terms: policy`` and ``sitemaps: false`` unless asked (these tests count requests for other
    rules; terms None: the default)."""
    folder.mkdir(parents=True, exist_ok=True)
    if terms and "terms:" not in extra:
        extra = f"terms: {terms}\n{extra}"
    if not sitemaps and "sitemaps:" not in extra:
        extra = f"sitemaps: false\n{extra}"
    job = folder / "job.yaml"
    job.write_text(f"""\
seeds: [http://{host}:{server.port}/]
contact: {CONTACT}
state: state
limits:
  delay: {delay}
  timeout: 5
network:
  allow_networks: [127.0.0.1/32]
  resolve: {{{host}: 127.0.0.1}}
{extra}""", "utf-8")
    return job


def run_job(job: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler", "run", str(job), "--progress", "off", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=job.parent)


def start_job(job: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler", "run", str(job), "--progress", "off", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=job.parent)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()] if path.exists() else []


def summary(job: Path, run: int) -> dict:
    return json.loads((job.parent / "state" / "runs" / f"run-{run:04d}" / "summary.json").read_text("utf-8"))


def page_hits(server: LocalServer, host: str) -> Counter:
    return Counter(h.path for h in server.hits_for(host) if h.path != "/robots.txt")
