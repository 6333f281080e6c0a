"""The audit log: one JSON line per decision, appended with a single write so a kill loses at most one line.

Audit records have the credentials of their URLs redacted (crawler.net.redact) before they are written.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.audit.chain import ChainedFile
from crawler.audit.clock import utc_iso
from crawler.net.redact import install as install_log_redaction
from crawler.net.redact import redact

if TYPE_CHECKING:
    from crawler.net.keys import Key

logger = logging.getLogger(__name__)

FETCHED, REFUSED, SKIPPED = "fetched", "refused", "skipped"
#: Reasons of the files the gate fetches for its own decisions: recorded, but not pages of the crawl.
OWN_FILES = frozenset({"robots-txt", "tdmrep", "ai-txt"})
audit_closing = object()  # signal sent by the gate just before the audit log closes: write final records then


class JsonLinesFile:
    """Append-only JSON Lines file; each record is one ``os.write`` on an O_APPEND descriptor."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size and not self._ends_with_newline():
            os.write(self._fd, b"\n")  # a previous run was killed mid-line: keep lines whole

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"

    def write(self, record: dict[str, Any]) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


class AuditLog:
    """Records decisions ``{ts, url, host, decision, reason, detail}`` (plus optional fields) and counts them.

    Lines are hash-chained (crawler.audit.chain): each carries ``prev``, the SHA-256 of the line before it.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, run: str | None = None,
                 signer: Key | None = None, header: dict[str, Any] | None = None, stats: Any = None):
        self.file = ChainedFile(path, run=run, signer=signer, header=header) if path else None
        self.counts: Counter[tuple[str, str]] = Counter()
        self.stats = stats  # Scrapy's stats: civil/<decision> and civil/<decision>/<reason>, kept as decided
        install_log_redaction()  # the decisions are logged too: no credentials in those lines either

    @classmethod
    def from_settings(cls, settings: Any) -> AuditLog:
        """The log named by ``CIVIL_AUDIT``; signed on close with the state folder's key when ``CIVIL_SIGN_AUDIT``."""
        path = settings.get("CIVIL_AUDIT")
        signer = None
        if path and settings.getbool("CIVIL_SIGN_AUDIT"):
            state = settings.get("CIVIL_STATE_DIR")
            if not state:
                raise ValueError("CIVIL_SIGN_AUDIT needs CIVIL_STATE_DIR (--state DIR): the signing key is kept there")
            from crawler.net.keys import KeyStore

            signer = KeyStore(state).current()
        from crawler.net.identity import DEFAULT_TOKEN, user_agent

        try:  # who sent the requests, on this process's first line: what a site owner greps for
            ua = user_agent(settings.get("CIVIL_USER_AGENT_TOKEN") or DEFAULT_TOKEN, settings.get("CIVIL_CONTACT"))
        except ValueError:
            ua = None
        header = {"user_agent": ua, "signature_agent": settings.get("CIVIL_SIGNATURE_AGENT"),
                  "signed_by": signer.keyid if signer else None}
        return cls(path, run=settings.get("CIVIL_AUDIT_RUN") or None, signer=signer, header=header)

    def record(self, url: str, host: str, decision: str, reason: str, detail: str = "", **extra: Any) -> None:
        rec = {"ts": utc_iso(), "url": url, "host": host, "decision": decision, "reason": reason, "detail": detail}
        rec.update((k, v) for k, v in extra.items() if v is not None)
        rec = redact(rec)  # before the hash chain sees it: no URL credentials in any line
        self.counts[(decision, reason)] += 1
        if self.stats is not None:
            self.stats.inc_value(f"civil/{decision}")
            self.stats.inc_value(f"civil/{decision}/{reason}")
        if self.file:
            self.file.write(rec)
        level = logging.DEBUG if decision == FETCHED else logging.INFO
        logger.log(level, "%s %s (%s%s)", decision, rec["url"], reason, f": {rec['detail']}" if detail else "")

    def total(self, decision: str) -> int:
        return sum(n for (d, _), n in self.counts.items() if d == decision)

    def close(self) -> None:
        if self.file:
            self.file.close()
