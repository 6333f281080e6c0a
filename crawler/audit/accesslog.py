"""Read a web server's access log: nginx/Apache "combined" lines, or JSON lines (higher-resolution times).

Combined: ``ADDR IDENT USER [06/Dec/2026:09:39:08 +0000] "GET /path HTTP/1.1" STATUS BYTES "REFERER" "UA"``
(anything after the User-Agent is ignored). Its times have 1 s resolution. nginx writes the time the
request *ended* (``$time_local``, ``$msec``); Apache's ``%t`` is when it was received.

JSON (one object per line, e.g. nginx ``log_format ... escape=json``): the time from ``msec`` (epoch
seconds with milliseconds), ``time``/``time_iso8601``/``timestamp`` (ISO 8601; the resolution is that of
its fraction digits), the request from ``request`` ("GET /p HTTP/1.1") or ``request_uri``/``uri``/``path``,
``status``, the User-Agent from ``http_user_agent``/``user_agent``, and, when logged, the answer's
Retry-After from ``sent_http_retry_after``/``retry_after``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

COMBINED = re.compile(
    r'^(?P<addr>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) \S+'
    r'(?: "(?:[^"\\]|\\.)*" "(?P<ua>(?:[^"\\]|\\.)*)")?')
_TIME_KEYS = ("msec", "time", "time_iso8601", "timestamp", "time_local")
_PATH_KEYS = ("request_uri", "uri", "path")
_UA_KEYS = ("http_user_agent", "user_agent", "ua")
_RA_KEYS = ("sent_http_retry_after", "retry_after")


class LogError(ValueError):
    """A log line that cannot be read in the format given."""


@dataclass
class Entry:
    """One request as the server logged it."""

    line: int
    text: str
    time: float  # epoch seconds, as logged (truncated to the resolution)
    resolution: float  # the true time lies in [time, time + resolution)
    target: str  # the request target: path and query
    status: int
    user_agent: str
    retry_after: str | None = None


def parse_combined(n: int, text: str) -> Entry:
    m = COMBINED.match(text)
    if not m:
        raise LogError("not in combined format (ADDR - USER [TIME] \"REQUEST\" STATUS BYTES \"REFERER\" \"UA\")")
    try:
        when = datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        raise LogError(f"time [{m['time']}] is not like [06/Dec/2026:09:39:08 +0000]") from None
    return Entry(n, text, when, 1.0, _target(_unescape(m["request"])), int(m["status"]), _unescape(m["ua"] or ""))


def parse_json(n: int, text: str) -> Entry:
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise LogError(f"not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise LogError("not a JSON object")
    when, resolution = _json_time(obj)
    target = next((str(obj[k]) for k in _PATH_KEYS if obj.get(k)), None)
    if target is None and obj.get("request"):
        target = _target(str(obj["request"]))
    if target is None:
        raise LogError(f"no request path (one of request, {', '.join(_PATH_KEYS)})")
    try:
        status = int(obj["status"])
    except (KeyError, TypeError, ValueError):
        raise LogError(f"no numeric status (got {obj.get('status')!r})") from None
    ua = next((str(obj[k]) for k in _UA_KEYS if k in obj), "")
    ra = next((str(obj[k]) for k in _RA_KEYS if obj.get(k) not in (None, "", "-")), None)
    return Entry(n, text, when, resolution, target, status, ua, ra)


def _json_time(obj: dict) -> tuple[float, float]:
    for key in _TIME_KEYS:
        value = obj.get(key)
        if value in (None, ""):
            continue
        if key == "msec" or isinstance(value, (int, float)):
            digits = str(value).partition(".")[2]
            return float(value), 10.0 ** -len(digits) if digits else 1.0
        value = str(value)
        if key == "time_local":
            return datetime.strptime(value, "%d/%b/%Y:%H:%M:%S %z").timestamp(), 1.0
        m = re.search(r"\d\d:\d\d:\d\d(?:\.(\d+))?", value)
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise LogError(f"{key} {value!r} is not an ISO 8601 time") from None
        return when, 10.0 ** -len(m.group(1)) if m and m.group(1) else 1.0
    raise LogError(f"no time (one of {', '.join(_TIME_KEYS)})")


def _target(request: str) -> str:
    """``GET /p?q HTTP/1.1`` -> ``/p?q`` (an absolute-form target keeps only its path)."""
    parts = request.split(" ")
    target = parts[1] if len(parts) >= 2 else parts[0]
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    return target or "/"


def _unescape(text: str) -> str:
    r"""nginx writes ``"`` and control bytes as ``\xHH``; Apache as ``\"``."""
    return re.sub(r"\\x([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text).replace('\\"', '"')


def read(path: str, fmt: str) -> Iterator[Entry | tuple[int, str, str]]:
    """Each line as an :class:`Entry`, or ``(line, text, problem)`` when it cannot be read."""
    parse = parse_json if fmt == "json" else parse_combined
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, raw in enumerate(f, 1):
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                yield parse(n, text)
            except LogError as exc:
                yield n, text, str(exc)
