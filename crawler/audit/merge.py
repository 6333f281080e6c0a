"""Per-worker audit files of a cluster, merged into one log without loss.

Each worker appends its own file (``audit.<worker>.jsonl``): no shared writer, no Redis on the audit
path, and a killed worker loses at most its line in flight. :func:`merge` interleaves the files by
timestamp (stable: ties keep file and line order) and reports URLs with more than one final decision.
Lines are copied byte for byte and each file keeps its own order, so every worker's hash chain
(crawler.audit.chain) still verifies in the merged log; the workers' signature files are joined too.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from crawler.audit import read
from crawler.audit.chain import SIG_SUFFIX


def _records(path: Path, index: int) -> Iterator[tuple[str, int, int, bytes, dict | None]]:
    ts, cut = "", None
    for line in read.lines(path):
        if line.blank:
            continue
        if cut is not None:  # a line cut by a kill, followed by more: kept, the chain runs through it
            yield cut
            cut = None
        rec = line.record
        if rec is None:
            cut = (ts, index, line.number, line.raw + b"\n", None)
            continue
        ts = rec.get("ts", "") or ts
        yield ts, index, line.number, line.raw + b"\n", rec
    # a cut last line is dropped: nothing else of it exists anywhere, and no line chains onto it


def merge(paths: list[str | Path], out: str | Path) -> dict[str, int]:
    """Write all records of ``paths`` to ``out`` in timestamp order; return counts (records, duplicate URLs)."""
    streams = [_records(Path(p), i) for i, p in enumerate(paths)]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    urls: Counter[str] = Counter()
    total = 0
    try:
        for _, _, _, line, rec in heapq.merge(*streams, key=lambda r: r[:3]):
            os.write(fd, line)
            if rec is not None:
                urls[rec.get("url", "")] += 1
                total += 1
        os.fsync(fd)
    finally:
        os.close(fd)
    sigs = b"".join(Path(str(p) + SIG_SUFFIX).read_bytes() for p in paths if Path(str(p) + SIG_SUFFIX).is_file())
    if sigs:
        Path(str(out) + SIG_SUFFIX).write_bytes(sigs)
    counts = {"records": total, "urls": len(urls), "urls with several decisions": sum(1 for n in urls.values() if n > 1)}
    if sigs:
        counts["signatures joined"] = sum(1 for line in sigs.splitlines() if line.strip())
    return counts
