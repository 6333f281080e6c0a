"""The Scrapy add-on: ``ADDONS = {"crawler.addon.CivilAddon": 0}`` makes any spider civil.

It swaps Scrapy's fail-open robots.txt middleware and its retry middleware for the gate, pins Scrapy's
own delays to zero (the gate paces every host), and turns off the telnet console and remote control.
Required setting: ``CIVIL_CONTACT``. See :data:`DEFAULTS` for the others.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.settings import BaseSettings

from crawler.decide.robots import PARSE_LIMIT
from crawler.gate.announce import override_warnings
from crawler.gate.wire import INNER_SETTING
from crawler.net.identity import DEFAULT_TOKEN, user_agent
from crawler.output import feeds
from crawler.page.bodies import backstop

logger = logging.getLogger(__name__)

GATE = "crawler.gate.middleware.CivilGate"
WIRE = "crawler.gate.wire.CivilDownloadHandler"
PAGE_RULES = "crawler.gate.pagerules.PageRulesMiddleware"
REDIRECTS = {"scrapy.downloadermiddlewares.redirect.RedirectMiddleware": "crawler.gate.redirects.CivilRedirectMiddleware",
             "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware":
                 "crawler.gate.redirects.CivilMetaRefreshMiddleware"}

#: civilcrawl's settings and their defaults.
DEFAULTS: dict[str, Any] = {
    "CIVIL_CONTACT": None,  # required: URL or e-mail in the User-Agent
    "CIVIL_USER_AGENT_TOKEN": DEFAULT_TOKEN,  # RFC 9309 product token
    "CIVIL_DELAY": 1.0,  # courtesy gap (s) between request starts at one host when nothing else says
    "CIVIL_HOST_CONCURRENCY": 1,  # requests in flight per host
    "CIVIL_MAX_PAGES": 0,  # hard cap on page fetches (0: none); robots.txt not counted
    "CIVIL_MAX_DEPTH": None,
    "CIVIL_SCOPE": "origin",  # origin | host | subdomains | domain: which links CivilSpider follows (crawler.decide.scope)
    "CIVIL_INCLUDE": [],  # follow only URLs one of these regular expressions matches (seeds excepted)
    "CIVIL_EXCLUDE": [],  # never follow URLs these regular expressions match
    "CIVIL_SEEN_SET": "crawler.queue.seen.MemorySeen",  # the seen-set's backend (crawler.queue.seen)
    "CIVIL_PACE": "crawler.pace.local.Politeness",  # the per-host pacer (a cluster's: crawler.pace.cluster)
    "CIVIL_PAGE_BUDGET": "crawler.pace.local.PageBudget",  # where --max-pages is counted
    "CIVIL_READ_STORE": None,  # where decision reads are shared (None: the state folder if any, else memory)
    "CIVIL_SITEMAPS": False,  # CivilSpider: also fetch what robots.txt's Sitemap lines and /sitemap.xml list
    "CIVIL_MAX_BYTES": 10 * 1024 * 1024,  # larger responses are refused, never buffered whole
    "CIVIL_MAX_RETRY_AFTER": 600.0,  # longer pauses (Retry-After) refuse the host's pages instead of waiting
    "CIVIL_MAX_CRAWL_DELAY": 120.0,  # hosts asking for a longer gap are skipped, never crawled faster
    "CIVIL_RETRY_TIMES": 2,
    "CIVIL_ALLOW_PRIVATE_NETWORKS": False,
    "CIVIL_ALLOW_NETWORKS": [],  # private addresses allowed one by one: "ADDR:PORT" (one port) or CIDR (all ports)
    "CIVIL_RESOLVE": {},  # {"host": "address"}, like curl --resolve (still checked by the network guard)
    "CIVIL_STATE_DIR": None,  # persists the robots.txt cache
    "CIVIL_AUDIT": None,  # audit log path (JSON Lines), hash-chained (crawler.audit.chain)
    "CIVIL_AUDIT_RUN": None,  # the run's name on the audit chain's first line (default host-pid-time)
    "CIVIL_SIGN_AUDIT": False,  # sign the audit's last hash with the key in CIVIL_STATE_DIR (AUDIT.sig)
    "CIVIL_SIGNATURE_AGENT": None,  # Web Bot Auth: sign every request; the URL of the published key directory
    "CIVIL_SIGNATURE_VALIDITY": 300,  # s from 'created' to 'expires' of a request signature (at most 24 h)
    "CIVIL_OUT": None,  # items path: .jsonl/.jl (appended line by line), .json, .csv, .xml; "-" standard output
    "CIVIL_WARC": None,  # a WARC/1.1 file (gzip per record) of every response the gate let through (crawler.output.warc)
    "CIVIL_ITEM_FIELDS": [],  # extra item fields: html, headers, content_type, encoding, depth, referer
    "CIVIL_REDIS_URL": None,  # run as one worker of a cluster sharing this Redis (crawler.distributed)
    "CIVIL_PURPOSE": "research",  # search | archive | research | ai-train: which opt-outs apply
    "CIVIL_ART3": False,  # a research organisation under EU DSM Art. 3 (TDM reservations do not bind research)
    "CIVIL_POLICIES": [],  # folders of policy files, layered after the bundled ones
    "CIVIL_BUNDLED_POLICIES": True,
    "CIVIL_TERMS": "discover",  # discover | policy | require-policy
    "CIVIL_IMAGES": False,  # collect the images of fetched pages (personal images are always refused)
    "CIVIL_IMAGES_DIR": "images",
}


class CivilAddon:
    """Configure Scrapy for a civil crawl."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in DEFAULTS.items():
            settings.setdefault(name, value, "addon")
        if settings.getpriority("DOWNLOAD_TIMEOUT") == 0:
            settings.set("DOWNLOAD_TIMEOUT", 30, "addon")  # Scrapy's 180 s stalls a host for minutes
        contact = settings.get("CIVIL_CONTACT")
        if not contact:
            raise ValueError("the civilcrawl add-on needs CIVIL_CONTACT (a URL or e-mail site owners can reach "
                             "you at) in the settings; no request is sent without it")
        ua = user_agent(settings.get("CIVIL_USER_AGENT_TOKEN") or DEFAULT_TOKEN, contact)
        for warning in override_warnings(settings, ua):
            logger.warning("civilcrawl: %s", warning)
        settings.set("USER_AGENT", ua, "cmdline")
        self._wrap_handlers(settings)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", PAGE_RULES, -1000)  # nearest the engine
        mws = settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")
        for path in ("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",
                     "scrapy.downloadermiddlewares.retry.RetryMiddleware"):
            settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", path, None)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", GATE, 950)
        own = settings.getdict("DOWNLOADER_MIDDLEWARES")
        for scrapy_path, ours in REDIRECTS.items():  # the same middlewares, recording the redirects they refuse
            if (priority := own.get(scrapy_path, mws.get(scrapy_path))) is not None:
                settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", scrapy_path, None)
                settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", ours, priority)
        for ext in ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl"):
            settings.set_in_component_priority_dict("EXTENSIONS", ext, None)  # they run code sent to them: never on
        if settings.get("CIVIL_WARC"):  # just inside the gate: it archives only what the gate let through
            settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", "crawler.output.warc.WarcMiddleware", 949)
        feeds.configure(settings)  # CIVIL_OUT: JSON Lines appended as it goes, or a Scrapy feed (JSON, CSV, XML)
        # Floors no project setting may lift: set above every other priority (the gate re-checks at run time).
        for name in ("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED", "HTTPCACHE_ENABLED", "AUTOTHROTTLE_ENABLED"):
            settings.set(name, False, "cmdline")  # no code-running consoles; no cache that would store unchecked images
        for name, value in {
            "ROBOTSTXT_OBEY": False,  # the gate obeys robots.txt; Scrapy's middleware would fail open
            "DOWNLOAD_DELAY": 0,
            "DOWNLOAD_DELAY_JITTER": 0,
            "CONCURRENT_REQUESTS": 64,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
            "CONCURRENT_ITEMS": 8,  # Scrapy starts this many tasks per response; our pipelines are synchronous
            # the gate's BodyCap stops bodies at CIVIL_MAX_BYTES; Scrapy's own limit is only a backstop above it
            "DOWNLOAD_MAXSIZE": backstop(settings.getint("CIVIL_MAX_BYTES"), PARSE_LIMIT),
            "SCHEDULER_PRIORITY_QUEUE": "crawler.queue.hosts.HostAwarePriorityQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "REDIRECT_MAX_TIMES": 10,
        }.items():
            settings.set(name, value, "addon")
        limit = backstop(settings.getint("CIVIL_MAX_BYTES"), PARSE_LIMIT)
        if not settings.getint("DOWNLOAD_MAXSIZE") or settings.getint("DOWNLOAD_MAXSIZE") > limit:
            settings.set("DOWNLOAD_MAXSIZE", limit, "cmdline")  # a project's 0 (no limit) or more is not kept
        if settings.get("CIVIL_REDIS_URL"):
            from crawler.distributed.addon import configure

            configure(settings)

    @staticmethod
    def _wrap_handlers(settings: BaseSettings) -> None:
        """Put crawler.gate.wire's handler in front of the project's HTTP(S) handlers (it sends through them)."""
        handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
        inner = dict(settings.getdict(INNER_SETTING))
        for scheme in ("http", "https"):
            path = handlers.get(scheme)
            if path is not None and path != WIRE:
                inner[scheme] = path
        settings.set(INNER_SETTING, inner, "cmdline")
        own = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        own.update({scheme: WIRE for scheme in inner})
        settings.set("DOWNLOAD_HANDLERS", own, "cmdline")
