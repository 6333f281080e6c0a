"""``civilcrawl policy validate PATH...`` and ``civilcrawl policy show HOST``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawler.cli.main import EXIT_OK, EXIT_USAGE, UsageError
from crawler.cli.options import add_option
from crawler.options import option

NAME = "policy"
HELP = "Validate policy files, or show the policy that governs a host."


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="policy_command", metavar="ACTION")
    sub.required = True
    v = sub.add_parser("validate", help="check policy files or folders; exit 2 if any is invalid")
    v.add_argument("paths", nargs="+", metavar="PATH", help="a policy file or a folder of *.yaml files")
    s = sub.add_parser("show", help="the effective policy for a host (bundled policies, then --policies folders)")
    s.add_argument("host", metavar="HOST", help="a host, host:port or URL")
    add_option(s, option("policies"), help="a policy folder; repeat to layer, later wins")
    s.add_argument("--no-bundled", action="store_true", help="leave out the bundled policies")
    s.add_argument("--json", action="store_true", help="print JSON for machines")


def run(args: argparse.Namespace) -> int:
    return _validate(args.paths) if args.policy_command == "validate" else _show(args)


def _validate(paths: list[str]) -> int:
    from crawler.decide.policy import PolicyError, PolicySet, Problem, load_dir, load_file

    layers = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        try:
            policies = load_dir(path) if path.is_dir() else [load_file(path)]
            PolicySet([policies])  # same-folder duplicates and relaxed parents
            layers.append(policies)
        except PolicyError as exc:
            problems += exc.problems
    for problem in sorted(set(problems)):
        print(problem, file=sys.stderr)
    for policies in layers:
        for p in policies:
            print(f"ok: {p.source} ({p.site}, automated_access: {p.automated_access})")
    return EXIT_USAGE if problems else EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from crawler.decide.policy import PolicyError, load_policy_set

    host, port = _host_port(args.host)
    try:
        policies = load_policy_set(args.policies, bundled=not args.no_bundled)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    policy = policies.for_host(host, port)
    if args.json:
        print(json.dumps({"host": host, "port": port, "policy": policy.to_dict() if policy else None}, indent=2, ensure_ascii=False))
        return EXIT_OK
    if policy is None:
        print(f"no policy governs {args.host}: civilcrawl's defaults apply (robots.txt, courtesy delay, terms discovery)")
        return EXIT_OK
    print(f"# policy for {args.host}: {policy.where('site')} (site {policy.site})")
    for old in policy.shadows:
        print(f"# replaces {old}")
    if policy.forbidden:
        print(f"# terms forbid automated access: no request at all ({policy.where('terms.automated_access')})")
    print(yaml.safe_dump(dict(policy.data), sort_keys=False, allow_unicode=True, default_flow_style=False).rstrip())
    return EXIT_OK


def _host_port(text: str) -> tuple[str, int | None]:
    parts = urlsplit(text if "//" in text else f"//{text}")
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"{text}: bad port — give a host, host:port or URL") from None
    if not parts.hostname:
        raise UsageError(f"{text}: no host — give a host, host:port or URL")
    return parts.hostname, port
