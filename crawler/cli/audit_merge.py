"""``civilcrawl audit-merge OUT FILE...``: join a cluster's per-worker audit files into one log."""

from __future__ import annotations

import argparse
import sys

NAME = "audit-merge"
HELP = "Merge the per-worker audit files of a cluster crawl into one JSON Lines log, in time order."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT", help="the merged audit log to write (must not exist)")
    p.add_argument("files", nargs="+", metavar="FILE", help="per-worker audit files (audit.<worker>.jsonl)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.audit.merge import merge
    from crawler.cli.main import UsageError

    if Path(args.out).exists():
        raise UsageError(f"{args.out} exists: choose a new file (merging appends nothing to old logs)")
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise UsageError(f"no such audit file: {', '.join(missing)}")
    counts = merge(args.files, args.out)
    print(", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stdout)
    return 0
