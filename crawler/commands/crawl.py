"""``civilcrawl crawl SEED_URL...``: a civil crawl of the seeds' origins."""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "crawl"
HELP = "Crawl the seeds' origins politely: robots.txt, per-host delays, the network guard, an audit log."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("seeds", nargs="+", metavar="SEED_URL", help="where to start (http or https)")
    add_crawl_options(p)
    p.add_argument("--redis", metavar="URL", help="run as one worker of a cluster sharing this Redis "
                   "(e.g. redis://127.0.0.1:6379/0): frontier, robots.txt, budget and per-host pace are shared")
    p.add_argument("--cluster", metavar="NAME", help="the cluster's crawl name (default civilcrawl); needs --redis")


def add_crawl_options(p: argparse.ArgumentParser, contact_required: bool = True) -> None:
    """The options every crawling command shares (``crawl``, ``demo``)."""
    p.add_argument("--contact", required=contact_required, metavar="URL_OR_EMAIL",
                   help="how site owners reach you; sent in the User-Agent (required)")
    p.add_argument("--user-agent", dest="token", default="civilcrawl", metavar="TOKEN",
                   help="robots.txt product token (letters, '_' and '-'); default civilcrawl")
    p.add_argument("--purpose", default="research", choices=("search", "archive", "research", "ai-train"),
                   help="what the data is for; opt-out signals are read for it (default research)")
    p.add_argument("--policies", action="append", default=[], metavar="DIR",
                   help="a folder of site policy files, layered after the bundled ones (repeatable)")
    p.add_argument("--terms", default="policy", choices=("policy", "discover", "require-policy"),
                   help="terms of service: honour policy files (default), also discover each new site's "
                        "terms before crawling it, or refuse sites without a reviewed policy")
    p.add_argument("--art3", action="store_true",
                   help="you are a research organisation under EU DSM Art. 3: TDM reservations do not bind research")
    p.add_argument("--images", action="store_true",
                   help="collect the pages' images; personal ones (faces, GPS, serials...) are refused unseen")
    p.add_argument("--images-dir", metavar="DIR", default="images", help="where accepted images go (default ./images)")
    p.add_argument("--out", metavar="FILE", help="items as JSON Lines")
    p.add_argument("--audit", metavar="FILE", help="decisions as JSON Lines")
    p.add_argument("--max-pages", type=_nonneg_int, default=0, metavar="N", help="hard cap on page fetches")
    p.add_argument("--max-depth", type=_nonneg_int, default=None, metavar="N")
    p.add_argument("--delay", type=_nonneg_float, default=1.0, metavar="SECONDS",
                   help="courtesy gap between requests to one host when nothing asks for more (default 1.0)")
    p.add_argument("--host-concurrency", type=_pos_int, default=1, metavar="N",
                   help="requests in flight per host (default 1); gaps between starts still hold")
    p.add_argument("--allow-private-networks", action="store_true",
                   help="let the crawl reach loopback and private addresses (off by default)")
    p.add_argument("--allow-network", action="append", default=[], metavar="CIDR|ADDR:PORT",
                   help="let the crawl reach one private address on one port (127.0.0.1:8080, [::1]:8080), "
                        "or every port of a private network (CIDR, e.g. 127.0.0.1/32); repeatable")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST=ADDRESS",
                   help="use ADDRESS (an IP address) for HOST instead of DNS (like curl --resolve); "
                        "still network-guarded")
    p.add_argument("--state", metavar="DIR", help="keep the robots.txt cache (and later: resume state) here")
    p.add_argument("--sign-audit", action=argparse.BooleanOptionalAction, default=None,
                   help="sign the audit log's last hash with the crawler's key (kept in --state) into AUDIT.sig; "
                        "on by default in job runs, off for crawl")
    p.add_argument("--signature-agent", metavar="URL",
                   help="sign every request (Web Bot Auth, RFC 9421) with the key in --state; URL is where "
                        "'civilcrawl keys --jwks' is published (its /.well-known/http-message-signatures-directory)")
    p.add_argument("--max-bytes", type=_nonneg_int, default=10 * 1024 * 1024, metavar="N",
                   help="refuse responses larger than this (default 10 MB)")
    p.add_argument("--timeout", type=_nonneg_float, default=30.0, metavar="SECONDS",
                   help="give up on a request after this long (default 30)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")


