"""The job file's keys: top-level keys, sections (``limits:``...) and the check of each, from crawler.options.

A problem is a message (``must be a whole number >= 0, got -1``); crawler.jobs.config adds file:line and key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crawler.options import OPTIONS, Option

Check = Callable[[Any], "str | None"]


def _int(minimum: int) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            return f"must be a whole number >= {minimum}, got {v!r}"
        return None
    return check


def _num(minimum: float) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= minimum:
            return f"must be a number >= {minimum:g}, got {v!r}"
        return None
    return check


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else f"must be true or false, got {v!r}"


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else f"must be non-empty text, got {v!r}"


def _anything(v: Any) -> str | None:
    return None


def _choice(*choices: str) -> Check:
    def check(v: Any) -> str | None:
        return None if v in choices else f"must be one of {', '.join(choices)}, got {v!r}"
    return check


def _agent_url(v: Any) -> str | None:
    from crawler.net.webbotauth import check_agent_url

    try:
        check_agent_url(v if isinstance(v, str) else "")
    except ValueError as exc:
        return f"{exc}, got {v!r}"
    return None


def _audit_kept(v: Any) -> str | None:
    return None if v is True else "the audit log is always kept (resume and the report rely on it) — remove this key"


#: Keys crawler.jobs.config reads itself: a value or a mapping (images:, scope:, redis:), a folder or a list...
OWN_READS = ("seeds", "policies", "images", "scope", "redis", "network.allow_networks", "network.resolve",
             "outputs.audit", "resume.in_flight")
#: Checks beyond the kind's.
_CHECKS: dict[str, Check] = {"signature_agent": _agent_url, "outputs.audit": _audit_kept}
#: Options read as one value of their kind: ``key`` or ``section.key`` in the job file.
PLAIN = tuple(o for o in OPTIONS if o.job and o.job not in OWN_READS and o.job.split(".")[0] not in OWN_READS)


def _check_for(opt: Option) -> Check:
    """The job-file check of an option's kind."""
    kind = opt.job_type
    if kind in ("int", "float"):
        return _int(int(opt.minimum or 0)) if kind == "int" else _num(opt.minimum or 0)
    if kind == "choice":
        return _choice(*opt.choices)
    return {"bool": _bool, "text": _text, "path": _text, "url": _text}.get(kind, _anything)


def _layout() -> tuple[dict[str, Check], dict[str, dict[str, Check]]]:
    """The job file's top-level keys and its sections (``limits:``...), from the options' job keys."""
    top: dict[str, Check] = {}
    sections: dict[str, dict[str, Check]] = {}
    for opt in OPTIONS:
        if not opt.job:
            continue
        check = _CHECKS.get(opt.job) or (_anything if opt.job in OWN_READS else _check_for(opt))
        head, _, key = opt.job.partition(".")
        if not key:
            top[head] = check
        elif head not in OWN_READS:  # a section (limits:), not a value-or-mapping (images:, scope:, redis:)
            top.setdefault(head, _anything)
            sections.setdefault(head, {})[key] = check
    return top, sections


#: section -> key -> check. Top-level keys map to themselves.
TOP, SECTIONS = _layout()


def field(opt: Option) -> str:
    """The Job field of ``opt``: its name, or its key's last part where the job file means something else
    (``outputs.items: true`` for ``--out FILE``)."""
    return opt.name if opt.job_type == opt.kind else str(opt.job).rpartition(".")[2]


def value(data: dict[str, Any], opt: Option) -> Any:
    """``opt``'s value in the job file (null or absent: its job default), as its kind holds it."""
    head, _, key = str(opt.job).partition(".")
    found = (data.get(head) or {}).get(key) if key else data.get(head)
    if found is None:
        return opt.job_value
    return float(found) if opt.job_type == "float" and isinstance(found, int) and not isinstance(found, bool) else found
