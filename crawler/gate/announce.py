"""What a Scrapy user is told: one line at start (audit file, identity, delay), and a warning for every
setting of theirs the add-on overrides. Messages name settings (``CIVIL_DELAY``), or the command-line
options when civilcrawl's own CLI runs the crawl (``--delay``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.options import default, flag_of

logger = logging.getLogger("crawler.addon")



def setting_label(settings: BaseSettings, name: str) -> str:
    """How to name a civilcrawl setting to this user: the CLI option under the CLI, else the setting."""
    return (flag_of(name) or name) if settings.getbool("CIVIL_CLI") else name


def _users(settings: BaseSettings, name: str) -> bool:
    """True when the project, the spider or the command line set ``name`` (not Scrapy's or an add-on's default)."""
    priority = settings.getpriority(name)
    return priority is not None and priority >= SETTINGS_PRIORITIES["project"]


def override_warnings(settings: BaseSettings, user_agent: str) -> list[str]:
    """Why each of the user's settings the add-on overrides does not apply (computed before it overrides them)."""
    out: list[str] = []
    civil_delay = settings.getfloat("CIVIL_DELAY", default("CIVIL_DELAY"))
    host = settings.getint("CIVIL_HOST_CONCURRENCY", default("CIVIL_HOST_CONCURRENCY"))
    if _users(settings, "USER_AGENT") and settings.get("USER_AGENT") != user_agent:
        out.append(f"USER_AGENT={settings.get('USER_AGENT')!r} is not sent: every request, robots.txt included, "
                   f"carries {user_agent!r} (set CIVIL_USER_AGENT_TOKEN and CIVIL_CONTACT to change it)")
    if _users(settings, "ROBOTSTXT_OBEY") and not settings.getbool("ROBOTSTXT_OBEY"):
        out.append("ROBOTSTXT_OBEY=False is ignored: civilcrawl's gate obeys robots.txt on every request "
                   "(unreachable or 5xx robots.txt = nothing allowed)")
    if _users(settings, "DOWNLOAD_DELAY") and settings.getfloat("DOWNLOAD_DELAY") < civil_delay:
        out.append(f"DOWNLOAD_DELAY={settings.getfloat('DOWNLOAD_DELAY'):g} is raised to {civil_delay:g} s per host "
                   "(CIVIL_DELAY; robots.txt Crawl-delay and Request-rate may lengthen it); a larger DOWNLOAD_DELAY "
                   "would be kept")
    if _users(settings, "AUTOTHROTTLE_ENABLED") and settings.getbool("AUTOTHROTTLE_ENABLED"):
        out.append("AUTOTHROTTLE_ENABLED=True is turned off: the gate paces every host (CIVIL_DELAY, Crawl-delay, "
                   "Retry-After, back-off on errors)")
    for name in ("CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS_PER_IP"):
        if _users(settings, name) and settings.getint(name) > host:
            out.append(f"{name}={settings.getint(name)} does not apply: at most CIVIL_HOST_CONCURRENCY={host} "
                       "request(s) per host are in flight")
    if _users(settings, "HTTPCACHE_ENABLED") and settings.getbool("HTTPCACHE_ENABLED"):
        out.append("HTTPCACHE_ENABLED=True is turned off: a cache would keep pages and images that never passed "
                   "the gate's checks")
    for name in ("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED"):
        if _users(settings, name) and settings.getbool(name):
            out.append(f"{name}=True is turned off: it runs code sent to it")
    cap = settings.getint("CIVIL_MAX_BYTES", default("CIVIL_MAX_BYTES"))
    if _users(settings, "DOWNLOAD_MAXSIZE") and (settings.getint("DOWNLOAD_MAXSIZE") or cap + 1) > cap:
        out.append(f"DOWNLOAD_MAXSIZE={settings.getint('DOWNLOAD_MAXSIZE')} does not apply above CIVIL_MAX_BYTES: "
                   f"bodies over {cap} bytes are refused")
    return out


def start_line(settings: BaseSettings, user_agent: str, delay: float, audit_path: Any) -> None:
    """Log where the audit goes, the identity sent and the courtesy delay with its source."""
    cli = settings.getbool("CIVIL_CLI")
    civil_delay = settings.getfloat("CIVIL_DELAY", default("CIVIL_DELAY"))
    if delay > civil_delay:
        source = "DOWNLOAD_DELAY, larger than CIVIL_DELAY"
    else:
        source = setting_label(settings, "CIVIL_DELAY") + ("" if cli or _users(settings, "CIVIL_DELAY") else " default")
    logger.info("civilcrawl: audit log %s; identity %r; delay %g s per host (%s; robots.txt Crawl-delay and "
                "Request-rate may lengthen it)", audit_path or "not written", user_agent, delay, source)
    if not audit_path:
        logger.log(logging.INFO if cli else logging.WARNING,
                   "civilcrawl: no audit log is written: set %s to a file path (JSON Lines) to keep a record of "
                   "every decision", setting_label(settings, "CIVIL_AUDIT"))