def _nonneg_int(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return n


def _pos_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return n


def _nonneg_float(value: str) -> float:
    x = float(value)
    if not x >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {value}")
    return x


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Validate the shared options and map them to Scrapy settings; raises UsageError."""
    from crawler.cli import UsageError
    from crawler.identity import user_agent

    try:
        user_agent(args.token, args.contact)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    from crawler.netguard import parse_allowance, parse_resolve_address

    for net in args.allow_network:
        try:
            parse_allowance(net)
        except ValueError as exc:
            raise UsageError(f"--allow-network {net!r}: {exc}") from None
    from crawler.policy import PolicyError, load_policy_set

    try:
        load_policy_set(args.policies)
    except (PolicyError, OSError) as exc:
        raise UsageError(f"bad policy file:\n{exc}") from None
    resolve = {}
    for item in args.resolve:
        host, sep, addr = item.partition("=")
        if not sep or not host or not addr:
            raise UsageError(f"--resolve {item!r}: expected HOST=ADDRESS, e.g. --resolve example.test=127.0.0.1")
        try:
            resolve[host.lower()] = parse_resolve_address(addr)
        except ValueError as exc:
            raise UsageError(f"--resolve {item!r}: {exc}") from None
    sign_audit = bool(getattr(args, "sign_audit", None))
    if sign_audit and not (args.state and args.audit):
        raise UsageError("--sign-audit needs --audit FILE (what to sign) and --state DIR (where the key is kept)")
    agent = getattr(args, "signature_agent", None)
    if agent is not None:
        from crawler.webbotauth import check_agent_url

        if not args.state:
            raise UsageError("--signature-agent needs --state DIR: the signing key is made and kept there")
        try:
            check_agent_url(agent)
        except ValueError as exc:
            raise UsageError(f"--signature-agent {agent!r}: {exc}") from None
    return {
        "CIVIL_SIGN_AUDIT": sign_audit,
        "CIVIL_SIGNATURE_AGENT": agent,
        "CIVIL_CONTACT": args.contact,
        "CIVIL_USER_AGENT_TOKEN": args.token,
        "CIVIL_DELAY": args.delay,
        "CIVIL_MAX_PAGES": args.max_pages,
        "CIVIL_HOST_CONCURRENCY": args.host_concurrency,
        "CIVIL_PURPOSE": args.purpose,
        "CIVIL_POLICIES": args.policies,
        "CIVIL_TERMS": args.terms,
        "CIVIL_ART3": args.art3,
        "CIVIL_IMAGES": args.images,
        "CIVIL_IMAGES_DIR": args.images_dir,
        "CIVIL_MAX_DEPTH": args.max_depth,
        "CIVIL_ALLOW_PRIVATE_NETWORKS": args.allow_private_networks,
        "CIVIL_ALLOW_NETWORKS": args.allow_network,
        "CIVIL_RESOLVE": resolve,
        "CIVIL_STATE_DIR": args.state,
        "CIVIL_AUDIT": args.audit,
        "CIVIL_OUT": args.out,
        "CIVIL_MAX_BYTES": args.max_bytes,
        "DOWNLOAD_TIMEOUT": args.timeout,
        "LOG_LEVEL": ("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)],
    }


def check_seeds(seeds: list[str]) -> list[str]:
    from crawler.cli import UsageError
    from crawler.urls import BadURL, split_origin

    for seed in seeds:
        try:
            split_origin(seed)
        except BadURL as exc:
            raise UsageError(f"bad seed URL {exc}") from None
    return seeds


def summarise(stats: dict[str, Any], settings: dict[str, Any], out=sys.stdout) -> None:
    """Print what was fetched, refused and skipped, and where the outputs are."""
    counts = stats.get("civil/decisions", {})
    for decision in ("fetched", "refused", "skipped"):
        rows = {r: n for (d, r), n in counts.items() if d == decision}
        if rows:
            detail = ", ".join(f"{r} {n}" for r, n in sorted(rows.items(), key=lambda x: -x[1]))
            print(f"{decision:>8}: {sum(rows.values())} ({detail})", file=out)
    for label, key in (("items", "CIVIL_OUT"), ("audit", "CIVIL_AUDIT")):
        if settings.get(key):
            print(f"{label:>8}: {settings[key]}", file=out)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    seeds = check_seeds(args.seeds)
    from crawler.cli import UsageError

    if args.cluster and not args.redis:
        raise UsageError("--cluster needs --redis URL (the Redis server the cluster's workers share)")
    if args.redis:
        if not args.redis.startswith(("redis://", "rediss://", "unix://")):
            raise UsageError(f"--redis {args.redis!r}: expected a redis://HOST:PORT/DB (or rediss://, unix://) URL")
        settings.update(CIVIL_REDIS_URL=args.redis, CIVIL_CLUSTER=args.cluster or "civilcrawl")
    from crawler.runner import run_crawl

    status, stats = run_crawl(settings, seeds=seeds)
    summarise(stats, settings)
    return status
