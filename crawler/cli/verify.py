"""``civilcrawl verify ACCESS_LOG --robots FILE_OR_URL``: the site owner's check, from their own server's log."""

from __future__ import annotations

import argparse
import json
import sys
import time

from crawler.cli.options import add_option, number
from crawler.net.identity import DEFAULT_TOKEN
from crawler.options import option

NAME = "verify"
HELP = ("Check a crawler against robots.txt from your server's access log: disallowed paths, Crawl-delay, "
        "Request-rate, back-off after 429/503. Exit 0 when nothing was broken, 1 when something was.")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("log", metavar="ACCESS_LOG", help="the server's access log (one site's)")
    p.add_argument("--robots", required=True, metavar="FILE_OR_URL",
                   help="the robots.txt to judge by: a file, or an http(s) URL read the way civilcrawl reads it "
                        "(network guard, identity: needs --contact)")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="the product token to look for in User-Agents "
                                                         "(default civilcrawl)")
    p.add_argument("--format", choices=("combined", "json"), default="combined",
                   help="combined: nginx/Apache combined lines (1 s timestamps, the default); json: one object "
                        "per line, e.g. nginx escape=json with $msec and $sent_http_retry_after")
    p.add_argument("--assume-backoff", type=number(0), default=1.0, metavar="SECONDS",
                   help="the pause assumed after a 429/503 when the log has no Retry-After (default 1)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_option(p, option("contact"), help="for a --robots URL: sent in the User-Agent")
    add_option(p, option("allow_networks"), metavar="CIDR", help="for a --robots URL on a private network (e.g. 127.0.0.1/32)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.audit.accesslog import read
    from crawler.audit.logcheck import render, verify
    from crawler.cli.main import UsageError
    from crawler.net.identity import validate_token

    try:
        validate_token(args.token)
    except ValueError as exc:
        raise UsageError(f"--token: {exc}") from None
    if not args.assume_backoff >= 0:
        raise UsageError(f"--assume-backoff must be >= 0 seconds, got {args.assume_backoff}")
    if not Path(args.log).is_file():
        raise UsageError(f"{args.log}: no such access log — pass your server's log file (e.g. /var/log/nginx/access.log)")
    record, base = _robots(args)
    entries, bad = [], []
    try:
        for item in read(args.log, args.format):
            (bad.append(item) if isinstance(item, tuple) else entries.append(item))
    except OSError as exc:
        raise UsageError(f"{args.log}: cannot read it ({exc})") from None
    if bad and not entries:
        n, text, problem = bad[0]
        raise UsageError(f"{args.log}:{n}: {problem}: {text[:120]!r} — is it --format "
                         f"{'json' if args.format == 'combined' else 'combined'}?")
    result = verify(entries, record, args.token, assumed_backoff=args.assume_backoff, base=base)
    result["unreadable_lines"] = [{"line": n, "problem": p} for n, _, p in bad]
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render(result, args.log, args.robots, args.format))
        for n, _, problem in bad[:5]:
            print(f"note: {args.log}:{n} skipped: {problem}", file=sys.stderr)
        if len(bad) > 5:
            print(f"note: {len(bad) - 5} more unreadable lines skipped", file=sys.stderr)
    return 1 if result["violations"] else 0


def _robots(args: argparse.Namespace):
    """The robots.txt record to judge by, and a base URL for paths."""
    from pathlib import Path

    from crawler.cli.main import UsageError
    from crawler.decide.robots import PARSED, RobotsRecord

    if "://" not in args.robots:
        try:
            body = Path(args.robots).read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise UsageError(f"--robots {args.robots}: cannot read it ({exc}) — give the robots.txt file your "
                             "site serves, or its URL") from None
        return RobotsRecord("http://site.invalid", PARSED, time.time(), 200, "file", body), "http://site.invalid"
    return _fetch_robots(args)


def _fetch_robots(args: argparse.Namespace):
    """Read robots.txt at a URL through the gate: network guard, identity, RFC 9309 status rules."""
    from crawler.cli.crawl import defaults_namespace, settings_from_args
    from crawler.cli.main import UsageError
    from crawler.decide.robots import UNREACHABLE
    from crawler.net.urls import BadURL, origin

    if not args.contact:
        raise UsageError("--robots URL needs --contact (your URL or e-mail): every request civilcrawl sends "
                         "says who sent it. Or give the robots.txt as a file.")
    try:
        url_origin = origin(args.robots)
    except BadURL as exc:
        raise UsageError(f"--robots {args.robots!r}: {exc}") from None
    ns = defaults_namespace()
    ns.contact, ns.token, ns.allow_networks = args.contact, args.token, list(args.allow_networks)
    settings = settings_from_args(ns)
    from crawler.cli.task import run_task

    try:
        record = run_task(settings, lambda gate: gate.reads.robots(url_origin))
    except Exception as exc:  # refused by the network guard, DNS: said plainly, never a traceback
        raise UsageError(f"--robots {args.robots}: could not read it ({exc}); give the file instead") from None
    if record.kind == UNREACHABLE:
        raise UsageError(f"--robots {args.robots}: robots.txt could not be read ({record.detail}); "
                         "give the file instead")
    return record, url_origin
