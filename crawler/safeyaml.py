"""One YAML reader for the files people write (policy files, job files): safe_load's types, and bounded.

``yaml.safe_load`` alone lets a small file cost a lot: aliases expand exponentially in anything that walks
the result (a 448-byte alias bomb hung ``policy validate``), deep nesting overflows the composer's
recursion (a traceback), and ``.nan`` or ``.inf`` are valid floats that no delay or limit can use (a
``min_delay: .nan`` hung the crawl). This reader refuses anchors and aliases, nesting deeper than
:data:`MAX_DEPTH`, and non-finite or unreadable numbers and dates, each with the line it is on.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

MAX_DEPTH = 32  # far more than any policy or job file needs
_CHECKED_TAGS = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
# libyaml's parser when PyYAML was built with it: the same events and nodes, ~7x faster (a job with 10,000 seeds
# and their network.resolve entries: 1.2 s -> 0.17 s); the pure-Python one otherwise
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLProblem(ValueError):
    """What is wrong with a YAML text and the (1-based) line it is on."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def _line(mark: Any) -> int:
    return mark.line + 1 if mark is not None else 1


def compose(text: str) -> yaml.Node | None:
    """The node tree of a one-document YAML text; raises YAMLProblem, or yaml.YAMLError for bad syntax."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_PARSER):  # the parser is iterative: safe at any depth
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YAMLProblem(_line(event.start_mark), "anchors and aliases (&name, *name) are not supported "
                                                           "— write the value out where it is used")
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # libyaml stops at 1,000 levels, reading ahead of the events
            raise _too_deep(exc.problem_mark) from None
        raise
    root = yaml.compose(text, Loader=_PARSER)
    if root is not None:
        _check_scalars(root)
    return root


def _too_deep(mark: Any) -> YAMLProblem:
    return YAMLProblem(_line(mark), f"nested more than {MAX_DEPTH} levels deep — flatten the file")


def construct(root: yaml.Node | None) -> Any:
    """The Python value of a node tree from :func:`compose` (what ``yaml.safe_load`` would return)."""
    if root is None:
        return None
    return yaml.SafeLoader("").construct_document(root)


def load(text: str) -> Any:
    """``yaml.safe_load``, bounded as this module says; raises YAMLProblem or yaml.YAMLError."""
    return construct(compose(text))


def _check_scalars(root: yaml.Node) -> None:
    constructor = yaml.SafeLoader("")
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _CHECKED_TAGS:
                _check_scalar(constructor, node)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _check_scalar(constructor: yaml.SafeLoader, node: yaml.ScalarNode) -> None:
    try:
        value = constructor.construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        raise YAMLProblem(_line(node.start_mark), f"invalid value {node.value[:40]!r} ({exc}) — write a plain number, "
                                                  f"or a real date like 2026-11-26") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise YAMLProblem(_line(node.start_mark), f"{node.value!r} is not a finite number — write a number "
                                                  f"such as 1.5")
