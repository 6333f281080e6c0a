"""``civilcrawl crawl SEED_URL...``: a civil crawl of the seeds' origins."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.cli.options import item_fields, number, whole

NAME = "crawl"
HELP = "Crawl the seeds' sites politely: robots.txt, per-host delays, the network guard, an audit log."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("seeds", nargs="+", metavar="SEED_URL", help="where to start (http or https)")
    add_crawl_options(p)
    p.add_argument("--redis", metavar="URL", help="run as one worker of a cluster sharing this Redis "
                   "(e.g. redis://127.0.0.1:6379/0): frontier, robots.txt, budget and per-host pace are shared")
    p.add_argument("--cluster", metavar="NAME", help="the cluster's crawl name (default civilcrawl); needs --redis")
    p.add_argument("--progress", choices=("auto", "live", "lines", "off"), default="auto",
                   help="auto (as for run): a live status line on a terminal, a progress line every 10 s "
                        "otherwise; off: for scripts")
    p.add_argument("--max-time", type=number(0), default=0.0, metavar="SECONDS",
                   help="stop the crawl after this long (0: no limit; what is in flight is finished and recorded)")
    p.add_argument("-s", "--set", dest="scrapy_settings", action="append", default=[], metavar="NAME=VALUE",
                   help="set a Scrapy setting, as scrapy crawl -s does (repeatable); settings that would lower "
                        "a floor (robots.txt, identity, pace, the gate, the cache...) are refused")


def add_crawl_options(p: argparse.ArgumentParser, contact_required: bool = True, crawl_only: bool = True) -> None:
    """The options every command that fetches shares; ``crawl_only`` adds what only a crawl uses (outputs, budgets)."""
    p.add_argument("--contact", required=contact_required, metavar="URL_OR_EMAIL",
                   help="how site owners reach you; sent in the User-Agent (required)")
    p.add_argument("--user-agent", dest="token", default="civilcrawl", metavar="TOKEN",
                   help="robots.txt product token (letters, '_' and '-'); default civilcrawl")
    p.add_argument("--purpose", default="research", choices=("search", "archive", "research", "ai-train"),
                   help="what the data is for; opt-out signals are read for it (default research)")
    p.add_argument("--policies", action="append", default=[], metavar="DIR",
                   help="a folder of site policy files, layered after the bundled ones (repeatable)")
    p.add_argument("--terms", default="discover", choices=("discover", "policy", "require-policy"),
                   help="terms of service: read each new site's terms before crawling it and obey them for the "
                        "purpose (default; a reviewed policy file overrides), rely on policy files only, or refuse "
                        "sites without a reviewed policy")
    p.add_argument("--art3", action="store_true",
                   help="you are a research organisation under EU DSM Art. 3: TDM reservations do not bind research")
    if crawl_only:
        p.add_argument("--images", action="store_true",
                       help="collect the pages' images; personal ones (faces, GPS, serials...) are refused unseen")
        p.add_argument("--images-dir", metavar="DIR", default="images",
                       help="where accepted images go (default ./images)")
        p.add_argument("--out", metavar="FILE", help="items, in the format of the extension: .jsonl (JSON Lines, "
                                                     "appended as it goes), .json, .csv, .xml; '-': JSON Lines on "
                                                     "standard output (the log stays on standard error)")
        p.add_argument("--warc", metavar="FILE.warc.gz",
                       help="also write a web archive (WARC/1.1, gzip per record) of every page and robots.txt "
                            "fetched; refused responses and personal images never reach it")
        p.add_argument("--item-fields", type=item_fields, default=[], metavar="FIELD,...",
                       help="add these to each item: html, headers, content_type, encoding, depth, referer")
    p.add_argument("--audit", metavar="FILE", help="decisions as JSON Lines")
    if crawl_only:
        p.add_argument("--max-pages", type=whole(0), default=0, metavar="N", help="hard cap on page fetches (0: none)")
        p.add_argument("--max-depth", type=whole(0), default=None, metavar="N",
                       help="follow links at most N steps from the seeds (default: no limit)")
        p.add_argument("--scope", choices=("origin", "host", "subdomains", "domain"), default="origin",
                       help="which links to follow: the seeds' origins (default), their hosts on any scheme or "
                            "port, their hosts and subdomains, or their registrable domains (Public Suffix List)")
        p.add_argument("--include", action="append", default=[], metavar="REGEX",
                       help="follow only URLs this regular expression matches (searched anywhere in the URL; "
                            "repeatable: any one may match; seeds are always fetched)")
        p.add_argument("--exclude", action="append", default=[], metavar="REGEX",
                       help="never follow URLs this regular expression matches (repeatable)")
        p.add_argument("--sitemaps", action=argparse.BooleanOptionalAction, default=False,
                       help="also fetch the pages the sites' sitemaps list (robots.txt Sitemap lines, /sitemap.xml; "
                            "indexes and gzip), each through the same checks as a link; on by default in job files")
    p.add_argument("--delay", type=number(0), default=1.0, metavar="SECONDS",
                   help="courtesy gap between requests to one host when nothing asks for more (default 1.0)")
    p.add_argument("--host-concurrency", type=whole(1), default=1, metavar="N",
                   help="requests in flight per host (default 1); gaps between starts still hold")
    p.add_argument("--allow-private-networks", action="store_true",
                   help="let the crawl reach loopback and private addresses (off by default)")
    p.add_argument("--allow-network", action="append", default=[], metavar="CIDR|ADDR:PORT",
                   help="let the crawl reach one private address on one port (127.0.0.1:8080, [::1]:8080), "
                        "or every port of a private network (CIDR, e.g. 127.0.0.1/32); repeatable")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST=ADDRESS",
                   help="use ADDRESS (an IP address) for HOST instead of DNS (like curl --resolve); "
                        "still network-guarded")
    p.add_argument("--state", metavar="DIR", help="keep the robots.txt cache here, reused by later runs")
    p.add_argument("--sign-audit", action=argparse.BooleanOptionalAction, default=None,
                   help="sign the audit log's last hash with the crawler's key (kept in --state) into AUDIT.sig; "
                        "on by default in job runs, off for crawl")
    p.add_argument("--signature-agent", metavar="URL",
                   help="sign every request (Web Bot Auth, RFC 9421) with the key in --state; URL is where "
                        "'civilcrawl keys --jwks' is published (its /.well-known/http-message-signatures-directory)")
    p.add_argument("--max-bytes", type=whole(0), default=10 * 1024 * 1024, metavar="N",
                   help="refuse responses larger than this (default 10 MB)")
    p.add_argument("--timeout", type=number(0), default=30.0, metavar="SECONDS",
                   help="give up on a request after this long (default 30)")
    p.add_argument("--image-timeout", type=number(0.01), default=30.0, metavar="SECONDS",
                   help="refuse an image whose check takes longer than this (default 30; audit reason image-timeout)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Validate the shared options and map them to Scrapy settings; raises UsageError."""
    from crawler.cli.main import UsageError
    from crawler.net.identity import user_agent

    try:
        user_agent(args.token, args.contact)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    from crawler.net.guard import parse_allowance, parse_resolve_address

    for net in args.allow_network:
        try:
            parse_allowance(net)
        except ValueError as exc:
            raise UsageError(f"--allow-network {net!r}: {exc}") from None
    from crawler.decide.policy import PolicyError, load_policy_set

    try:
        load_policy_set(args.policies)
    except (PolicyError, OSError) as exc:
        raise UsageError(f"bad policy file:\n{exc}") from None
    check_outputs(args)
    if (out := getattr(args, "out", None)) is not None:
        from crawler.output.feeds import feed_format

        try:
            feed_format(out)
        except ValueError as exc:
            raise UsageError(f"--out {exc}") from None
    warc = getattr(args, "warc", None)
    if warc is not None and not str(warc).endswith(".warc.gz"):
        raise UsageError(f"--warc {warc!r}: name it FILE.warc.gz (records are written gzip-compressed, one by one)")
    from crawler.decide.scope import compile_patterns

    for option in ("include", "exclude"):
        try:
            compile_patterns(getattr(args, option, None) or [], f"--{option}")
        except ValueError as exc:
            raise UsageError(str(exc)) from None
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
        from crawler.net.webbotauth import check_agent_url

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
        "CIVIL_MAX_PAGES": getattr(args, "max_pages", 0),
        "CIVIL_HOST_CONCURRENCY": args.host_concurrency,
        "CIVIL_PURPOSE": args.purpose,
        "CIVIL_POLICIES": args.policies,
        "CIVIL_TERMS": args.terms,
        "CIVIL_ART3": args.art3,
        "CIVIL_IMAGES": getattr(args, "images", False),
        "CIVIL_IMAGES_DIR": getattr(args, "images_dir", "images"),
        "CIVIL_MAX_DEPTH": getattr(args, "max_depth", None),
        "CIVIL_SCOPE": getattr(args, "scope", "origin"),
        "CIVIL_SITEMAPS": bool(getattr(args, "sitemaps", False)),
        "CIVIL_INCLUDE": list(getattr(args, "include", None) or []),
        "CIVIL_EXCLUDE": list(getattr(args, "exclude", None) or []),
        "CIVIL_ALLOW_PRIVATE_NETWORKS": args.allow_private_networks,
        "CIVIL_ALLOW_NETWORKS": args.allow_network,
        "CIVIL_RESOLVE": resolve,
        "CIVIL_STATE_DIR": args.state,
        "CIVIL_AUDIT": args.audit,
        "CIVIL_OUT": getattr(args, "out", None),
        "CIVIL_WARC": getattr(args, "warc", None),
        "CIVIL_ITEM_FIELDS": list(getattr(args, "item_fields", None) or []),
        "CIVIL_MAX_BYTES": args.max_bytes,
        "DOWNLOAD_TIMEOUT": args.timeout,
        "CIVIL_IMAGE_TIMEOUT": args.image_timeout,
        "LOG_LEVEL": ("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)],
    }


