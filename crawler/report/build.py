"""Read an audit log and write the report page."""

from __future__ import annotations

import json
import os
from pathlib import Path

from crawler.report.html import render
from crawler.report.model import Report, analyse


def load(audit: str | os.PathLike[str]) -> Report:
    """Analyse an audit log; lines that are not JSON objects (a torn last line) are counted, not fatal."""
    records, bad = [], 0
    with open(audit, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if isinstance(rec, dict):
                records.append(rec)
            else:
                bad += 1
    return analyse(records, bad)


def build_report(audit: str | os.PathLike[str], out: str | os.PathLike[str], *, title: str = "") -> Report:
    """Write the HTML report for ``audit`` to ``out`` (atomically); return what it shows."""
    rep = load(audit)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render(rep, title=title, source=str(audit)), "utf-8")
    os.replace(tmp, out)
    return rep
