"""Load policy files: crawler.safeyaml (``yaml.safe_load``, bounded) for values, the node tree for file:line,
schema.json to validate.

jsonschema is used (not a home-made validator) so the same schema.json that editors use is the
one enforced; this module only turns its errors into messages that say where and what to do.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from jsonschema import Draft202012Validator

from crawler import safeyaml
from crawler.decide.policy.errors import PolicyError, Problem
from crawler.decide.policy.model import Policy, PolicySet

SCHEMA: dict[str, Any] = json.loads(resources.files("crawler.decide.policy").joinpath("schema.json").read_text("utf-8"))
_VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
_NAMES = {"number": "a number", "integer": "a whole number", "string": "text", "boolean": "true or false",
          "array": "a list", "object": "a mapping of keys"}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def load_file(path: str | PathLike[str]) -> Policy:
    """Load and validate one policy file; raise PolicyError naming file:line."""
    name = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Problem(name, 1, "", f"cannot read the file ({exc}) — check the path and that it is UTF-8")]) from None
    return load_text(text, name)


def load_text(text: str, name: str = "<policy>") -> Policy:
    """Load and validate policy YAML given as text; ``name`` is used in messages."""
    data, lines = _parse(text, name)
    problems = check(data, lines, name)
    if problems:
        raise PolicyError(problems)
    return Policy.from_data(data, name, lines)


def load_dir(path: str | PathLike[str]) -> list[Policy]:
    """Every ``*.yaml``/``*.yml`` in a folder (not recursive), sorted by name; all problems at once."""
    folder = Path(path)
    if not folder.is_dir():
        raise PolicyError([Problem(str(folder), 1, "", "not a folder of policy files — check the --policies path")])
    return _load_all(sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))


def load_policy_set(folders: Sequence[str | PathLike[str]] = (), *, bundled: bool = True) -> PolicySet:
    """The bundled policies (unless ``bundled=False``) then each folder in order, later overriding earlier."""
    from crawler.decide.policy.bundled import bundled_dir

    return PolicySet(_gather(load_dir, ([bundled_dir()] if bundled else []) + [Path(f) for f in folders]))


def _load_all(paths: Iterable[Path]) -> list[Policy]:
    return _gather(load_file, paths)


def _gather(load: Any, items: Iterable[Path]) -> list[Any]:
    """``load`` every item, reporting the problems of all of them at once rather than the first only."""
    out: list[Any] = []
    problems: list[Problem] = []
    for item in items:
        try:
            out.append(load(item))
        except PolicyError as exc:
            problems += exc.problems
    if problems:
        raise PolicyError(problems)
    return out


def _parse(text: str, name: str) -> tuple[Any, dict[str, int]]:
    """Values from ``yaml.safe_load``, keys as written and their lines from the composed nodes."""
    try:
        root = safeyaml.compose(text)  # no aliases, bounded depth, finite numbers and real dates
    except safeyaml.YAMLProblem as exc:
        raise PolicyError([Problem(name, exc.line, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise PolicyError([Problem(name, line, "", f"not valid YAML: {exc.problem} — fix the syntax (indentation, quotes, colons)")]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([Problem(name, 1, "", f"not valid YAML: {exc}")]) from None
    if root is None:
        raise PolicyError([Problem(name, 1, "", "the file is empty — a policy needs at least `site: example.org`")])
    problems: list[Problem] = []
    _check_keys(root, "", name, problems)
    if problems:
        raise PolicyError(problems)
    try:
        value = safeyaml.construct(root)
    except (ValueError, yaml.YAMLError) as exc:
        node = _bad_timestamp(root)
        line = node.start_mark.line + 1 if node else 1
        raise PolicyError([Problem(name, line, "", f"invalid value {node.value if node else ''!r} ({exc}) — write a real date like 2026-11-26")]) from None
    lines: dict[str, int] = {}
    return _located(root, value, "", lines), lines


def _check_keys(node: yaml.Node, path: str, name: str, problems: list[Problem]) -> None:
    """Duplicate and merge (``<<``) keys: safe_load would silently keep the last one."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            line = k.start_mark.line + 1
            if k.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(name, line, path or "(top)", "merge keys (<<) are not supported — write the keys out"))
                continue
            text = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
            field = f"{path}.{text}" if path else text
            if text in seen:
                problems.append(Problem(name, line, field, f"duplicate key (first on line {seen[text]}) — keep only one"))
            seen[text] = line
            _check_keys(v, field, name, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_keys(item, f"{path}[{i}]", name, problems)


def _bad_timestamp(node: yaml.Node) -> yaml.Node | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _TIMESTAMP:
            try:
                yaml.safe_load(node.value)
            except ValueError:
                return node
        return None
    children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
    return next((bad for c in children if (bad := _bad_timestamp(c))), None)


def _located(node: yaml.Node, value: Any, path: str, lines: dict[str, int]) -> Any:
    """Re-key mappings with key text as written (YAML 1.1 reads ``on:`` as True) and record lines."""
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict) and len(node.value) == len(value):
        out = {}
        for (k, v), (key, item) in zip(node.value, value.items(), strict=True):
            key = key if isinstance(key, str) else str(k.value)
            field = f"{path}.{key}" if path else key
            lines[field] = k.start_mark.line + 1
            out[key] = _located(v, item, field, lines)
        return out
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        for i, item in enumerate(node.value):
            lines[f"{path}[{i}]"] = item.start_mark.line + 1
        return [_located(n, item, f"{path}[{i}]", lines) for i, (n, item) in enumerate(zip(node.value, value, strict=False))]
    if isinstance(value, datetime):
        return value.isoformat()  # fails the date pattern, with a readable "got"
    if isinstance(value, date):
        return value.isoformat()
    return value


