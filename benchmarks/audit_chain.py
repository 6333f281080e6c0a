"""What the audit log's hash chain costs: records/s and µs per record, plain JSON lines vs chained, and verify.

    python benchmarks/audit_chain.py [--records 100000]

Writes the same realistic records (a fetched page with timing fields) with the pre-chain writer (one
``json.dumps`` + ``os.write`` per line, crawler.audit.log.JsonLinesFile) and with the chained writer
(crawler.audit.chain.ChainedFile: the same plus a SHA-256 of the line and a lock), then times opening a
large chained file for append (a resumed run reads only its two ends) and ``audit verify`` on it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from crawler.audit.chain import ChainedFile
from crawler.audit.log import JsonLinesFile, utc_iso
from crawler.audit.verify import verify_file


def record(i: int) -> dict:
    return {"ts": utc_iso(), "url": f"https://docs.example.org/3/library/module{i}.html", "host": "docs.example.org",
            "decision": "fetched", "reason": "rate", "status": 200,
            "detail": "waited 0.998 s; gap 1 s from Crawl-delay 1 (https://docs.example.org/robots.txt)",
            "started": utc_iso(), "wait": 0.998, "gap": 1.0, "bytes": 51200}


def timed(make, path: Path, records: list[dict]) -> float:
    sink = make(path)
    t0 = time.perf_counter()
    for rec in records:
        sink.write(rec)
    elapsed = time.perf_counter() - t0
    sink.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    n = ap.parse_args().records
    records = [record(i) for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        plain, chained = Path(tmp, "plain.jsonl"), Path(tmp, "chained.jsonl")
        rows = []
        for name, make, path in (("plain JSON lines (before)", JsonLinesFile, plain),
                                 ("hash-chained (now)", lambda p: ChainedFile(p, run="bench"), chained)):
            best = min(timed(make, path, records) for _ in range(3) if not path.unlink(missing_ok=True))
            rows.append((name, best, path.stat().st_size))
        print(f"{n} audit records, best of 3, same machine, same run")
        print(f"{'writer':<28}{'records/s':>12}{'µs/record':>12}{'bytes/record':>14}")
        for name, secs, size in rows:
            print(f"{name:<28}{n / secs:>12,.0f}{secs / n * 1e6:>12.2f}{size / n:>14.1f}")
        print(f"chained / plain time: {rows[1][1] / rows[0][1]:.2f}x")
        t0 = time.perf_counter()
        ChainedFile(chained).close()
        print(f"reopen for append (resume): {(time.perf_counter() - t0) * 1e3:.2f} ms for a "
              f"{chained.stat().st_size / 1e6:.1f} MB file")
        t0 = time.perf_counter()
        v = verify_file(chained)
        secs = time.perf_counter() - t0
        print(f"audit verify: {secs:.2f} s ({n / secs:,.0f} lines/s), intact={v.intact}")


if __name__ == "__main__":
    main()
