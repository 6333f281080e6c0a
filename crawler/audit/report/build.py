"""Read an audit log and write the report page."""

from __future__ import annotations

import os
from pathlib import Path

from crawler.audit import read
from crawler.audit.report.html import render
from crawler.audit.report.model import Report, analyse


class NotAnAuditLog(ValueError):
    """The input holds no audit record at all (an HTML page, another program's JSON)."""


def is_record(rec: object) -> bool:
    """An audit record: a JSON object with at least a url and a decision."""
    return isinstance(rec, dict) and isinstance(rec.get("url"), str) and isinstance(rec.get("decision"), str)


def load(audit: str | os.PathLike[str]) -> Report:
    """Analyse an audit log; lines that are not audit records (a torn last line) are counted, not fatal.

    Raises NotAnAuditLog when no line is an audit record, saying what the file looks like instead.
    """
    records, bad, first_bad = [], 0, None
    for line in read.lines(audit):
        if line.blank:
            continue
        rec = line.record
        if rec is not None and is_record(rec):
            records.append(rec)
        else:
            bad += 1
            first_bad = first_bad or (line.number, line.text.strip()[:60])
    if not records:
        if first_bad is None:
            raise NotAnAuditLog("is empty: no audit records to report on")
        raise NotAnAuditLog(f"is not an audit log: none of its {bad} non-empty lines is an audit record "
                            f"(a JSON object with url and decision); line {first_bad[0]} reads {first_bad[1]!r}")
    rep = analyse(records, bad)
    rep.first_bad_line = first_bad[0] if first_bad else None
    return rep


def write_report(rep: Report, audit: str | os.PathLike[str], out: str | os.PathLike[str], *, title: str = "") -> None:
    """Write the page for ``rep`` (read from ``audit``) to ``out``, atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(render(rep, title=title, source=str(audit), chain=chain_status(audit)), "utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def chain_status(audit: str | os.PathLike[str]) -> str:
    """One sentence on the log's hash chain and signatures (what ``civilcrawl audit verify`` says)."""
    from crawler.audit.verify import verify_file

    v = verify_file(audit)
    if not v.intact and v.problems[0].startswith("line 1: no 'prev' field"):
        return ("Hash chain: none. This log has no hash chain (written before civilcrawl chained its audit logs, "
                "or not by civilcrawl), so nothing shows whether lines were removed or edited.")
    if not v.intact:
        return f"Hash chain: NOT intact: {v.problems[0]} (civilcrawl audit verify {audit})"
    signed = [c for c in v.chains if c.signed_at]
    keys = sorted({k for c in v.chains for k in c.keyids})
    sig = (f"; signed through line {max(c.signed_at for c in signed)} with key {', '.join(keys)}" if signed
           else "; not signed")
    return (f"Hash chain: intact ({v.lines} lines, {len(v.chains)} chain(s){sig}). Check it yourself: "
            f"civilcrawl audit verify {audit}")


def build_report(audit: str | os.PathLike[str], out: str | os.PathLike[str], *, title: str = "") -> Report:
    """Write the HTML report for ``audit`` to ``out`` (atomically); return what it shows."""
    rep = load(audit)
    write_report(rep, audit, out, title=title)
    return rep
