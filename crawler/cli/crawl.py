"""``civilcrawl crawl SEED_URL...``: a civil crawl of the seeds' origins."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.cli.options import add_option
from crawler.options import Option, flagged, option

NAME = "crawl"
HELP = "Crawl the seeds' sites politely: robots.txt, per-host delays, the network guard, an audit log."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("seeds", nargs="+", metavar="SEED_URL", help="where to start (http or https)")
    add_crawl_options(p)
    add_option(p, option("redis"))
    add_option(p, option("cluster"))
    p.add_argument("--progress", choices=("auto", "live", "lines", "off"), default="auto",
                   help="auto (as for run): a live status line on a terminal, a progress line every 10 s "
                        "otherwise; off: for scripts")
    add_option(p, option("max_time"))
    p.add_argument("-s", "--set", dest="scrapy_settings", action="append", default=[], metavar="NAME=VALUE",
                   help="set a Scrapy setting, as scrapy crawl -s does (repeatable); settings that would lower "
                        "a floor (robots.txt, identity, pace, the gate, the cache...) are refused")


def add_crawl_options(p: argparse.ArgumentParser, contact_required: bool = True, crawl_only: bool = True) -> None:
    """The options every command that fetches shares; ``crawl_only`` adds what only a crawl uses (outputs, budgets)."""
    for opt in flagged("fetch", "crawl") if crawl_only else flagged("fetch"):
        add_option(p, opt, **({"required": contact_required} if opt.name == "contact" else {}))
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")


def defaults_namespace() -> argparse.Namespace:
    """Every shared option at its command-line default: what run, verify and image-check start from."""
    return argparse.Namespace(**{o.name: o.cli_value for o in flagged("fetch", "crawl")}, verbose=0)


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Validate the shared options and map them to Scrapy settings; raises UsageError."""
    from crawler.cli.main import UsageError
    from crawler.net.identity import user_agent

    try:
        user_agent(args.token, args.contact)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    from crawler.net.guard import parse_allowance, parse_resolve_address

    for net in args.allow_networks:
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

    for name in ("include", "exclude"):
        try:
            compile_patterns(getattr(args, name, None) or [], f"--{name}")
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
    settings = {o.setting: _setting_value(o, getattr(args, o.name, o.default))
                for o in flagged("fetch", "crawl") if o.setting}
    settings.update(CIVIL_RESOLVE=resolve, CIVIL_SIGN_AUDIT=sign_audit,
                    LOG_LEVEL=("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)])
    return settings


def _setting_value(opt: Option, value: Any) -> Any:
    """An option's parsed value as its setting holds it (lists copied, flags as True or False)."""
    if opt.kind in ("list", "fields"):
        return list(value or [])
    return bool(value) if opt.kind == "bool" else value


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
    from crawler.jobs.progress import NOT_PAGES

    counts = {tuple(k.split("/")[1:3]): n for k, n in stats.items()
              if k.count("/") == 2 and k.split("/")[1] in ("fetched", "refused", "skipped")}
    parts = []
    for decision in ("fetched", "refused", "skipped"):
        rows = {r: n for (d, r), n in counts.items() if d == decision and not (d == "fetched" and r in NOT_PAGES)}
        detail = ", ".join(f"{r} {n}" for r, n in sorted(rows.items(), key=lambda x: (-x[1], x[0]))[:4])
        more = ", ..." if len(rows) > 4 else ""
        parts.append(f"{decision} {sum(rows.values())}" + (f" ({detail}{more})" if detail else ""))
    own = {r: n for (d, r), n in counts.items() if d == "fetched" and r in NOT_PAGES}
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
        from crawler.net.redisclient import url_problem
        from crawler.net.rediskeys import name_problem

        if problem := url_problem(args.redis):
            raise UsageError(f"--redis {args.redis!r}: {problem}")
        if args.cluster and (problem := name_problem(args.cluster)):
            raise UsageError(f"--cluster: {problem}")
        settings.update(CIVIL_REDIS_URL=args.redis, CIVIL_CLUSTER=args.cluster or option("cluster").default)
    from crawler.cli.runner import run_crawl

    settings.update(progress_settings(args.progress))
    if args.max_time:
        settings["CLOSESPIDER_TIMEOUT"] = args.max_time
    settings.update(own)  # after ours, as scrapy crawl -s overrides the project (LOG_LEVEL, JOBDIR, CLOSESPIDER_*...)
    status, stats = run_crawl(settings, seeds=seeds)
    summarise(stats, settings, out=sys.stderr if settings.get("CIVIL_OUT") == "-" else sys.stdout)
    return status