def check_outputs(args: argparse.Namespace) -> None:
    """Every path the crawl will write is writable (nothing is made yet); raises UsageError naming each bad one."""
    from crawler.cli.main import UsageError
    from crawler.output.paths import FILE, FOLDER, check_paths

    images = getattr(args, "images", False)
    problems = check_paths([("--out", getattr(args, "out", None), FILE),
                            ("--warc", getattr(args, "warc", None), FILE),
                            ("--audit", getattr(args, "audit", None), FILE),
                            ("--state", getattr(args, "state", None), FOLDER),
                            ("--images-dir", getattr(args, "images_dir", None) if images else None, FOLDER)])
    if problems:
        raise UsageError("cannot write where asked:\n  " + "\n  ".join(problems)
                         + "\nNothing was fetched or written: choose paths this user can write.")


def check_seeds(seeds: list[str]) -> list[str]:
    from crawler.cli.main import UsageError
    from crawler.net.urls import BadURL, split_origin

    for seed in seeds:
        try:
            split_origin(seed)
        except BadURL as exc:
            raise UsageError(f"bad seed URL {exc}") from None
    return seeds


def summarise(stats: dict[str, Any], settings: dict[str, Any], out=sys.stdout) -> None:
    """One line: what was fetched, refused and skipped (top reasons), and where the outputs are."""
    print(summary_line(stats, settings), file=out)


