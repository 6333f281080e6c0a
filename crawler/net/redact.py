"""Credentials in URLs (``http://user:pass@host/``) never reach an output: audit log, items, logs, report.

One function, :func:`redact`, is applied by the writers (crawler.audit.log.AuditLog for the audit log,
crawler.output.pipelines.JsonLinesItems for items, file or stdout; the job summary) and by a logging filter on
the root handlers (:func:`install`); the report is built from the audit log, so it inherits it. The
whole user-info part is replaced, since a lone user name is often a token (``https://TOKEN@host/``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
_AUTHORITY_END = re.compile(r"[/?#\s\"'<>]")
_SEEN_MAX = 1024
_seen: dict[str, None] = {}  # user-info met in URLs: messages also quote it bare ("invalid hostname: u:p@host")


def redact_text(text: str) -> str:
    """``text`` with the user-info of every URL in it, and wherever else it appears before an ``@``, as ``***``."""
    if "@" not in text:  # the common cases cost a scan or two in C
        return text
    if "://" in text:
        text = _redact_urls(text)
    for secret in _seen:
        if secret + "@" in text:
            text = text.replace(secret + "@", MASK + "@")
    return text


def _redact_urls(text: str) -> str:
    out, done = [], 0
    i = text.find("://")
    while i != -1:
        start = i + 3
        end = m.start() if (m := _AUTHORITY_END.search(text, start)) else len(text)
        at = text.rfind("@", start, end)  # the last '@' ends the user-info, as browsers read it
        if at > start and text[start:at] != MASK:
            if len(_seen) < _SEEN_MAX:
                _seen[text[start:at]] = None
            out += [text[done:start], MASK]
            done = at
        i = text.find("://", max(end, start))
    return "".join(out) + text[done:] if out else text


def redact(value: Any) -> Any:
    """A JSON-like value (str, list, dict) with every URL's credentials replaced; other values as they are."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A handler filter: the formatted message (and exception text) with URL credentials replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "@" in message:
            record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and "@" in record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Put the filter on every handler of the root logger (idempotent; call again after handlers change)."""
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
