"""``crawl -s NAME=VALUE``: any Scrapy setting, as ``scrapy crawl`` takes it, except those that would lower a floor.

Values are passed as text, as Scrapy's own ``-s`` does (``getbool``, ``getint``, ``getdict`` read them).
"""

from __future__ import annotations

from typing import Any

#: setting (or prefix ending in "_" or "*") -> why it is refused and what to use instead.
REFUSED: dict[str, str] = {
    "CIVIL_*": "civilcrawl's own settings are set by its options (see civilcrawl crawl --help)",
    "ROBOTSTXT_*": "robots.txt is always obeyed, by civilcrawl's gate (fail closed)",
    "USER_AGENT": "the User-Agent is civilcrawl's identity: use --user-agent TOKEN and --contact",
    "DEFAULT_REQUEST_HEADERS": "the identity headers are civilcrawl's; set headers in your own spider if needed",
    "DOWNLOADER_MIDDLEWARES*": "the gate's place among the downloader middlewares is fixed; use a Scrapy project "
                               "with the add-on for your own middlewares",
    "SPIDER_MIDDLEWARES*": "the page rules (noindex, nofollow) are spider middlewares; use a Scrapy project "
                           "with the add-on for your own",
    "DOWNLOAD_HANDLERS*": "every request goes through civilcrawl's wire (identity, network guard, image checks)",
    "ADDONS": "the civilcrawl add-on is always on",
    "HTTPCACHE_*": "a cache would store responses (and images) before they are checked",
    "TELNETCONSOLE_*": "the telnet console runs code sent to it: always off",
    "REMOTE_CONTROL*": "remote control runs code sent to it: always off",
    "AUTOTHROTTLE_*": "the gate paces every host: use --delay and --host-concurrency",
    "DOWNLOAD_DELAY": "the gate paces every host: use --delay SECONDS",
    "RANDOMIZE_DOWNLOAD_DELAY": "the gate paces every host: use --delay SECONDS",
    "DOWNLOAD_SLOTS": "the gate paces every host: use --delay and --host-concurrency",
    "CONCURRENT_REQUESTS*": "the gate paces every host: use --host-concurrency N",
    "DOWNLOAD_MAXSIZE": "use --max-bytes N (the gate's cap)",
    "DOWNLOAD_WARNSIZE": "use --max-bytes N (the gate's cap)",
    "DNS_RESOLVER": "the network guard checks every address the resolver returns: use --resolve HOST=ADDRESS",
    "FEEDS": "use --out FILE (items are redacted before they are written)",
    "FEED_URI": "use --out FILE",
    "FEED_FORMAT": "use --out FILE (the extension picks the format)",
    "ITEM_PIPELINES*": "items are written by civilcrawl's own pipelines: use --out FILE",
    "SCHEDULER*": "the scheduler's host-aware queue keeps per-host order: it is civilcrawl's",
    "TWISTED_REACTOR*": "the network guard is installed in civilcrawl's reactor",
    "ASYNCIO_EVENT_LOOP": "the network guard is installed in civilcrawl's reactor",
    "EXTENSIONS*": "use a Scrapy project with the add-on for your own extensions",
    "RETRY_*": "retries are the gate's (429/5xx with back-off); they are not configurable here",
}


def _rule(name: str) -> str | None:
    for key, why in REFUSED.items():
        if key.endswith("*") and name.startswith(key[:-1]) or name == key:
            return why
    return None


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``["NAME=VALUE", ...]`` -> settings; raises ValueError naming the first bad or refused one."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"-s {item!r}: expected NAME=VALUE, e.g. -s CLOSESPIDER_ITEMCOUNT=100")
        if not name.replace("_", "").isalnum() or not name.isupper():
            raise ValueError(f"-s {item!r}: {name!r} is not a setting name (Scrapy's are in capitals: LOG_FILE)")
        if why := _rule(name):
            raise ValueError(f"-s {name}: refused, it would lower a floor or bypass civilcrawl: {why}")
        out[name] = value
    return out
