"""Every crawl option once: its kind, default and help, and how it is written as a command-line flag, a
job-file key and a Scrapy setting.

The crawl command's parser (crawler.cli.options), the job-file keys and checks (crawler.jobs.layout) and the
add-on's setting defaults (crawler.addon) are derived from :data:`OPTIONS`; the README's settings table is
written from it by tools/settings_table.py. This module imports only the network and decision floors (whose
constants it names: the product token, the purposes, the scope modes), so any floor above them may import it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

from crawler.decide.purposes import DEFAULT_PURPOSE, PURPOSES
from crawler.decide.scope import DEFAULT_MODE, MODES
from crawler.net.identity import DEFAULT_TOKEN
from crawler.net.webbotauth import DEFAULT_VALIDITY

Kind = Literal["text", "path", "url", "class", "int", "float", "bool", "choice", "list", "map", "fields"]
#: Where an option is a flag: every command that fetches (crawl, check, tos), the crawl's outputs and limits
#: (crawl, and the defaults of run, verify, image-check), the crawl command alone, or nowhere.
Commands = Literal["fetch", "crawl", "crawl-command", "none"]


class _Same:
    """The marker for "the same as ``default``"."""

    def __repr__(self) -> str:
        return "SAME"


SAME: Final = _Same()


@dataclass(frozen=True)
class Option:
    """One option. ``default`` is the value when nobody sets it (the setting's default); the command line
    or the job file differ only where ``cli_default`` or ``job_default`` say so."""

    name: str  # the argparse dest and the Job field
    kind: Kind
    default: Any = None
    help: str = ""  # the flag's help
    doc: str = ""  # what the setting does (README's settings table)
    flag: str | None = None
    metavar: str | None = None
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    negatable: bool = False  # --x and --no-x
    commands: Commands = "none"
    setting: str | None = None
    cluster: bool = False  # set by the add-on only for a cluster worker (CIVIL_REDIS_URL)
    job: str | None = None  # "limits.delay"
    job_kind: Kind | None = None
    job_default: Any = SAME
    cli_default: Any = SAME
    unit: str = ""  # "s": seconds
    shown: str = ""  # the default as the README says it, when not the value itself

    def fresh(self, value: Any = SAME) -> Any:
        """``value`` (default: ``default``) as a copy the caller may change."""
        return copy.deepcopy(self.default if value is SAME else value)

    @property
    def cli_value(self) -> Any:
        return self.fresh(self.cli_default)

    @property
    def job_value(self) -> Any:
        return self.fresh(self.job_default)

    @property
    def job_type(self) -> Kind:
        return self.job_kind or self.kind


def _o(name: str, kind: Kind, default: Any = None, **faces: Any) -> Option:
    return Option(name, kind, default, **faces)


MB = 1024 * 1024

OPTIONS: Final[tuple[Option, ...]] = (
    _o("seeds", "list", [], job="seeds"),  # the job file's (a command's positional arguments)
    # -- every command that fetches -------------------------------------------------------------------------
    _o("contact", "text", None, flag="--contact", metavar="URL_OR_EMAIL", commands="fetch", setting="CIVIL_CONTACT",
       job="contact", help="how site owners reach you; sent in the User-Agent (required)",
       doc="URL or e-mail in the User-Agent `TOKEN/VERSION (+CONTACT)`", shown="— (required)"),
    _o("token", "text", DEFAULT_TOKEN, flag="--user-agent", metavar="TOKEN", commands="fetch",
       setting="CIVIL_USER_AGENT_TOKEN", job="token",
       help="robots.txt product token (letters, '_' and '-'); default civilcrawl",
       doc="RFC 9309 product token (`[A-Za-z_-]+`), matched against robots.txt groups"),
    _o("purpose", "choice", DEFAULT_PURPOSE, choices=PURPOSES, flag="--purpose", commands="fetch",
       setting="CIVIL_PURPOSE", job="purpose",
       help="what the data is for; opt-out signals are read for it (default research)",
       doc=" or ".join((", ".join(f"`{p}`" for p in PURPOSES[:-1]), f"`{PURPOSES[-1]}`")) + ": which opt-outs apply"),
    _o("policies", "list", [], flag="--policies", metavar="DIR", commands="fetch", setting="CIVIL_POLICIES",
       job="policies", help="a folder of site policy files, layered after the bundled ones (repeatable)",
       doc="folders of policy files, layered after the bundled ones"),
    _o("terms", "choice", "discover", choices=("discover", "policy", "require-policy"), flag="--terms",
       commands="fetch", setting="CIVIL_TERMS", job="terms",
       help="terms of service: read each new site's terms before crawling it and obey them for the "
            "purpose (default; a reviewed policy file overrides), rely on policy files only, or refuse "
            "sites without a reviewed policy",
       doc="`discover` (read each new site's terms), `policy` (policy files only) or `require-policy`"),
    _o("art3", "bool", False, flag="--art3", commands="fetch", setting="CIVIL_ART3", job="art3",
       help="you are a research organisation under EU DSM Art. 3: TDM reservations do not bind research",
       doc="a research organisation under EU DSM Art. 3 (TDM reservations do not bind research)"),
    # -- a crawl's outputs and limits ---------------------------------------------------------------------------
    _o("images", "bool", False, flag="--images", commands="crawl", setting="CIVIL_IMAGES", job="images",
       help="collect the pages' images; personal ones (faces, GPS, serials...) are refused unseen",
       doc="civilcrawl's own spider collects page images (personal images are always refused)"),
    _o("images_dir", "path", "images", flag="--images-dir", metavar="DIR", commands="crawl",
       setting="CIVIL_IMAGES_DIR", job="images.dir", help="where accepted images go (default ./images)",
       doc="where civilcrawl's spider stores accepted images"),
    _o("out_dir", "path", None, job="outputs.dir"),  # the job file's: where each run's folder goes
    _o("out", "path", None, flag="--out", metavar="FILE", commands="crawl", setting="CIVIL_OUT",
       job="outputs.items", job_kind="bool", job_default=True,
       help="items, in the format of the extension: .jsonl (JSON Lines, appended as it goes), .json, .csv, .xml; "
            "'-': JSON Lines on standard output (the log stays on standard error)",
       doc="items, by extension: `.jsonl`/`.jl` JSON Lines appended line by line "
           "(`crawler.output.pipelines.JsonLinesItems`), `.json`, `.csv`, `.xml` through Scrapy's `FEEDS` "
           "(`crawler.output.feeds`); `-` standard output"),
    _o("warc", "path", None, flag="--warc", metavar="FILE.warc.gz", commands="crawl", setting="CIVIL_WARC",
       job="outputs.warc", job_kind="bool", job_default=False,
       help="also write a web archive (WARC/1.1, gzip per record) of every page and robots.txt "
            "fetched; refused responses and personal images never reach it",
       doc="a WARC/1.1 file (gzip per record) of every response the gate let through (`crawler.output.warc`)"),
    _o("item_fields", "fields", [], flag="--item-fields", metavar="FIELD,...", commands="crawl",
       setting="CIVIL_ITEM_FIELDS",
       help="add these to each item: html, headers, content_type, encoding, depth, referer",
       doc="extra item fields: `html`, `headers`, `content_type`, `encoding`, `depth`, `referer`"),
    _o("audit", "path", None, flag="--audit", metavar="FILE", commands="fetch", setting="CIVIL_AUDIT",
       job="outputs.audit", job_kind="bool", job_default=True, help="decisions as JSON Lines",
       doc="audit log (JSON Lines), hash-chained (`crawler.audit.chain`)"),
    _o("report", "bool", False, job="outputs.report"),  # the job file's: report.html per run
    _o("max_pages", "int", 0, minimum=0, flag="--max-pages", metavar="N", commands="crawl",
       setting="CIVIL_MAX_PAGES", job="limits.max_pages", help="hard cap on page fetches (0: none)",
       doc="hard cap on page fetches (robots.txt and images not counted)", shown="`0` (none)"),
    _o("max_depth", "int", None, minimum=0, flag="--max-depth", metavar="N", commands="crawl",
       setting="CIVIL_MAX_DEPTH", job="limits.max_depth",
       help="follow links at most N steps from the seeds (default: no limit)",
       doc="links deeper than this are skipped"),
    _o("scope", "choice", DEFAULT_MODE, choices=MODES, flag="--scope", commands="crawl", setting="CIVIL_SCOPE",
       job="scope",
       help="which links to follow: the seeds' origins (default), their hosts on any scheme or "
            "port, their hosts and subdomains, or their registrable domains (Public Suffix List)",
       doc=", ".join(f"`{m}`" for m in MODES[:-1]) + f" or `{MODES[-1]}`: which links civilcrawl's spider "
           "follows (`crawler.decide.scope`)"),
    _o("include", "list", [], flag="--include", metavar="REGEX", commands="crawl", setting="CIVIL_INCLUDE",
       job="scope.include",
       help="follow only URLs this regular expression matches (searched anywhere in the URL; "
            "repeatable: any one may match; seeds are always fetched)",
       doc="regular expressions: follow only URLs one of them matches (seeds excepted)"),
    _o("exclude", "list", [], flag="--exclude", metavar="REGEX", commands="crawl", setting="CIVIL_EXCLUDE",
       job="scope.exclude", help="never follow URLs this regular expression matches (repeatable)",
       doc="regular expressions: never follow URLs one of them matches"),
    _o("sitemaps", "bool", False, negatable=True, flag="--sitemaps", commands="crawl", setting="CIVIL_SITEMAPS",
       job="sitemaps", job_default=True,
       help="also fetch the pages the sites' sitemaps list (robots.txt Sitemap lines, /sitemap.xml; "
            "indexes and gzip), each through the same checks as a link; on by default in job files",
       doc="civilcrawl's spider also fetches what robots.txt's `Sitemap:` lines and `/sitemap.xml` list"),
    # -- every command that fetches: pace, network, state ---------------------------------------------------------
    _o("delay", "float", 1.0, minimum=0, unit="s", flag="--delay", metavar="SECONDS", commands="fetch",
       setting="CIVIL_DELAY", job="limits.delay",
       help="courtesy gap between requests to one host when nothing asks for more (default 1.0)",
       doc="gap between request starts at one host; Crawl-delay, Request-rate and a larger `DOWNLOAD_DELAY` "
           "lengthen it"),
    _o("host_concurrency", "int", 1, minimum=1, flag="--host-concurrency", metavar="N", commands="fetch",
       setting="CIVIL_HOST_CONCURRENCY", job="limits.host_concurrency",
       help="requests in flight per host (default 1); gaps between starts still hold",
       doc="requests in flight per host"),
    _o("allow_private_networks", "bool", False, flag="--allow-private-networks", commands="fetch",
       setting="CIVIL_ALLOW_PRIVATE_NETWORKS", job="network.allow_private_networks",
       help="let the crawl reach loopback and private addresses (off by default)",
       doc="allow loopback/private/link-local addresses"),
    _o("allow_networks", "list", [], flag="--allow-network", metavar="CIDR|ADDR:PORT", commands="fetch",
       setting="CIVIL_ALLOW_NETWORKS", job="network.allow_networks",
       help="let the crawl reach one private address on one port (127.0.0.1:8080, [::1]:8080), "
            "or every port of a private network (CIDR, e.g. 127.0.0.1/32); repeatable",
       doc="private networks allowed one by one: CIDR, or `ADDR:PORT` for one port"),
    _o("resolve", "map", {}, flag="--resolve", metavar="HOST=ADDRESS", commands="fetch", setting="CIVIL_RESOLVE",
       job="network.resolve", cli_default=[],
       help="use ADDRESS (an IP address) for HOST instead of DNS (like curl --resolve); still network-guarded",
       doc='`{"host": "address"}` like curl `--resolve` (still checked by the guard)'),
    _o("state", "path", None, flag="--state", metavar="DIR", commands="fetch", setting="CIVIL_STATE_DIR",
       job="state", help="keep the robots.txt cache here, reused by later runs",
       doc="keeps the robots.txt cache (and the signing keys) between runs"),
    _o("sign_audit", "bool", False, negatable=True, flag="--sign-audit", commands="fetch",
       setting="CIVIL_SIGN_AUDIT", job="outputs.sign_audit", cli_default=None, job_default=True,
       help="sign the audit log's last hash with the crawler's key (kept in --state) into AUDIT.sig; "
            "on by default in job runs, off for crawl",
       doc="sign the audit chain's last hash with the key in `CIVIL_STATE_DIR` (`AUDIT.sig`)"),
    _o("signature_agent", "url", None, flag="--signature-agent", metavar="URL", commands="fetch",
       setting="CIVIL_SIGNATURE_AGENT", job="signature_agent",
       help="sign every request (Web Bot Auth, RFC 9421) with the key in --state; URL is where "
            "'civilcrawl keys --jwks' is published (its /.well-known/http-message-signatures-directory)",
       doc="Web Bot Auth: sign every request (at the wire); the URL of the published key directory"),
    _o("max_bytes", "int", 10 * MB, minimum=0, flag="--max-bytes", metavar="N", commands="fetch",
       setting="CIVIL_MAX_BYTES", job="limits.max_bytes", help="refuse responses larger than this (default 10 MB)",
       doc="larger bodies are refused (`too-large`) while streaming, never buffered whole"),
    _o("timeout", "float", 30.0, minimum=0, unit="s", flag="--timeout", metavar="SECONDS", commands="fetch",
       setting="DOWNLOAD_TIMEOUT", job="limits.timeout", help="give up on a request after this long (default 30)",
       doc="Scrapy's own: the add-on sets it when the project does not (Scrapy's 180 s stalls a host)"),
    _o("image_timeout", "float", 30.0, minimum=0.01, unit="s", flag="--image-timeout", metavar="SECONDS",
       commands="fetch", setting="CIVIL_IMAGE_TIMEOUT",
       help="refuse an image whose check takes longer than this (default 30; audit reason image-timeout)",
       doc="an image whose check takes longer is refused (`image-timeout`)"),
    # -- the crawl command alone (and the job file) -------------------------------------------------------------
    _o("redis", "url", None, flag="--redis", metavar="URL", commands="crawl-command", setting="CIVIL_REDIS_URL",
       job="redis",
       help="run as one worker of a cluster sharing this Redis (e.g. redis://127.0.0.1:6379/0, or a Redis Cluster: "
            "redis+cluster://HOST:PORT): frontier, robots.txt, budget and per-host pace are shared",
       doc="run as one worker of a cluster sharing this Redis (`crawler.distributed`)"),
    _o("cluster", "text", "civilcrawl", flag="--cluster", metavar="NAME", commands="crawl-command",
       setting="CIVIL_CLUSTER", cluster=True, job="redis.cluster", cli_default=None,
       help="the cluster's crawl name (default civilcrawl); needs --redis",
       doc="the crawl's name: workers with the same name share one crawl"),
    _o("max_time", "float", 0.0, minimum=0, unit="s", flag="--max-time", metavar="SECONDS", commands="crawl-command",
       setting="CLOSESPIDER_TIMEOUT", job="limits.max_time",
       help="stop the crawl after this long (0: no limit; what is in flight is finished and recorded)"),
    _o("in_flight", "choice", "resend", choices=("resend", "skip"), job="resume.in_flight"),  # the job file's
    # -- settings alone -------------------------------------------------------------------------------------------
    _o("max_retry_after", "float", 600.0, unit="s", setting="CIVIL_MAX_RETRY_AFTER",
       doc="longer Retry-After pauses refuse the host's pages instead of waiting"),
    _o("max_crawl_delay", "float", 120.0, unit="s", setting="CIVIL_MAX_CRAWL_DELAY",
       doc="hosts asking for a longer gap are skipped, never crawled faster"),
    _o("retry_times", "int", 2, setting="CIVIL_RETRY_TIMES",
       doc="retries of 5xx/429 answers and network errors (through the gate again)"),
    _o("audit_run", "text", None, setting="CIVIL_AUDIT_RUN", shown="host-pid-time",
       doc="the run's name on the audit chain's first line"),
    _o("signature_validity", "int", DEFAULT_VALIDITY, unit="s", setting="CIVIL_SIGNATURE_VALIDITY",
       doc="how long a request signature is valid, from `created` to `expires` (at most 24 h)"),
    _o("bundled_policies", "bool", True, setting="CIVIL_BUNDLED_POLICIES", doc="use the bundled site policies"),
    _o("seen_set", "class", "crawler.queue.seen.MemorySeen", setting="CIVIL_SEEN_SET",
       doc="where civilcrawl's spider keeps the URLs it has decided on (`crawler.queue.seen`): `MemorySeen` "
           "(this process), `JournalSeen` (also the job journal: `civilcrawl run` sets it), the cluster's Redis set"),
    _o("pace", "class", "crawler.pace.local.Politeness", setting="CIVIL_PACE",
       doc="the gate's per-host pacer, built with Scrapy's `build_from_crawler` (a cluster's: `crawler.pace.cluster`)"),
    _o("page_budget", "class", "crawler.pace.local.PageBudget", setting="CIVIL_PAGE_BUDGET",
       doc="where the gate counts `--max-pages`"),
    _o("read_store", "class", None, setting="CIVIL_READ_STORE",
       doc="where decision reads are shared (none: the state folder, if any, else memory). `CIVIL_REDIS_URL` sets "
           "this, `CIVIL_PACE`, `CIVIL_PAGE_BUDGET`, `CIVIL_SEEN_SET` and `SCHEDULER` to the cluster's Redis ones, "
           "above any other priority"),
    _o("worker", "text", None, setting="CIVIL_WORKER", cluster=True, shown="host-pid",
       doc="this worker's name in the cluster"),
    _o("cluster_gap_margin", "float", 0.04, unit="s", setting="CIVIL_CLUSTER_GAP_MARGIN", cluster=True,
       doc="added to every gap: workers' dispatch delays differ more than one worker's"),
    _o("cluster_worker_timeout", "float", 5.0, unit="s", setting="CIVIL_CLUSTER_WORKER_TIMEOUT", cluster=True,
       doc="without a heartbeat for this long, a worker's requests are taken by the survivors"),
    _o("cluster_host_prefetch", "int", 2, setting="CIVIL_CLUSTER_HOST_PREFETCH", cluster=True,
       doc="requests of one host a worker takes from the queue at a time"),
    _o("cluster_idle_poll", "float", 0.1, unit="s", setting="CIVIL_CLUSTER_IDLE_POLL", cluster=True,
       doc="while it finds nothing to take, a worker looks at the shared queue again this often"),
    _o("cluster_partitions", "int", 0, setting="CIVIL_CLUSTER_PARTITIONS", cluster=True, shown="1 or 16",
       doc="the hash-tag partitions a cluster's hosts are spread over (`crawler.net.rediskeys`): 1 on one Redis "
           "server, 16 on a Redis Cluster (`redis+cluster://`); every worker of a crawl must use the same"),
)

#: Settings civilcrawl's commands pass to their own components: not options (the add-on gives them no default).
INTERNAL: Final[Mapping[str, str]] = MappingProxyType({
    "CIVIL_CLI": "the crawl runs under civilcrawl's command line: messages name --options, not settings",
    "CIVIL_JOB": "the crawl is a job run (crawler.jobs.extension)",
    "CIVIL_JOB_PAGES_DONE": "pages a resumed run already fetched (the budget counts them)",
    "CIVIL_JOB_ORIGIN_PAGES": "pages a resumed run already fetched per origin (the sites' budgets count them)",
    "CIVIL_PROGRESS": "the progress display: live, lines or off (crawler.jobs.progress)",
    "CIVIL_PROGRESS_INTERVAL": "seconds between progress lines",
    "CIVIL_LOG_FORMAT": "text or json log lines (run --log-format)",
    "CIVIL_WIRE_HANDLERS": "the project's HTTP(S) handlers the wire sends through (set by the add-on)",
})

BY_NAME: Final[Mapping[str, Option]] = MappingProxyType({o.name: o for o in OPTIONS})
BY_SETTING: Final[Mapping[str, Option]] = MappingProxyType({o.setting: o for o in OPTIONS if o.setting})


def option(name: str) -> Option:
    """The option called ``name`` (its argparse dest)."""
    return BY_NAME[name]


def default(setting: str) -> Any:
    """The default of ``setting`` (a fresh copy)."""
    return BY_SETTING[setting].fresh()


def setting_defaults(cluster: bool = False) -> dict[str, Any]:
    """civilcrawl's own settings (``CIVIL_*``) and their defaults: a crawl's, or a cluster worker's extras."""
    return {o.setting: o.fresh() for o in OPTIONS
            if o.setting and o.setting.startswith("CIVIL_") and o.cluster == cluster}


def flag_of(setting: str) -> str | None:
    """The command-line flag that sets ``setting``, if there is one."""
    opt = BY_SETTING.get(setting)
    return opt.flag if opt else None


def flagged(*commands: Commands) -> tuple[Option, ...]:
    """The options that are flags of these commands, in help order."""
    return tuple(o for o in OPTIONS if o.flag and o.commands in commands)