def summary_line(stats: dict[str, Any], settings: dict[str, Any]) -> str:
    """``crawl finished: fetched 3 (ok 3); refused 1 (robots 1); skipped 0; read to decide: robots-txt 1 | ...``"""
    from crawler.jobs.progress import OWN_FILES

    counts = {tuple(k.split("/")[1:3]): n for k, n in stats.items()
              if k.count("/") == 2 and k.split("/")[1] in ("fetched", "refused", "skipped")}
    parts = []
    for decision in ("fetched", "refused", "skipped"):
        rows = {r: n for (d, r), n in counts.items() if d == decision and not (d == "fetched" and r in OWN_FILES)}
        detail = ", ".join(f"{r} {n}" for r, n in sorted(rows.items(), key=lambda x: (-x[1], x[0]))[:4])
        more = ", ..." if len(rows) > 4 else ""
        parts.append(f"{decision} {sum(rows.values())}" + (f" ({detail}{more})" if detail else ""))
    own = {r: n for (d, r), n in counts.items() if d == "fetched" and r in OWN_FILES}
    if own:
        parts.append("read to decide: " + ", ".join(f"{r} {n}" for r, n in sorted(own.items())))
    files = [f"{label} {settings[key] if settings[key] != '-' else 'on standard output'}"
             for label, key in (("items", "CIVIL_OUT"), ("audit", "CIVIL_AUDIT")) if settings.get(key)]
    return "crawl " + str(stats.get("finish_reason", "ended")) + ": " + "; ".join(parts) + (
        " | " + ", ".join(files) if files else "")


def progress_settings(mode: str, log_json: bool = False) -> dict[str, Any]:
    """The progress display (crawler.jobs.progress) for ``--progress``: auto is live on a terminal, lines otherwise."""
    if mode == "auto":
        mode = "live" if sys.stderr.isatty() and not log_json else "lines"
    if mode == "off":
        return {"CIVIL_PROGRESS": "off"}
    return {"CIVIL_PROGRESS": mode, "EXTENSIONS": {"crawler.jobs.progress.Progress": 0}}


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    seeds = check_seeds(args.seeds)
    from crawler.cli.main import UsageError
    from crawler.cli.scrapy_settings import parse_settings

    try:
        own = parse_settings(args.scrapy_settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    if args.cluster and not args.redis:
        raise UsageError("--cluster needs --redis URL (the Redis server the cluster's workers share)")
    if args.redis:
        if not args.redis.startswith(("redis://", "rediss://", "unix://")):
            raise UsageError(f"--redis {args.redis!r}: expected a redis://HOST:PORT/DB (or rediss://, unix://) URL")
        settings.update(CIVIL_REDIS_URL=args.redis, CIVIL_CLUSTER=args.cluster or "civilcrawl")
    from crawler.cli.runner import run_crawl

    settings.update(progress_settings(args.progress))
    if args.max_time:
        settings["CLOSESPIDER_TIMEOUT"] = args.max_time
    settings.update(own)  # after ours, as scrapy crawl -s overrides the project (LOG_LEVEL, JOBDIR, CLOSESPIDER_*...)
    status, stats = run_crawl(settings, seeds=seeds)
    summarise(stats, settings, out=sys.stderr if settings.get("CIVIL_OUT") == "-" else sys.stdout)
    return status