def check(data: Any, lines: dict[str, int], name: str) -> list[Problem]:
    """Schema and semantic problems of a parsed document (empty if valid)."""
    if not isinstance(data, dict):
        return [Problem(name, 1, "", f"expected a mapping of keys (site:, terms:, crawl:, ...), got {_got(data)}")]
    problems: dict[str, Problem] = {}
    for err in _VALIDATOR.iter_errors(data):
        for p in _explain(err, lines, name):
            problems.setdefault(p.field, p)
    if problems:
        return sorted(problems.values())
    window = data.get("crawl", {}).get("window")
    if window:
        try:
            ZoneInfo(window["tz"])
        except (ZoneInfoNotFoundError, ValueError):
            return [Problem(name, lines.get("crawl.window.tz", 1), "crawl.window.tz",
                            f"unknown time zone {window['tz']!r} — use an IANA name like Europe/Paris or UTC")]
        start, end = window["hours"].split("-")
        if start == end:
            return [Problem(name, lines.get("crawl.window.hours", 1), "crawl.window.hours",
                            f"start and end are both {start}, so the window is empty — use 00:00-24:00 for all day, or remove crawl.window")]
    return []


def _explain(err: Any, lines: dict[str, int], name: str) -> list[Problem]:
    path = _dotted(err.absolute_path)

    def at(field: str) -> int:
        return lines.get(field) or lines.get(field.rpartition(".")[0], 1)

    if err.validator == "additionalProperties":
        known = sorted(err.schema.get("properties", {}))
        out = []
        for key in (k for k in err.instance if k not in known):
            field = f"{path}.{key}" if path else str(key)
            guess = difflib.get_close_matches(str(key), known, n=1)
            hint = f'did you mean "{guess[0]}"?' if guess else "remove it or fix its name;"
            out.append(Problem(name, at(field), field, f"unknown key — {hint} known keys: {', '.join(known)}"))
        return out
    if err.validator == "required":
        out = []
        for key in (k for k in err.validator_value if k not in err.instance):
            field = f"{path}.{key}" if path else key
            sub = err.schema.get("properties", {}).get(key, {})
            out.append(Problem(name, lines.get(path, 1) if path else 1, field, f"missing — add it ({_expect(_deref(sub))})"))
        return out
    required = _is_required(err)
    action = "fix the value" if required else "fix the value or remove the key"
    return [Problem(name, at(path), path or "(top)", f"expected {_expect(err.schema)}, got {_got(err.instance)} — {action}")]


def _dotted(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _is_required(err: Any) -> bool:
    path = list(err.absolute_path)
    if not path or isinstance(path[-1], int):
        return False
    owner = _schema_at(path[:-1])
    return path[-1] in owner.get("required", ())


def _schema_at(path: list[Any]) -> dict[str, Any]:
    schema = SCHEMA
    for p in path:
        schema = _deref(schema.get("items", {}) if isinstance(p, int) else schema.get("properties", {}).get(p, {}))
    return schema


def _deref(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return SCHEMA["$defs"][ref.rsplit("/", 1)[1]] if ref.startswith("#/$defs/") else schema


def _expect(schema: dict[str, Any]) -> str:
    schema = _deref(schema)
    if "x-expect" in schema:
        return str(schema["x-expect"])
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    text = _NAMES.get(schema.get("type", ""), "a valid value")
    if schema.get("minLength"):
        text = "non-empty text"
    if "minimum" in schema:
        text += f" >= {schema['minimum']}"
    if "exclusiveMinimum" in schema:
        text += f" > {schema['exclusiveMinimum']}"
    if schema.get("uniqueItems"):
        text += " without repeats"
    return text


def _got(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
