"""Per-worker audit files of a cluster, merged into one log without loss.

Each worker appends its own file (``audit.<worker>.jsonl``): no shared writer, no Redis on the audit
path, and a killed worker loses at most its line in flight. :func:`merge` interleaves the files by
timestamp (stable: ties keep file and line order) and reports URLs with more than one final decision.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from crawler.audit import JsonLinesFile


def _records(path: Path, index: int) -> Iterator[tuple[str, int, int, dict]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if line.strip():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # a line cut by a kill: nothing else of it exists anywhere
                yield rec.get("ts", ""), index, n, rec


def merge(paths: list[str | Path], out: str | Path) -> dict[str, int]:
    """Write all records of ``paths`` to ``out`` in timestamp order; return counts (records, duplicate URLs)."""
    streams = [_records(Path(p), i) for i, p in enumerate(paths)]
    sink = JsonLinesFile(out)
    urls: Counter[str] = Counter()
    total = 0
    try:
        for _, _, _, rec in heapq.merge(*streams):
            sink.write(rec)
            urls[rec.get("url", "")] += 1
            total += 1
    finally:
        sink.close()
    return {"records": total, "urls": len(urls), "urls with several decisions": sum(1 for n in urls.values() if n > 1)}
