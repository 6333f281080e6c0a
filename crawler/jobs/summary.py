"""The per-run summary: counted from the run's audit log (decisions) and the journal (what changed)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.audit import log as A
from crawler.audit import read
from crawler.net.redact import redact
from crawler.queue.journal import Journal

COMPLETE, PARTIAL, INTERRUPTED = "complete", "partial", "interrupted"


def build(journal: Journal, audit_path: str | None, *, status: str, exit_status: int,
          files: dict[str, str | None], extra: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable summary of this run so far (see README, "Scheduled jobs")."""
    run = journal.run
    assert run is not None
    outcomes = journal.counts()
    refused: Counter[str | None] = Counter()  # a record without a reason counts under None (JSON null)
    skipped: Counter[str | None] = Counter()
    requests: Counter[str] = Counter()
    received = 0
    for rec in read.records(audit_path, missing_ok=True):
        decision, reason = rec.get("decision"), rec.get("reason")
        if decision == A.REFUSED:
            refused[reason] += 1
        elif decision == A.SKIPPED:
            skipped[reason] += 1
        elif decision == A.FETCHED:
            requests["pages" if reason not in A.OWN_FILES else "robots_txt" if reason == "robots-txt" else "other_files"] += 1
            if rec.get("status") == 304:
                requests["not_modified"] += 1
            received += rec.get("bytes") or 0
    return {
        "run": run.id,
        "status": status,
        "exit_status": exit_status,
        "started": A.utc_iso(run.started),
        "finished": A.utc_iso(run.finished) if run.finished else None,
        "resumes": run.resumes,
        "pages": {
            "new": outcomes.get("new", 0),
            "changed": outcomes.get("changed", 0),
            "unchanged": outcomes.get("unchanged", 0),
            "refused": sum(refused.values()),
            "skipped": sum(skipped.values()),
            "errors": outcomes.get("error", 0),
            "redirects": outcomes.get("redirect", 0),
            "pending": outcomes.get("pending", 0),
        },
        "refused_by_reason": dict(refused.most_common()),
        "skipped_by_reason": dict(skipped.most_common()),
        "requests": {"pages": requests["pages"], "robots_txt": requests["robots_txt"],
                     "other_files": requests["other_files"],
                     "not_modified": requests["not_modified"], "resent_after_kill": outcomes.get("resent", 0)},
        "bytes_received": received,
        "resent_urls": journal.resent_urls(),
        "files": files,
        **extra,
    }


def write(summary: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write atomically (temp file + rename): a reader never sees half a summary."""
    path = Path(path)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(redact(summary), indent=2, ensure_ascii=False) + "\n", "utf-8")  # no URL credentials
    os.replace(tmp, path)


def one_line(summary: dict[str, Any]) -> str:
    p = summary["pages"]
    return (f"run {summary['run']} {summary['status']}: new {p['new']}, changed {p['changed']}, "
            f"unchanged {p['unchanged']}, refused {p['refused']}, skipped {p['skipped']}, errors {p['errors']}"
            + (f", pending {p['pending']}" if p["pending"] else ""))
