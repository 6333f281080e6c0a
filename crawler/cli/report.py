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
    from crawler.audit.report.build import NotAnAuditLog, load, write_report
    from crawler.cli.main import UsageError
    from crawler.output.paths import FILE, path_problem

    if why := path_problem(args.output, FILE):
        raise UsageError(f"-o {args.output}: {why}; nothing was written — choose another output path")
    try:
        rep = load(args.audit)
    except FileNotFoundError:
        raise UsageError(f"{args.audit}: no such audit log — pass the file given to --audit (or a run's audit.jsonl)") from None
    except IsADirectoryError:
        raise UsageError(f"{args.audit}: is a folder — pass an audit log file (a run's audit.jsonl)") from None
    except NotAnAuditLog as exc:
        raise UsageError(f"{args.audit}: {exc} — pass the file given to --audit (or a run's audit.jsonl)") from None
    except OSError as exc:
        raise UsageError(f"{args.audit}: cannot read it ({exc.strerror or exc})") from None
    if rep.bad_lines:
        print(f"civilcrawl report: {args.audit}: {rep.bad_lines} lines are not audit records and are not counted "
              f"(the first is line {rep.first_bad_line})", file=sys.stderr)
    try:
        write_report(rep, args.audit, args.output, title=args.title)
    except OSError as exc:
        raise UsageError(f"-o {args.output}: cannot write the report ({exc.strerror or exc}) — "
                         "choose another output path") from None
    too_short = sum(h.too_short for h in rep.hosts.values())
    print(f"{args.output}: {rep.records} records, {len(rep.hosts)} hosts, fetched {rep.decisions.get('fetched', 0)}, "
          f"refused {rep.decisions.get('refused', 0)}, skipped {rep.decisions.get('skipped', 0)}, "
          f"gaps shorter than allowed {too_short}" + (f", {rep.bad_lines} lines not counted" if rep.bad_lines else ""),
          file=sys.stdout)
    return 0
