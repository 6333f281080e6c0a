"""``civilcrawl audit verify AUDIT.jsonl...``: check that audit logs are whole, in order and unedited."""

from __future__ import annotations

import argparse
import json

NAME = "audit"
HELP = "Check audit logs: 'audit verify FILE...' follows each file's hash chains and checks its signatures."


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.required = True
    v = sub.add_parser("verify", help="exit 0 when every file is intact, 1 when not (naming the first bad line)",
                       description="Follow the hash chain of each audit log (and the chains of a merged cluster "
                                   "log) and check the signatures in AUDIT.jsonl.sig. Exit 0 intact, 1 not, 2 usage.")
    v.add_argument("files", nargs="+", metavar="AUDIT.jsonl")
    v.add_argument("--jwks", metavar="FILE", help="the published key set (civilcrawl keys --jwks): signatures "
                                                   "must be made with one of its keys")
    v.add_argument("--json", action="store_true", help="one JSON object per file instead of text")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.audit.verify import verify_file
    from crawler.cli.main import UsageError

    trusted = _trusted(args.jwks) if args.jwks else None
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise UsageError(f"no such audit log: {', '.join(missing)} — pass the files given to --audit "
                         "(or a run's audit.jsonl)")
    status = 0
    for name in args.files:
        try:
            verdict = verify_file(name, trusted)
        except OSError as exc:
            raise UsageError(f"{name}: cannot read it ({exc})") from None
        status = status or (0 if verdict.intact else 1)
        if args.json:
            print(json.dumps(verdict.to_json(), ensure_ascii=False))
            continue
        chains = ", ".join(f"run {c.run!r} ({c.lines} lines" + (f", signed through line {c.signed_at}"
                                                                if c.signed_at else "") + ")" for c in verdict.chains)
        if verdict.intact:
            print(f"{name}: intact: {verdict.lines} lines in {len(verdict.chains)} chain(s): {chains}; "
                  f"{verdict.signatures} valid signature(s)")
        else:
            print(f"{name}: NOT intact: {verdict.problems[0]}")
            for more in verdict.problems[1:]:
                print(f"  also: {more}")
        for note in verdict.notes:
            print(f"  note: {note}")
    return status


def _trusted(path: str) -> set[str]:
    from crawler.cli.main import UsageError
    from crawler.net.keys import public_key_from_jwk, thumbprint

    try:
        keys = json.loads(open(path, encoding="utf-8").read())["keys"]
        out = set()
        for jwk in keys:
            public_key_from_jwk(jwk)
            out.add(thumbprint(jwk))
        return out
    except OSError as exc:
        raise UsageError(f"--jwks {path}: cannot read it ({exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--jwks {path}: not a JWK Set of Ed25519 keys ({exc}) — pass the output of "
                         "'civilcrawl keys --jwks'") from None
