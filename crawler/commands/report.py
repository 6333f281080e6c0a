"""``civilcrawl report AUDIT.jsonl -o report.html``: one self-contained page a site owner or auditor reads."""

from __future__ import annotations

import argparse
import sys

NAME = "report"
HELP = "Turn an audit log into one self-contained HTML page: gaps per host, refusals, robots/policy status."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("audit", metavar="AUDIT.jsonl", help="an audit log written by civilcrawl crawl or run")
    p.add_argument("-o", "--output", default="report.html", metavar="FILE", help="where to write (default report.html)")
    p.add_argument("--title", default="", help="the page title (default: 'What civilcrawl did')")


def run(args: argparse.Namespace) -> int:
    from crawler.cli import UsageError
    from crawler.report import build_report

    try:
        rep = build_report(args.audit, args.output, title=args.title)
    except FileNotFoundError:
        raise UsageError(f"{args.audit}: no such audit log — pass the file given to --audit (or a run's audit.jsonl)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.audit}: cannot read it ({exc})") from None
    too_short = sum(h.too_short for h in rep.hosts.values())
    print(f"{args.output}: {rep.records} records, {len(rep.hosts)} hosts, fetched {rep.decisions.get('fetched', 0)}, "
          f"refused {rep.decisions.get('refused', 0)}, skipped {rep.decisions.get('skipped', 0)}, "
          f"gaps shorter than allowed {too_short}", file=sys.stdout)
    return 0
