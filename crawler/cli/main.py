"""The ``civilcrawl`` command: a thin layer that parses arguments, then hands over to a command module.

Each sub-command lives in ``crawler/cli/<module>.py`` and exposes ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args) -> int``. Arguments are parsed before Scrapy is imported,
so bad usage exits 2 with nothing fetched.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from crawler import __version__

#: Exit statuses shared by every command.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

COMMAND_MODULES = (
    "crawl",
    "demo",
    "check",
    "policy",
    "tos",
    "image_check",
    "run",
    "report",
    "audit_merge",
    "audit",
    "keys",
    "verify",
)


class UsageError(Exception):
    """Bad usage or configuration: the command exits 2 and nothing is fetched."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civilcrawl",
        description="An ethical web crawler: robots.txt, per-host politeness, policies, an audit log.",
    )
    parser.add_argument("--version", action="version", version=f"civilcrawl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"crawler.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"crawler.cli.{module_name}":
                continue  # command not built (yet)
            raise
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


# options whose values may begin with '-' (a key id is base64url): argparse would take such a value for an option
_DASH_VALUES = ("--retire",)


def _join_dash_values(argv: list[str]) -> list[str]:
    """``--retire -x`` becomes ``--retire=-x``, which argparse reads as the option's value."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        value = next(args, None) if arg in _DASH_VALUES else None
        out.append(arg if value is None else f"{arg}={value}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(sys.argv[1:] if argv is None else argv))
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        print(f"civilcrawl {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
