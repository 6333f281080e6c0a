"""The job journal: every URL of a job and its runs in SQLite (WAL), so a kill at any moment loses nothing.

A URL of the current run moves ``queued -> sent -> received -> done``. Each step is committed before
the action it announces: ``sent`` before the request leaves the gate, ``received`` (with the body)
before its audit record is written, ``done`` once its item and links are safe. A committed WAL
transaction survives SIGKILL (the OS has it); ``synchronous=NORMAL`` trades power-loss durability of
the last commits for speed. Between runs a URL keeps its validators (ETag, Last-Modified), body digest
and followed links, which make the next run incremental.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "frontier.sqlite3"  # the file's name from before the journal had its own: state folders keep working
QUEUED, SENT, RECEIVED, DONE = "queued", "sent", "received", "done"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    status TEXT,
    resumes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    run INTEGER NOT NULL,
    state TEXT NOT NULL,
    depth INTEGER NOT NULL DEFAULT 0,
    via TEXT,
    outcome TEXT,
    resent INTEGER NOT NULL DEFAULT 0,
    etag TEXT,
    last_modified TEXT,
    digest TEXT,
    links TEXT,
    nofollow TEXT,
    status INTEGER,
    headers TEXT,
    body BLOB
);
CREATE INDEX IF NOT EXISTS urls_by_run ON urls (run, state);
"""


@dataclass
class Row:
    """One URL as the journal knows it."""

    url: str
    run: int
    state: str
    depth: int
    via: str | None
    outcome: str | None
    resent: int
    etag: str | None
    last_modified: str | None
    digest: str | None
    links: list[str] | None
    nofollow: list[str] | None = None  # links not followed (nofollow): recorded as such when the run ends

    @classmethod
    def from_db(cls, r: sqlite3.Row) -> Row:
        return cls(r["url"], r["run"], r["state"], r["depth"], r["via"], r["outcome"], r["resent"], r["etag"],
                   r["last_modified"], r["digest"], json.loads(r["links"]) if r["links"] else None,
                   json.loads(r["nofollow"]) if r["nofollow"] else None)


@dataclass
class Run:
    """One run of the job: begun, maybe resumed after a kill or a stop, finished once all its URLs are done."""

    id: int
    started: float
    finished: float | None
    status: str | None
    resumes: int


