"""Read a JSON Lines file (an audit log, an items file): every line with its number and the object on it.

A process killed mid-write leaves its last line cut short. Such a line, like any line that holds no JSON
object, comes back with ``record`` None; each reader decides what that means (the report counts it,
resume ignores it, merge keeps it when more lines follow, verify places it in its chain).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file."""

    number: int  # from 1
    raw: bytes  # as in the file, without its newline
    ended: bool  # False: the last line, with no newline (its writer was stopped mid-line)
    value: Any = None  # the JSON value on the line
    error: ValueError | None = None  # why the line is not JSON (None for JSON and for a blank line)

    @property
    def record(self) -> dict[str, Any] | None:
        """The JSON object on the line; None for anything else (blank, cut short, another JSON value)."""
        return self.value if isinstance(self.value, dict) else None

    @property
    def is_json(self) -> bool:
        return self.error is None and not self.blank

    @property
    def blank(self) -> bool:
        return not self.raw.strip()

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


def lines(path: str | os.PathLike[str]) -> Iterator[Line]:
    """Every line of ``path``, blank ones included (raises OSError as ``open`` does)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            ended = raw.endswith(b"\n")
            raw = raw[:-1] if ended else raw
            value, error = None, None
            if raw.strip():
                try:
                    value = json.loads(raw)
                except ValueError as exc:  # UnicodeDecodeError included: civilcrawl writes UTF-8 only
                    error = exc
            yield Line(number, raw, ended, value, error)


def records(path: str | os.PathLike[str] | None, *, missing_ok: bool = False) -> Iterator[dict[str, Any]]:
    """The JSON objects of ``path`` in order, other lines skipped; with ``missing_ok`` no file (or no path)
    reads as an empty one (the run's file is not written yet)."""
    if missing_ok and not (path and Path(path).exists()):
        return
    for line in lines(path or ""):
        if line.record is not None:
            yield line.record
