"""What the gate reads to decide: robots.txt, tdmrep.json and ai.txt, a site's terms of service.

Each is fetched once per origin through the gate itself (network guard, robots.txt where it applies and
the host's pace hold for these requests too) and kept while fresh in one cache (crawler.gate.readcache): in the
state folder when there is one, so a resumed or later run does not read it again, and in Redis for a cluster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.decide.optout.aitxt import parse as parse_aitxt
from crawler.decide.optout.tdmrep import parse_file as parse_tdmrep
from crawler.decide.robots import (
    ALLOW_ALL,
    CACHE_TTL,
    LAST_GOOD_MAX_AGE,
    MAX_REDIRECTS,
    MIN_RETRY,
    PARSE_LIMIT,
    RobotsRecord,
    record_from_response,
    retry_after_seconds,
    unreachable,
)
from crawler.decide.terms.finder import MAX_GUESSES, TermsResult, find_terms
from crawler.gate.readcache import FolderStore, ReadCache, ReadKind
from crawler.gate.refusal import Refused, Stopping
from crawler.gate.state import ROBOTS_TXT, state_meta
from crawler.net.urls import BadURL, origin, split_origin

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.pace.local import Politeness

logger = logging.getLogger(__name__)

TDMREP, AITXT = "/.well-known/tdmrep.json", "/ai.txt"
#: set inside a read-ahead (crawler.gate.ahead): its reads wait behind requests whose turn has come
READING_AHEAD: ContextVar[bool] = ContextVar("civil_read_ahead", default=False)


@dataclass
class FileRead:
    """One well-known file read for a decision (tdmrep.json, ai.txt): its answer, or why there was none."""

    url: str
    status: int | None  # None: not fetched (refused, unreachable)
    body: str
    fetched_at: float  # wall clock
    detail: str = ""

    def fresh(self, now: float) -> bool:
        """An answer is good for a day like robots.txt; a failure (429, 5xx, none) is tried again after a minute."""
        answered = self.status is not None and self.status != 429 and self.status < 500
        return now - self.fetched_at < (CACHE_TTL if answered else MIN_RETRY)

    def to_json(self) -> dict:
        return {"url": self.url, "status": self.status, "body": self.body, "fetched_at": self.fetched_at,
                "detail": self.detail}


def _robots_fresh(record: RobotsRecord, now: float) -> bool:
    return record.fresh(now)


def _file_fresh(read: FileRead, now: float) -> bool:
    return read.fresh(now)


ROBOTS_READ = ReadKind[RobotsRecord]("robots", _robots_fresh, RobotsRecord.to_json, lambda d: RobotsRecord(**d),
                                     keep=LAST_GOOD_MAX_AGE + CACHE_TTL)
TDMREP_READ = ReadKind[FileRead]("tdmrep", _file_fresh, FileRead.to_json, lambda d: FileRead(**d))
AITXT_READ = ReadKind[FileRead]("ai-txt", _file_fresh, FileRead.to_json, lambda d: FileRead(**d))
TERMS_READ = ReadKind[TermsResult]("terms", lambda r, now: r.fresh(now), TermsResult.to_dict, TermsResult.from_dict)
_FILES = {TDMREP: TDMREP_READ, AITXT: AITXT_READ}


def read_cache(crawler: Crawler, stopping: Callable[[], bool]) -> ReadCache:
    """The gate's cache of decision reads: the ``CIVIL_READ_STORE`` backend (a cluster's, in Redis), else the
    state folder when there is one, else memory."""
    s = crawler.settings
    if s.get("CIVIL_READ_STORE"):
        return ReadCache(build_from_crawler(load_object(s.get("CIVIL_READ_STORE")), crawler, stopping=stopping))
    return ReadCache(FolderStore(s.get("CIVIL_STATE_DIR")) if s.get("CIVIL_STATE_DIR") else None)


class DecisionReads:
    """The gate's reads for its decisions, each fetched through the gate (Scrapy's engine) and kept in ``cache``."""

    def __init__(self, crawler: Crawler, cache: ReadCache, token: str, politeness: Politeness):
        self.crawler, self.cache, self.token, self.politeness = crawler, cache, token, politeness
        self._homes: dict[str, Response] = {}  # home pages read for terms, until the crawl takes them

    async def _download(self, request: Request) -> Response:
        """Fetch a decision read through the gate once its host's turn has come: waiting here holds no engine slot."""
        try:
            await self.politeness.wait_ready(split_origin(request.url)[1], origin(request.url),
                                             behind=READING_AHEAD.get())
        except BadURL:
            pass
        return await self.crawler.engine.download_async(request)

    async def robots(self, url_origin: str) -> RobotsRecord:
        """The robots.txt record of an origin, fetching it (politely, through the gate) when needed."""
        return await self.cache.read(ROBOTS_READ, url_origin, lambda previous: self._fetch_robots(url_origin, previous))

    def robots_known(self, url_origin: str) -> RobotsRecord | None:
        """The robots.txt record already read for an origin (by this process or, per the state, before)."""
        return self.cache.get(ROBOTS_READ, url_origin)

    def tdm_rules(self, url_origin: str) -> list[Any]:
        """The tdmrep.json rules already read for an origin ([] if none or not read)."""
        read = self.cache.get(TDMREP_READ, url_origin)
        return (_parsed(TDMREP, read) or []) if read is not None else []

    async def _fetch_robots(self, url_origin: str, previous: RobotsRecord | None) -> RobotsRecord:
        record = await self._fetch_robots_file(url_origin, previous)
        if record.sitemaps:
            self.crawler.stats.set_value(f"civil/sitemaps/{url_origin}", record.sitemaps)
        return record

    async def _fetch_robots_file(self, url_origin: str, previous: RobotsRecord | None) -> RobotsRecord:
        url = f"{url_origin}/robots.txt"
        for _ in range(MAX_REDIRECTS + 1):
            request = Request(url, dont_filter=True, priority=1000, meta={
                **state_meta(read=ROBOTS_TXT, read_for=url_origin), "dont_redirect": True, "dont_retry": True,
                "handle_httpstatus_all": True, "dont_obey_robotstxt": True})
            try:
                response = await self._download(request)
            except Stopping:
                raise  # no decision for the requests waiting for it either
            except Refused as exc:
                return unreachable(url_origin, f"{url}: {exc.reason}", previous, time.time())
            except Exception as exc:
                return unreachable(url_origin, f"{url}: {type(exc).__name__}: {exc}", previous, time.time())
            location = response.headers.get("Location")
            if 300 <= response.status < 400 and location:
                url = urljoin(url, location.decode("latin-1"))
                try:
                    split_origin(url)
                except BadURL as exc:
                    return unreachable(url_origin, f"redirect to a bad URL: {exc}", previous, time.time())
                continue
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            return record_from_response(url_origin, response.status, response.body, url, retry_after,
                                        previous, time.time())
        return RobotsRecord(url_origin, ALLOW_ALL, time.time(), None,
                            f"more than {MAX_REDIRECTS} redirects: treated as unavailable (4xx), all allowed")

    async def file(self, url_origin: str, path: str) -> Any:
        """A well-known file of an origin (``TDMREP``, ``AITXT``), parsed; None if absent or unreadable."""
        read = await self.cache.read(_FILES[path], url_origin, lambda previous: self._fetch_file(url_origin, path))
        return _parsed(path, read)

    async def _fetch_file(self, url_origin: str, path: str) -> FileRead:
        label = "tdmrep" if path == TDMREP else "ai-txt"
        request = Request(url_origin + path, dont_filter=True, priority=900, meta={
            **state_meta(read=label, read_for=url_origin), "dont_redirect": True, "dont_retry": True,
            "handle_httpstatus_all": True, "download_maxsize": PARSE_LIMIT})
        try:
            response = await self._download(request)
        except Stopping:
            raise  # not an answer, so nothing is kept
        except Refused as exc:  # refused (robots, guard): the signal is unknown, not an error
            return FileRead(request.url, None, "", time.time(), str(exc))
        except Exception as exc:  # unreachable: unknown too, and tried again soon
            return FileRead(request.url, None, "", time.time(), f"{type(exc).__name__}: {exc}")
        return FileRead(request.url, response.status, response.body[:PARSE_LIMIT].decode("utf-8-sig", "replace"),
                        time.time(), f"HTTP {response.status}")

    async def terms(self, url_origin: str, *, guess_paths: bool = True, max_guesses: int = MAX_GUESSES) -> TermsResult:
        """The terms-of-service verdict for an origin, read once through the gate (robots.txt and pace apply)."""
        return await self.cache.read(TERMS_READ, url_origin,
                                     lambda previous: self._read_terms(url_origin, guess_paths, max_guesses))

    def terms_known(self, url_origin: str) -> TermsResult | None:
        """The terms verdict already read for an origin, if any."""
        return self.cache.get(TERMS_READ, url_origin)

    def has_home(self, url: str) -> bool:
        """Whether ``url`` is a home page read for terms discovery that the crawl has not taken yet."""
        return url in self._homes

    def take_home(self, url: str) -> Response | None:
        """The home page read for terms discovery, for the crawl's own request for it (once); None if none."""
        return self._homes.pop(url, None)

    def forget_home(self, url_origin: str) -> None:
        """A refused site: nothing read from it is kept."""
        self._homes.pop(url_origin + "/", None)

    async def _read_terms(self, url_origin: str, guess_paths: bool, max_guesses: int) -> TermsResult:
        home = url_origin + "/"

        async def fetch(url: str) -> tuple[int, Any, str, str] | None:
            request = Request(url, dont_filter=True, priority=900, meta=state_meta(read="terms", read_for=url_origin))
            try:
                response = await self._download(request)
            except Exception:
                return None
            if url == home and response.status == 200:
                self._homes[url] = response  # the crawl will want it too: fetch it once
            text = response.text if isinstance(response, TextResponse) else ""
            return response.status, response.headers, text, response.url

        try:
            robots = (await self.robots(url_origin)).effective(time.time())
            result = await find_terms(fetch, home, allowed=lambda url: robots.allows(url, self.token),
                                      guess_paths=guess_paths, max_guesses=max_guesses)
        except Exception as exc:  # unreadable terms are a missing verdict, not a crash
            logger.warning("terms of %s could not be read: %s", url_origin, exc)
            result = TermsResult()
        self.crawler.stats.set_value(f"civil/terms/{url_origin}", result.describe())
        return result


def _parsed(path: str, read: FileRead) -> Any:
    """The parsed file (tdmrep rules, a Protego for ai.txt), memoised on the read; None unless it answered 200."""
    if read.status != 200:
        return None
    cached = getattr(read, "_parsed", None)
    if cached is None:
        cached = parse_tdmrep(read.body) if path == TDMREP else parse_aitxt(read.body)
        object.__setattr__(read, "_parsed", cached)
    return cached
