"""``civilcrawl check URL``: would this URL be fetched, and why — robots.txt, policy, terms, delay, signals."""

from __future__ import annotations

import argparse
import json

from crawler.cli.crawl import add_crawl_options, check_seeds, settings_from_args

NAME = "check"
HELP = "Explain whether a URL would be fetched: robots.txt rule and line, policy, terms, delay, opt-out signals."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_crawl_options(p, crawl_only=False)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    (url,) = check_seeds([args.url])
    from crawler.cli.task import run_task
    from crawler.gate.explain import explain, render

    info = run_task(settings, lambda gate: explain(gate, url))
    print(json.dumps(info, indent=2, default=str) if args.json else render(info))
    return 0
