"""Job files: what ``civilcrawl crawl`` takes as flags, plus a state folder, in YAML.

Loaded with ``yaml.safe_load`` semantics, bounded by crawler.safeyaml (no aliases, no deep nesting, finite
numbers); every problem is reported as ``file:line: field: message``, all at once. Relative paths
resolve against the job file's folder.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crawler import safeyaml
from crawler.decide.policy.errors import PolicyError, Problem
from crawler.jobs.layout import PLAIN, SECTIONS, TOP, field, value
from crawler.net.guard import parse_allowance, parse_resolve_address
from crawler.net.redisclient import url_problem
from crawler.net.rediskeys import name_problem
from crawler.net.urls import BadURL, split_origin
from crawler.options import option

EXAMPLE = """\
seeds: [https://example.org/]
contact: mailto:ops@example.org
state: state/            # job journal, robots.txt cache, lock (relative to this file)
"""


class JobError(PolicyError):
    """One or more problems in a job file, one ``file:line: field: message`` per line."""


@dataclass
class Job:
    """A validated job file. Each field is the crawl option of the same name (crawler.options), read from its
    job-file key; ``items`` is ``outputs.items`` and ``redis_url`` is ``redis``."""

    path: Path
    seeds: list[str]
    contact: str
    state: Path
    token: str
    purpose: str
    policies: list[Path]
    terms: str
    art3: bool
    out_dir: Path | None
    items: bool
    report: bool
    max_pages: int
    max_depth: int | None
    delay: float
    host_concurrency: int
    max_bytes: int
    timeout: float
    max_time: float
    allow_private_networks: bool
    allow_networks: list[str]
    resolve: dict[str, str]
    images: bool
    images_dir: Path | None
    redis_url: str | None
    cluster: str | None
    in_flight: str
    sign_audit: bool
    signature_agent: str | None
    scope: str
    sitemaps: bool
    warc: bool
    include: list[str]
    exclude: list[str]

    @property
    def outputs(self) -> Path:
        return self.out_dir or self.state / "runs"


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
    if job is not None and not problems:
        _check_output_paths(job, data, problem)
    if problems or job is None:
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


def _build(path: Path, base: Path, data: dict, problem: Callable[[str, str], None]) -> Job | None:
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
    token = data.get("token") or option("token").default
    if contact:
        from crawler.net.identity import user_agent

        try:
            user_agent(str(token), str(contact))
        except ValueError as exc:
            problem("token" if "token" in str(exc) else "contact", str(exc))
    if not all(isinstance(data.get(section) or {}, dict) for section in SECTIONS):
        return None  # said by load_job: "must be a mapping of ..."
    network, resume = data.get("network") or {}, data.get("resume") or {}
    plain = {field(o): value(data, o) for o in PLAIN if o.name not in ("contact", "token", "state")}
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
    in_flight = resume.get("in_flight", option("in_flight").default)
    if in_flight not in option("in_flight").choices:
        problem("resume.in_flight", f"must be 'resend' or 'skip', got {in_flight!r}")
    images = data.get("images") or option("images").job_value
    images_dir = base / option("images_dir").job_value
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
    if redis is not None and (wrong := url_problem(redis_url)):
        problem("redis", f"{wrong}, or {{url: ..., cluster: NAME}}; got {redis!r}")
        redis_url = None
    if cluster is not None and (wrong := name_problem(str(cluster))):
        problem("redis.cluster", wrong)
        cluster = None
    scope, include, exclude = _scope(data.get("scope"), problem)
    state = data.get("state")
    out_dir = plain.pop("out_dir")
    return Job(
        path=path, seeds=[str(s) for s in seeds], contact=str(contact), token=str(token),
        state=(base / str(state)) if isinstance(state, str) and state else base, policies=[base / p for p in policies],
        out_dir=base / out_dir if isinstance(out_dir, str) and out_dir else None,
        allow_networks=[str(n) for n in nets], resolve={str(k).lower(): v for k, v in resolve.items()},
        images=images, images_dir=images_dir, redis_url=redis_url, cluster=str(cluster) if cluster else None,
        in_flight=in_flight if in_flight in option("in_flight").choices else option("in_flight").default,
        scope=scope, include=include, exclude=exclude, **plain,
    )


def _scope(value: Any, problem: Callable[[str, str], None]) -> tuple[str, list[str], list[str]]:
    """``scope: subdomains`` or ``scope: {mode: domain, include: [REGEX...], exclude: [REGEX...]}``."""
    from crawler.decide.scope import MODES, compile_patterns

    example = "write `scope: subdomains` or `scope: {mode: domain, include: ['/blog/'], exclude: ['[?]']}`"
    if value is None:
        return option("scope").default, [], []
    if isinstance(value, str):
        value = {"mode": value}
    if not isinstance(value, dict):
        problem("scope", f"must be one of {', '.join(MODES)} or a mapping — {example}")
        return option("scope").default, [], []
    if unknown := sorted(set(value) - {"mode", "include", "exclude"}):
        problem("scope", f"unknown key {unknown[0]!r} — {example}")
    mode = value.get("mode") or option("scope").default
    if mode not in MODES:
        problem("scope.mode" if "mode" in value else "scope", f"must be one of {', '.join(MODES)}, got {mode!r}")
        mode = option("scope").default
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
