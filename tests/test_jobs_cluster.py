"""A job run as a cluster worker (``redis:`` in the job file) reports what the worker did, from its own files."""

from __future__ import annotations

import json
import uuid

from crawler.cli.localsite import LocalServer
from tests.cluster import drop_cluster, redis_or_skip
from tests.jobs_support import page_hits, run_job, tree_site, write_job


def test_cluster_job_summary_counts_the_workers_pages(tmp_path):
    url = redis_or_skip()
    cluster = f"jobsum-{uuid.uuid4().hex[:8]}"
    with LocalServer({"cj.test": tree_site(pages=12, sections=3)}) as srv:
        job = write_job(tmp_path, srv, "cj.test", delay=0, extra=f"redis: {{url: '{url}', cluster: {cluster}}}\n")
        try:
            r = run_job(job)
        finally:
            drop_cluster(url, cluster)
        fetched = sum(page_hits(srv, "cj.test").values())
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / "state" / "runs" / "latest" / "summary.json").read_text("utf-8"))
    audit = result["files"]["audit"]
    assert audit and (tmp_path / "state" / "runs" / "latest").resolve() in (tmp_path / audit).resolve().parents
    pages = [json.loads(x) for x in (tmp_path / audit).read_text("utf-8").splitlines()]
    assert sum(1 for p in pages if p.get("decision") == "fetched" and p.get("reason") == "ok") >= fetched - 1
    assert result["requests"]["pages"] >= fetched - 1 > 0 and result["cluster"]["name"] == cluster, result
