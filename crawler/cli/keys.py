"""``civilcrawl keys [--jwks] [--new] [--retire KEYID] --state DIR``: the crawler's signing keys."""

from __future__ import annotations

import argparse
import json
import sys
import time

from crawler.cli.options import add_option
from crawler.options import option

NAME = "keys"
HELP = ("The crawler's Ed25519 keys (audit signatures, Web Bot Auth): list them, print the key directory "
        "to publish (--jwks), add a key (--new), stop publishing one (--retire).")


def configure(p: argparse.ArgumentParser) -> None:
    add_option(p, option("state"),
               help="the state folder the keys are kept in: the one given to crawl --state, or a job's 'state:'")
    p.add_argument("--jwks", action="store_true",
                   help="print the JWK Set to publish at /.well-known/http-message-signatures-directory "
                        "(makes the first key if there is none)")
    p.add_argument("--new", action="store_true", help="add a key: it signs from now on, the old ones still verify")
    p.add_argument("--retire", metavar="KEYID", help="stop publishing a key (its file moves to keys/retired/)")


def run(args: argparse.Namespace) -> int:
    from crawler.cli.main import UsageError
    from crawler.net.keys import KeyStore

    if not args.state:  # no default: a key made in some other folder would not be the one the crawler signs with
        raise UsageError("which state folder? pass --state DIR: the folder given to 'crawl --state' or a job "
                         "file's 'state:' (the keys are in DIR/keys/)")
    store = KeyStore(args.state)
    try:
        if args.new:
            key = store.add()
            print(f"new key {key.keyid} ({key.path}); it signs from now on", file=sys.stderr)
        if args.retire:
            try:
                moved = store.retire(args.retire)
            except KeyError:
                raise UsageError(f"--retire {args.retire}: no such key in {store.dir} — "
                                 "'civilcrawl keys' lists the key ids") from None
            print(f"retired {args.retire} ({moved})", file=sys.stderr)
        if args.jwks:
            store.current()
            print(json.dumps(store.jwks(), indent=2))
            return 0
        keys = store.keys()
    except (OSError, ValueError) as exc:
        raise UsageError(f"--state {args.state}: {exc}") from None
    if not keys:
        print(f"no keys in {store.dir} yet: one is made on first use (or: civilcrawl keys --new --state {args.state})")
    for i, key in enumerate(reversed(keys)):
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(key.created))
        print(f"{key.keyid}  made {when}  {'signs' if i == 0 else 'verifies only'}  {key.path}")
    return 0
