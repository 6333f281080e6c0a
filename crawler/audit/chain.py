"""The audit log's hash chain: every line names the SHA-256 of the line before it, so edits show.

Line format: ``{"prev": HASH, ...record}`` where HASH is the hex SHA-256 of the previous line's bytes
(without its newline). The first line of a chain has ``"prev": null`` and names the run (``run``) and
its start (``run_started``). A process that reopens the file (a resumed run) reads the last line's hash
and goes on with the same chain; its first line carries ``resumed`` (when this process started).

Signing (``--sign-audit``): on close, the chain's last hash is signed with the crawler's Ed25519 key and
one JSON line is appended to ``AUDIT.sig`` beside the log: ``{run, hash, lines, ts, alg, keyid, jwk, sig}``.
The signed message is ``civilcrawl-audit/1 RUN HASH`` (UTF-8). ``civilcrawl audit verify`` checks both.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.audit.clock import utc_iso

if TYPE_CHECKING:
    from crawler.net.keys import Key

SIG_SUFFIX = ".sig"
_PREV = re.compile(rb'^\{"prev":(?:null|"([0-9a-f]{64})")')


def line_hash(line: bytes) -> str:
    """The chain hash of one line (its bytes without the newline)."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def signed_message(run: str, digest: str) -> bytes:
    return f"civilcrawl-audit/1 {run} {digest}".encode()


def default_run_name() -> str:
    """A name for a run nobody named: host, process and start time."""
    return f"{socket.gethostname()}-{os.getpid()}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"


def _first_and_last(path: Path) -> tuple[bytes, bytes]:
    """The first and last lines of a non-empty file, reading only its two ends."""
    with open(path, "rb") as f:
        first = f.readline()
        end = f.seek(0, os.SEEK_END)
        block, tail = 4096, b""
        pos = end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            f.seek(pos)
            tail = f.read(step) + tail
            if tail.rstrip(b"\n").rfind(b"\n") >= 0:
                break
        last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return first.rstrip(b"\n"), last


class ChainedFile:
    """An append-only JSON Lines file whose lines form a hash chain; one ``os.write`` per line."""

    def __init__(self, path: str | os.PathLike[str], run: str | None = None, signer: Key | None = None,
                 header: dict[str, Any] | None = None):
        self.path = Path(path)
        self.header = {k: v for k, v in (header or {}).items() if v}  # on this process's first line (who we are)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.signer = signer
        self._lock = threading.Lock()
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        self.tip: str | None = None
        self.run = run or default_run_name()
        self.lines = 0  # lines written by this process
        self._resumed = ""
        self._first = True
        if os.fstat(self._fd).st_size:
            if os.pread(self._fd, 1, os.fstat(self._fd).st_size - 1) != b"\n":
                os.write(self._fd, b"\n")  # a previous process was killed mid-line: keep lines whole
            first, last = _first_and_last(self.path)
            self.tip = line_hash(last)
            try:
                named = json.loads(first).get("run")
            except (ValueError, AttributeError):
                named = None
            self.run = named if isinstance(named, str) and named else self.run
            self._resumed = utc_iso()

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record`` with its chain fields."""
        with self._lock:
            if self._fd is None:
                raise ValueError(f"{self.path} is closed")
            head: dict[str, Any] = {}
            if self.tip is None:
                head.update(run=self.run, run_started=record.get("ts") or utc_iso())
            elif self._resumed:
                head.update(run=self.run, resumed=self._resumed)
                self._resumed = ""
            if self._first:
                head.update(self.header)
                self._first = False
            body = _dumps({**head, **{k: v for k, v in record.items() if k not in head}} if head else record)
            prev = "null" if self.tip is None else f'"{self.tip}"'
            line = (f'{{"prev":{prev},' + body[1:] if len(body) > 2 else f'{{"prev":{prev}}}').encode("utf-8")
            os.write(self._fd, line + b"\n")
            self.tip = hashlib.sha256(line).hexdigest()
            self.lines += 1

    def sign(self) -> dict[str, Any] | None:
        """Sign the chain's last hash; the signature line is appended to ``AUDIT.sig``."""
        if self.signer is None or self.tip is None:
            return None
        from crawler.net.keys import b64url

        entry = {"run": self.run, "hash": self.tip, "ts": utc_iso(), "alg": "ed25519", "keyid": self.signer.keyid,
                 "jwk": self.signer.jwk, "sig": b64url(self.signer.sign(signed_message(self.run, self.tip)))}
        fd = os.open(str(self.path) + SIG_SUFFIX, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, json.dumps(entry, separators=(",", ":")).encode("utf-8") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        return entry

    def close(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
        self.sign()


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def prev_of_cut_line(line: bytes) -> tuple[bool, str | None]:
    """For a line that is not JSON (cut by a kill): (it starts like a chained record, its prev)."""
    m = _PREV.match(line)
    if not m:
        return False, None
    return True, m.group(1).decode("ascii") if m.group(1) else None
