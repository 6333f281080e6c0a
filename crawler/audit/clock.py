"""The audit records' timestamps: ISO 8601 UTC with milliseconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utc_iso(ts: float | None = None) -> str:
    """An ISO 8601 UTC timestamp with milliseconds."""
    dt = datetime.fromtimestamp(time.time() if ts is None else ts, tz=UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")
