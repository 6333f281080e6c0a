"""``civilcrawl tos URL``: find a site's terms of service, politely, and say whether they forbid crawling."""

from __future__ import annotations

import argparse
import json

from crawler.cli.crawl import add_crawl_options, check_seeds, settings_from_args

NAME = "tos"
HELP = "Find a site's terms of service and report clauses that forbid or restrict automated access."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL", help="a page of the site (its origin's home page is read)")
    p.add_argument("--write", metavar="DIR", help="draft a policy file for a person to review into DIR")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_crawl_options(p, crawl_only=False)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    (url,) = check_seeds([args.url])
    from crawler.cli.main import UsageError
    from crawler.output.paths import FOLDER, path_problem

    if args.write and (why := path_problem(args.write, FOLDER)):
        raise UsageError(f"--write {args.write}: {why}; nothing was fetched — choose a folder this user can write")
    from crawler.cli.task import run_task
    from crawler.decide.terms import write_draft
    from crawler.net.urls import origin

    async def task(gate):
        return await gate.reads.terms(origin(url))  # exactly as a crawl reads them

    result = run_task(settings, task)
    v = result.verdict
    if args.json:
        print(json.dumps({"url": url, **result.to_dict()}, indent=2, ensure_ascii=False))
    else:
        print(f"verdict: {v.verdict}" + (f" ({result.url})" if result.url else ""))
        for c in v.conditions:
            print(f"  condition: {c.describe()}")
        for clause in v.clauses:
            print(f'  "{clause.text}"  [{result.where(clause)}]')
        print("pages read:")
        for u, source, outcome in result.tried:
            print(f"  {outcome:<12} {u}  [{source}]")
    if args.write and result.url:
        try:
            path = write_draft(args.write, v, result.url)
        except OSError as exc:  # FileExistsError says what to do; others name the folder
            raise UsageError(str(exc) if isinstance(exc, FileExistsError) else
                             f"--write {args.write}: cannot write the draft ({exc.strerror or exc})") from None
        print(f"draft policy written to {path}: review it before use")
    return 0
