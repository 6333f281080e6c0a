"""The Scrapy add-on: ``ADDONS = {"crawler.addon.CivilAddon": 0}`` makes any spider civil.

It swaps Scrapy's fail-open robots.txt middleware and its retry middleware for the gate, pins Scrapy's
own delays to zero (the gate paces every host), and turns off the telnet console and remote control.
Required setting: ``CIVIL_CONTACT``. The others and their defaults are in crawler.options.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.settings import BaseSettings

from crawler.decide.robots import PARSE_LIMIT
from crawler.gate.announce import override_warnings
from crawler.gate.wire import INNER_SETTING
from crawler.net.identity import DEFAULT_TOKEN, user_agent
from crawler.options import default, setting_defaults
from crawler.output import feeds
from crawler.page.bodies import backstop

logger = logging.getLogger(__name__)

GATE = "crawler.gate.middleware.CivilGate"
WIRE = "crawler.gate.wire.CivilDownloadHandler"
PAGE_RULES = "crawler.gate.pagerules.PageRulesMiddleware"
REDIRECTS = {"scrapy.downloadermiddlewares.redirect.RedirectMiddleware": "crawler.gate.redirects.CivilRedirectMiddleware",
             "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware":
                 "crawler.gate.redirects.CivilMetaRefreshMiddleware"}

#: civilcrawl's settings and their defaults (crawler.options; README, "Embedding in your own spider").
DEFAULTS: dict[str, Any] = setting_defaults()


class CivilAddon:
    """Configure Scrapy for a civil crawl."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in setting_defaults().items():  # fresh copies: a crawl may change its lists
            settings.setdefault(name, value, "addon")
        if settings.getpriority("DOWNLOAD_TIMEOUT") == 0:
            settings.set("DOWNLOAD_TIMEOUT", default("DOWNLOAD_TIMEOUT"), "addon")  # Scrapy's 180 s stalls a host
        contact = settings.get("CIVIL_CONTACT")
        if not contact:
            raise ValueError("the civilcrawl add-on needs CIVIL_CONTACT (a URL or e-mail site owners can reach "
                             "you at) in the settings; no request is sent without it")
        ua = user_agent(settings.get("CIVIL_USER_AGENT_TOKEN") or DEFAULT_TOKEN, contact)
        for warning in override_warnings(settings, ua):
            logger.warning("civilcrawl: %s", warning)
        settings.set("USER_AGENT", ua, "cmdline")
        self._wrap_handlers(settings)
        _set_component(settings, "SPIDER_MIDDLEWARES", PAGE_RULES, -1000)  # nearest the engine
        mws = settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")
        for path in ("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",
                     "scrapy.downloadermiddlewares.retry.RetryMiddleware"):
            _set_component(settings, "DOWNLOADER_MIDDLEWARES", path, None)
        _set_component(settings, "DOWNLOADER_MIDDLEWARES", GATE, 950)
        own = settings.getdict("DOWNLOADER_MIDDLEWARES")
        for scrapy_path, ours in REDIRECTS.items():  # the same middlewares, recording the redirects they refuse
            if (priority := own.get(scrapy_path, mws.get(scrapy_path))) is not None:
                _set_component(settings, "DOWNLOADER_MIDDLEWARES", scrapy_path, None)
                _set_component(settings, "DOWNLOADER_MIDDLEWARES", ours, priority)
        for ext in ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl"):
            _set_component(settings, "EXTENSIONS", ext, None)  # they run code sent to them: never on
        if settings.get("CIVIL_WARC"):  # just inside the gate: it archives only what the gate let through
            _set_component(settings, "DOWNLOADER_MIDDLEWARES", "crawler.output.warc.WarcMiddleware", 949)
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


def _set_component(settings: BaseSettings, name: str, path: str, priority: int | None) -> None:
    """``path``'s priority in the component dict ``name`` (None: off), kept as the import path settings hold."""
    # Scrapy hints a class here; with an import path it sets that key (a class would re-key the user's dict)
    settings.set_in_component_priority_dict(name, path, priority)  # type: ignore[arg-type]
