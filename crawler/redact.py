"""Credentials in URLs (``http://user:pass@host/``) never reach an output: audit log, items, logs, report.

One function, :func:`redact`, is applied by the writers (crawler.audit.AuditLog for the audit log,
crawler.pipelines.JsonLinesItems for items, file or stdout; the job summary) and by a logging filter on
the root handlers (:func:`install`); the report is built from the audit log, so it inherits it. The whole user-info part is
replaced, since a lone user name is often a token (``https://TOKEN@host/``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/?#\s@\"'<>]*)@")
_SEEN_MAX = 1024
_seen: dict[str, None] = {}  # user-info met in URLs: messages also quote it bare ("invalid hostname: u:p@host")


def redact_text(text: str) -> str:
    """``text`` with the user-info of every URL in it, and wherever else it appears before an ``@``, as ``***``."""
    if "@" not in text:  # the common case costs one scan in C
        return text
    for m in _USERINFO.finditer(text):
        if m.group(2) and m.group(2) != MASK and m.group(2) not in _seen and len(_seen) < _SEEN_MAX:
            _seen[m.group(2)] = None
    text = _USERINFO.sub(rf"\1{MASK}@", text)
    for secret in _seen:
        if secret + "@" in text:
            text = text.replace(secret + "@", MASK + "@")
    return text


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
