"""Job files: what ``civilcrawl crawl`` takes as flags, plus a state folder, in YAML.

Loaded with ``yaml.safe_load`` semantics, bounded by crawler.safeyaml (no aliases, no deep nesting, finite
numbers); every problem is reported as ``file:line: field: message``, all at once. Relative paths
resolve against the job file's folder.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crawler import safeyaml
from crawler.decide.policy.errors import PolicyError, Problem
from crawler.net.guard import parse_allowance, parse_resolve_address
from crawler.net.urls import BadURL, split_origin

EXAMPLE = """\
seeds: [https://example.org/]
contact: mailto:ops@example.org
state: state/            # job journal, robots.txt cache, lock (relative to this file)
"""


class JobError(PolicyError):
    """One or more problems in a job file, one ``file:line: field: message`` per line."""


@dataclass
class Job:
    """A validated job file."""

    path: Path
    seeds: list[str]
    contact: str
    state: Path
    token: str = "civilcrawl"
    purpose: str = "research"
    policies: list[Path] = field(default_factory=list)
    terms: str = "discover"
    art3: bool = False
    out_dir: Path | None = None
    items: bool = True
    report: bool = False
    max_pages: int = 0
    max_depth: int | None = None
    delay: float = 1.0
    host_concurrency: int = 1
    max_bytes: int = 10 * 1024 * 1024
    timeout: float = 30.0
    max_time: float = 0.0
    allow_private_networks: bool = False
    allow_networks: list[str] = field(default_factory=list)
    resolve: dict[str, str] = field(default_factory=dict)
    images: bool = False
    images_dir: Path | None = None
    redis_url: str | None = None
    cluster: str | None = None
    in_flight: str = "resend"
    sign_audit: bool = True
    signature_agent: str | None = None
    scope: str = "origin"
    sitemaps: bool = True
    warc: bool = False
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    @property
    def outputs(self) -> Path:
        return self.out_dir or self.state / "runs"


def _int(minimum: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            return f"must be a whole number >= {minimum}, got {v!r}"
        return None
    return check


def _num(minimum: float) -> Callable[[Any], str | None]:
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


def _choice(*choices: str) -> Callable[[Any], str | None]:
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


PURPOSES = ("search", "archive", "research", "ai-train")


#: section -> key -> check. Top-level keys map to themselves.
TOP: dict[str, Callable[[Any], str | None]] = {
    "seeds": _anything, "contact": _text, "token": _text, "purpose": _choice(*PURPOSES), "policies": _anything,
    "terms": _choice("policy", "discover", "require-policy"), "art3": _bool,
    "state": _text, "outputs": _anything, "limits": _anything, "network": _anything, "images": _anything,
    "redis": _anything, "resume": _anything, "signature_agent": _agent_url, "scope": _anything,
    "sitemaps": _bool,
}
SECTIONS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "outputs": {"dir": _text, "items": _bool, "warc": _bool, "audit": _audit_kept, "report": _bool, "sign_audit": _bool},
    "limits": {"max_pages": _int(0), "max_depth": _int(0), "delay": _num(0), "host_concurrency": _int(1),
               "max_bytes": _int(0), "timeout": _num(0), "max_time": _num(0)},
    "network": {"allow_private_networks": _bool, "allow_networks": _anything, "resolve": _anything},
    "resume": {"in_flight": _anything},
}


def load_job(path: str | Path) -> Job:
    """Read and validate a job file; raise JobError listing every problem with its file:line."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JobError([Problem(name, 1, "", f"cannot read the job file ({exc}) — check the path")]) from None
    try:
        root = safeyaml.compose(text)  # no aliases, bounded depth, finite numbers and real dates
        data = safeyaml.construct(root)
    except safeyaml.YAMLProblem as exc:
        raise JobError([Problem(name, exc.line, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise JobError([Problem(name, mark.line + 1 if mark else 1, "",
                                f"not valid YAML: {exc.problem} — fix the syntax (indentation, quotes, colons)")]) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise JobError([Problem(name, 1, "", f"not valid YAML: {exc}")]) from None
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise JobError([Problem(name, 1, "", "a job file is a mapping of keys, for example:\n" + EXAMPLE)])
    lines = _lines(root)
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(name, lines.get(key, lines.get(key.split(".")[0], 1)), key, message))

    _check_keys(data, lines, name, problems)
    for key, check in TOP.items():
        if key in data and data[key] is not None and (msg := check(data[key])):
            problem(key, msg)
    for section, keys in SECTIONS.items():
        value = data.get(section)
        if value is None:
            continue
        if not isinstance(value, dict):
            problem(section, f"must be a mapping of {', '.join(keys)}")
            continue
        for key, v in value.items():
            if key in keys and v is not None and (msg := keys[key](v)):
                problem(f"{section}.{key}", msg)
    for key in ("seeds", "contact", "state"):
        if data.get(key) in (None, "", []):
            problems.append(Problem(name, 1, key, f"required — e.g.\n{EXAMPLE}"))
    base = path.resolve().parent
    job = _build(path, base, data, problem)
    if not problems:
        _check_output_paths(job, data, problem)
    if problems:
        raise JobError(problems)
    return job


def _check_output_paths(job: Job, data: dict, problem: Callable[[str, str], None]) -> None:
    """Every folder the job writes must be a folder it can write: said now, with nothing made yet."""
    from crawler.output.paths import FOLDER, path_problem

    outputs_key = "outputs.dir" if job.out_dir else "state"
    images_key = "images.dir" if isinstance(data.get("images"), dict) else "images"
    state_bad = False
    for key, folder in (("state", job.state), (outputs_key, job.outputs),
                        (images_key, job.images_dir if job.images else None)):
        if folder is None or (key == "state" and state_bad):  # the default outputs folder is inside state
            continue
        if why := path_problem(folder, FOLDER):
            problem(key, f"{folder}: {why} — choose a folder this user can write")
            state_bad = state_bad or key == "state"


def _build(path: Path, base: Path, data: dict, problem: Callable[[str, str], None]) -> Job:
    seeds = data.get("seeds") or []
    if isinstance(seeds, str):
        seeds = [seeds]
    if not isinstance(seeds, list):
        problem("seeds", "must be a list of http(s) URLs")
        seeds = []
    for i, seed in enumerate(seeds):
        try:
            split_origin(str(seed))
        except BadURL as exc:
            problem("seeds", f"item {i + 1}: {exc}")
    contact = data.get("contact") or ""
    token = data.get("token") or "civilcrawl"
    if contact:
        from crawler.net.identity import user_agent

        try:
            user_agent(str(token), str(contact))
        except ValueError as exc:
            problem("token" if "token" in str(exc) else "contact", str(exc))
    outputs, limits = data.get("outputs") or {}, data.get("limits") or {}
    network, resume = data.get("network") or {}, data.get("resume") or {}
    for section in ("outputs", "limits", "network", "resume"):
        if not isinstance(data.get(section) or {}, dict):
            return Job(path, [], "", base)
    policies = data.get("policies") or []
    if isinstance(policies, str):
        policies = [policies]
    if not isinstance(policies, list) or not all(isinstance(p, str) for p in policies):
        problem("policies", "must be a folder of policy files, or a list of folders")
        policies = []
    nets = network.get("allow_networks") or []
    if not isinstance(nets, list):
        problem("network.allow_networks", "must be a list of CIDR networks or ADDRESS:PORT, "
                                          "e.g. [127.0.0.1/32, '127.0.0.1:8080']")
        nets = []
    for net in nets:
        try:
            parse_allowance(str(net))
        except ValueError as exc:
            problem("network.allow_networks", f"{net!r}: {exc}")
    resolve = network.get("resolve") or {}
    if not isinstance(resolve, dict) or not all(isinstance(v, str) for v in resolve.values()):
        problem("network.resolve", "must map host names to addresses, e.g. {example.test: 127.0.0.1}")
        resolve = {}
    for host, addr in resolve.items():
        try:
            parse_resolve_address(addr)
        except ValueError as exc:
            problem("network.resolve", f"{host}: {exc}")
    in_flight = resume.get("in_flight", "resend")
    if in_flight not in ("resend", "skip"):
        problem("resume.in_flight", f"must be 'resend' or 'skip', got {in_flight!r}")
    purpose = data.get("purpose") if data.get("purpose") in PURPOSES else "research"
    images = data.get("images") or False
    images_dir = base / "images"
    if isinstance(images, dict):
        unknown = set(images) - {"dir"}
        if unknown:
            problem("images", f"unknown key {sorted(unknown)[0]!r} — write `images: true` or `images: {{dir: FOLDER}}`")
        if isinstance(images.get("dir"), str):
            images_dir = base / images["dir"]
        images = True
    elif not isinstance(images, bool):
        problem("images", f"must be true, false or {{dir: FOLDER}}, got {images!r}")
        images = False
    redis = data.get("redis")
    redis_url, cluster = (redis.get("url"), redis.get("cluster")) if isinstance(redis, dict) else (redis, None)
    if redis is not None and not (isinstance(redis_url, str) and redis_url.startswith(("redis://", "rediss://", "unix://"))):
        problem("redis", f"expected a redis://HOST:PORT/DB URL or {{url: ..., cluster: NAME}}, got {redis!r}")
        redis_url = None
    scope, include, exclude = _scope(data.get("scope"), problem)
    state = data.get("state")
    out_dir = outputs.get("dir")
    return Job(
        path=path, seeds=[str(s) for s in seeds], contact=str(contact), token=str(token),
        state=(base / str(state)) if isinstance(state, str) and state else base,
        purpose=purpose, policies=[base / p for p in policies], terms=data.get("terms") or "discover",
        art3=data.get("art3") is True,
        out_dir=base / out_dir if isinstance(out_dir, str) and out_dir else None,
        items=outputs.get("items", True), report=outputs.get("report", False),
        max_pages=limits.get("max_pages") or 0, max_depth=limits.get("max_depth"),
        delay=float(limits.get("delay", 1.0) if isinstance(limits.get("delay", 1.0), (int, float)) else 1.0),
        host_concurrency=limits.get("host_concurrency") or 1,
        max_bytes=limits.get("max_bytes", 10 * 1024 * 1024), timeout=limits.get("timeout", 30.0),
        max_time=limits.get("max_time") or 0.0,
        allow_private_networks=bool(network.get("allow_private_networks", False)),
        allow_networks=[str(n) for n in nets], resolve={str(k).lower(): v for k, v in resolve.items()},
        images=images, images_dir=images_dir, redis_url=redis_url, cluster=str(cluster) if cluster else None,
        in_flight=in_flight if in_flight in ("resend", "skip") else "resend",
        sign_audit=outputs.get("sign_audit", True) is not False,
        signature_agent=data.get("signature_agent") if isinstance(data.get("signature_agent"), str) else None,
        scope=scope, include=include, exclude=exclude, sitemaps=data.get("sitemaps") is not False,
        warc=outputs.get("warc") is True,
    )


def _scope(value: Any, problem: Callable[[str, str], None]) -> tuple[str, list[str], list[str]]:
    """``scope: subdomains`` or ``scope: {mode: domain, include: [REGEX...], exclude: [REGEX...]}``."""
    from crawler.decide.scope import MODES, compile_patterns

    example = "write `scope: subdomains` or `scope: {mode: domain, include: ['/blog/'], exclude: ['[?]']}`"
    if value is None:
        return "origin", [], []
    if isinstance(value, str):
        value = {"mode": value}
    if not isinstance(value, dict):
        problem("scope", f"must be one of {', '.join(MODES)} or a mapping — {example}")
        return "origin", [], []
    if unknown := sorted(set(value) - {"mode", "include", "exclude"}):
        problem("scope", f"unknown key {unknown[0]!r} — {example}")
    mode = value.get("mode") or "origin"
    if mode not in MODES:
        problem("scope.mode" if "mode" in value else "scope", f"must be one of {', '.join(MODES)}, got {mode!r}")
        mode = "origin"
    lists = []
    for key in ("include", "exclude"):
        patterns = value.get(key) or []
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            problem(f"scope.{key}", f"must be a list of regular expressions — {example}")
            patterns = []
        try:
            compile_patterns(patterns, f"scope.{key}")
        except ValueError as exc:
            problem(f"scope.{key}", str(exc))
            patterns = []
        lists.append(patterns)
    return mode, lists[0], lists[1]


def _lines(root: yaml.MappingNode) -> dict[str, int]:
    """``key`` and ``section.key`` -> line (1-based) where the key is written."""
    lines: dict[str, int] = {}
    for k, v in root.value:
        key = str(k.value)
        lines[key] = k.start_mark.line + 1
        if isinstance(v, yaml.MappingNode):
            for k2, _ in v.value:
                lines[f"{key}.{k2.value}"] = k2.start_mark.line + 1
    return lines


def _check_keys(data: dict, lines: dict[str, int], name: str, problems: list[Problem]) -> None:
    """Unknown keys are errors (a typo would otherwise silently fall back to a default)."""
    for key in data:
        if key not in TOP:
            problems.append(Problem(name, lines.get(str(key), 1), str(key), _unknown(str(key), TOP)))
        elif key in SECTIONS and isinstance(data[key], dict):
            for sub in data[key]:
                if sub not in SECTIONS[key]:
                    problems.append(Problem(name, lines.get(f"{key}.{sub}", lines.get(key, 1)), f"{key}.{sub}",
                                            _unknown(str(sub), SECTIONS[key])))


def _unknown(key: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" — did you mean {close[0]!r}?" if close else f" — known keys: {', '.join(known)}"
    return f"unknown key{hint}"
