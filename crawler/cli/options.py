"""The command line's flags, from crawler.options, and their argument types: a bad value names what was
wanted (argparse names the option)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from crawler.options import Option


def whole(minimum: int) -> Callable[[str], int]:
    """A whole number >= ``minimum``."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        return n

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def number(minimum: float) -> Callable[[str], float]:
    """A finite number >= ``minimum`` (seconds, for instance)."""

    def parse(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum:g}, got {value!r}") from None
        if not math.isfinite(x) or x < minimum:
            raise argparse.ArgumentTypeError(f"expected a finite number >= {minimum:g}, got {value}")
        return x

    parse.__name__ = f"number >= {minimum:g}"
    return parse


def item_fields(value: str) -> list[str]:
    """``html,headers``: the extra item fields (crawler.output.feeds.EXTRA_FIELDS)."""
    from crawler.output.feeds import parse_item_fields

    try:
        return parse_item_fields(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_option(p: argparse.ArgumentParser, opt: Option, **overrides: Any) -> None:
    """Add ``opt``'s flag to ``p`` as crawler.options describes it; ``overrides`` for a command's own wording."""
    kw: dict[str, Any] = {"dest": opt.name, "default": opt.cli_value, "help": opt.help}
    if opt.metavar:
        kw["metavar"] = opt.metavar
    if opt.kind == "bool":
        kw["action"] = argparse.BooleanOptionalAction if opt.negatable else "store_true"
    elif opt.kind in ("list", "map"):
        kw["action"] = "append"
    elif opt.kind == "choice":
        kw["choices"] = opt.choices
    elif opt.kind == "int":
        kw["type"] = whole(int(opt.minimum or 0))
    elif opt.kind == "float":
        kw["type"] = number(opt.minimum or 0)
    elif opt.kind == "fields":
        kw["type"] = item_fields
    kw.update(overrides)
    p.add_argument(opt.flag or "--" + opt.name.replace("_", "-"), **kw)