class Journal:
    """The job's URLs and runs in ``STATE/frontier.sqlite3``."""

    def __init__(self, state_dir: str | os.PathLike[str]):
        self.path = Path(state_dir) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        columns = {r["name"] for r in self.db.execute("PRAGMA table_info(urls)")}
        if "nofollow" not in columns:  # a state folder from before nofollow links were kept
            self.db.execute("ALTER TABLE urls ADD COLUMN nofollow TEXT")
        self.run: Run | None = None
        self._known: set[str] = set()

    # -- runs -------------------------------------------------------------------------------------------------

    def last_run(self) -> Run | None:
        r = self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return Run(r["id"], r["started"], r["finished"], r["status"], r["resumes"]) if r else None

    def open_run(self) -> tuple[Run, bool]:
        """Resume the last run if it never finished, else begin the next; return (run, resumed)."""
        last = self.last_run()
        if last is not None and last.finished is None:
            self.db.execute("UPDATE runs SET resumes = resumes + 1 WHERE id = ?", (last.id,))
            last.resumes += 1
            self.run, resumed = last, True
        else:
            new_id = (last.id + 1) if last else 1
            self.db.execute("INSERT INTO runs (id, started) VALUES (?, ?)", (new_id, time.time()))
            self.run, resumed = Run(new_id, time.time(), None, None, 0), False
        self._known = {r[0] for r in self.db.execute("SELECT url FROM urls WHERE run = ?", (self.run.id,))}
        return self.run, resumed

    def finish_run(self, status: str) -> None:
        assert self.run is not None
        self.db.execute("UPDATE runs SET finished = ?, status = ? WHERE id = ?", (time.time(), status, self.run.id))
        self.run.finished, self.run.status = time.time(), status

    @property
    def run_id(self) -> int:
        assert self.run is not None, "open_run() first"
        return self.run.id

    # -- URLs -------------------------------------------------------------------------------------------------

    def known(self, url: str) -> bool:
        """Has this run already taken ``url`` in (queued it or decided on it)?"""
        return url in self._known

    def remember(self, urls: Iterable[str]) -> None:
        """Count ``urls`` as taken in without a row (their final decision is in the audit log already)."""
        self._known.update(urls)

    def get(self, url: str) -> Row | None:
        r = self.db.execute("SELECT * FROM urls WHERE url = ?", (url,)).fetchone()
        return Row.from_db(r) if r else None

    def queue(self, url: str, depth: int, via: str | None = None) -> None:
        """Take ``url`` into this run (keeping what earlier runs learnt about it)."""
        self._known.add(url)
        self._write("INSERT INTO urls (url, run, state, depth, via) VALUES (?, ?, 'queued', ?, ?) "
                    "ON CONFLICT (url) DO UPDATE SET run = excluded.run, state = 'queued', depth = excluded.depth, "
                    "via = excluded.via, outcome = NULL, resent = 0, status = NULL, headers = NULL, body = NULL",
                    (url, self.run_id, depth, via))

    def sent(self, url: str, depth: int) -> None:
        """Committed before the request leaves: on resume a 'sent' URL may have reached the server."""
        self._known.add(url)
        self._write("INSERT INTO urls (url, run, state, depth) VALUES (?, ?, 'sent', ?) "
                    "ON CONFLICT (url) DO UPDATE SET run = excluded.run, state = 'sent', status = NULL, "
                    "headers = NULL, body = NULL", (url, self.run_id, depth))

    def received(self, url: str, status: int, headers: dict[str, list[str]], body: bytes) -> None:
        """Committed before the audit record: the response can be processed again without a new fetch."""
        self._write("UPDATE urls SET state = 'received', status = ?, headers = ?, body = ? WHERE url = ? AND run = ?",
                    (status, json.dumps(headers), body, url, self.run_id))

    def stored_response(self, url: str) -> tuple[int, dict[str, list[str]], bytes] | None:
        r = self.db.execute("SELECT status, headers, body FROM urls WHERE url = ? AND state = 'received'",
                            (url,)).fetchone()
        return (r["status"], json.loads(r["headers"] or "{}"), r["body"] or b"") if r else None

    def done(self, url: str, outcome: str, *, etag: str | None = None, last_modified: str | None = None,
             digest: str | None = None, links: list[str] | None = None, nofollow: list[str] | None = None) -> None:
        """The URL is finished for this run; validators, digest and links are kept for the next one."""
        sets, args = ["state = 'done'", "outcome = ?", "status = NULL", "headers = NULL", "body = NULL"], [outcome]
        for col, value in (("etag", etag), ("last_modified", last_modified), ("digest", digest)):
            if value is not None:
                sets.append(f"{col} = ?")
                args.append(value)
        for col, found in (("links", links), ("nofollow", nofollow)):
            if found is not None:
                sets.append(f"{col} = ?")
                args.append(json.dumps(found))
        self._write(f"UPDATE urls SET {', '.join(sets)} WHERE url = ? AND run = ?", (*args, url, self.run_id))

    def requeue(self, url: str) -> None:
        """Back to 'queued' (a request dropped by a stopping crawl, to be sent by the next process)."""
        self._write("UPDATE urls SET state = 'queued' WHERE url = ? AND run = ? AND state = 'sent'", (url, self.run_id))

    def mark_resent(self, url: str) -> None:
        self._write("UPDATE urls SET resent = resent + 1 WHERE url = ? AND run = ?", (url, self.run_id))

    def rows(self, *states: str) -> Iterator[Row]:
        """This run's URLs in the given states (all when none given), in the order they were taken in."""
        where = f" AND state IN ({','.join('?' * len(states))})" if states else ""
        for r in self.db.execute(f"SELECT * FROM urls WHERE run = ?{where} ORDER BY rowid", (self.run_id, *states)):
            yield Row.from_db(r)

    def counts(self) -> dict[str, int]:
        """This run's URLs by outcome, plus 'pending' for those not done and 'resent'."""
        out: dict[str, int] = {}
        for r in self.db.execute("SELECT state, outcome, COUNT(*) AS n, SUM(resent) AS resent FROM urls "
                                 "WHERE run = ? GROUP BY state, outcome", (self.run_id,)):
            key = r["outcome"] if r["state"] == DONE else "pending"
            out[key or "unknown"] = out.get(key or "unknown", 0) + r["n"]
            out["resent"] = out.get("resent", 0) + (r["resent"] or 0)
        return out

    def pending(self) -> int:
        """This run's URLs not done yet."""
        return int(self.db.execute("SELECT COUNT(*) FROM urls WHERE run = ? AND state != 'done'",
                                   (self.run_id,)).fetchone()[0])

    def resent_urls(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT url FROM urls WHERE run = ? AND resent > 0", (self.run_id,))]

    # -- transactions -----------------------------------------------------------------------------------------

    def batch(self) -> _Batch:
        """Group writes into one commit (the links found on one page)."""
        return _Batch(self)

    def _write(self, sql: str, args: tuple) -> None:
        self.db.execute(sql, args)  # autocommit unless inside batch(): each step is durable on its own

    def close(self) -> None:
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:
            pass
        self.db.close()


class _Batch:
    def __init__(self, journal: Journal):
        self.db = journal.db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
