"""What the gate reads to decide: robots.txt, tdmrep.json and ai.txt, a site's terms of service.

Each is fetched once per origin through the gate itself (network guard, robots.txt where it applies and
the host's pace hold for these requests too), and concurrent askers share one fetch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler import audit as A
from crawler.optout.aitxt import parse as parse_aitxt
from crawler.optout.tdmrep import parse_file as parse_tdmrep
from crawler.robots import (ALLOW_ALL, MAX_REDIRECTS, PARSE_LIMIT, RobotsRecord, record_from_response,
                            retry_after_seconds, unreachable)
from crawler.terms.finder import MAX_GUESSES, TermsResult, find_terms
from crawler.urls import BadURL, origin, split_origin

logger = logging.getLogger(__name__)

ROBOTS_META = "civil_robots"  # marks our own robots.txt fetches; value: the origin they are for
AUX_META = "civil_aux"  # other files read for a decision (tdmrep.json, ai.txt, terms): (label, origin)
TDMREP, AITXT = "/.well-known/tdmrep.json", "/ai.txt"


class Refused(IgnoreRequest):
    """A request the gate refused; its audit record is already written."""


class DecisionReads:
    """The gate's reads for its decisions (mixed into :class:`crawler.gate.CivilGate`)."""

    async def robots_for(self, url: str) -> RobotsRecord:
        """The robots.txt record for a URL's origin, fetching it (politely, through this gate) when needed."""
        return await self._robots_for(origin(url))

    async def _robots_for(self, url_origin: str) -> RobotsRecord:
        record = self.robots.get(url_origin)
        if record is not None and record.fresh(time.time()):
            return record
        pending = self._robots_pending.get(url_origin)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[RobotsRecord] = asyncio.get_running_loop().create_future()
        self._robots_pending[url_origin] = fut
        try:
            record = await self._fetch_robots(url_origin, record)
            self.robots.put(record)
            fut.set_result(record)
            if record.sitemaps:
                self.crawler.stats.set_value(f"civil/sitemaps/{url_origin}", record.sitemaps)
            return record
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # mark retrieved
            raise
        finally:
            del self._robots_pending[url_origin]

    async def _fetch_robots(self, url_origin: str, previous: RobotsRecord | None) -> RobotsRecord:
        url = f"{url_origin}/robots.txt"
        for _ in range(MAX_REDIRECTS + 1):
            request = Request(url, dont_filter=True, priority=1000, meta={
                ROBOTS_META: url_origin, "dont_redirect": True, "dont_retry": True,
                "handle_httpstatus_all": True, "dont_obey_robotstxt": True})
            try:
                response = await self.crawler.engine.download_async(request)
            except Refused:
                if request.meta.get("civil_refused") == "shutdown":
                    raise
                return unreachable(url_origin, f"{url}: {request.meta.get('civil_refused')}", previous, time.time())
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

    async def _aux(self, url_origin: str, path: str) -> Any:
        """A well-known file of an origin (tdmrep.json, ai.txt), fetched once through this gate; None if absent."""
        key = (url_origin, path)
        if key in self._aux_cache:
            return self._aux_cache[key][0]
        pending = self._aux_pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._aux_pending[key] = fut
        value = None
        try:
            label = "tdmrep" if path == TDMREP else "ai-txt"
            request = Request(url_origin + path, dont_filter=True, priority=900, meta={
                AUX_META: (label, url_origin), "dont_redirect": True, "dont_retry": True,
                "handle_httpstatus_all": True, "download_maxsize": PARSE_LIMIT})
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception:  # refused (robots, guard) or unreachable: the signal is unknown, not an error
                response = None
            if response is not None and response.status == 200:
                value = parse_tdmrep(response.body) if path == TDMREP else parse_aitxt(
                    response.body.decode("utf-8", "ignore"))
            self._aux_cache[key] = (value,)
            fut.set_result(value)
            return value
        finally:
            if not fut.done():
                fut.set_result(None)
            del self._aux_pending[key]

    async def terms_for(self, url_origin: str, *, guess_paths: bool = True, max_guesses: int = MAX_GUESSES) -> TermsResult:
        """The terms-of-service verdict for an origin, read once through this gate (robots.txt and pace apply)."""
        if url_origin in self._terms:
            return self._terms[url_origin]
        pending = self._terms_pending.get(url_origin)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[TermsResult] = asyncio.get_running_loop().create_future()
        self._terms_pending[url_origin] = fut
        home = url_origin + "/"

        async def fetch(url: str) -> tuple[int, Any, str, str] | None:
            request = Request(url, dont_filter=True, priority=900, meta={AUX_META: ("terms", url_origin)})
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception:
                return None
            if url == home and response.status == 200:
                self._prefetched[url] = response  # the crawl will want it too: fetch it once
            text = response.text if isinstance(response, TextResponse) else ""
            return response.status, response.headers, text, response.url

        try:
            robots = (await self._robots_for(url_origin)).effective(time.time())
            result = await find_terms(fetch, home, allowed=lambda url: robots.allows(url, self.token),
                                      guess_paths=guess_paths, max_guesses=max_guesses)
        except Exception as exc:  # unreadable terms are a missing verdict, not a crash
            logger.warning("terms of %s could not be read: %s", url_origin, exc)
            result = TermsResult()
        self._terms[url_origin] = result
        self.crawler.stats.set_value(f"civil/terms/{url_origin}", result.describe())
        fut.set_result(result)
        del self._terms_pending[url_origin]
        return result

    def _reuse(self, request: Request, host: str, response: Response) -> Response:
        """Serve a page already read for terms discovery (and counted in the budget then) instead of fetching it again."""
        verdict = self.read_page(request, response)
        reason, detail = verdict.refusal() or ("ok", "")
        self.audit.record(request.url, host, A.FETCHED, reason, f"{detail}; read once for terms discovery".lstrip("; "),
                          status=response.status)
        return response.replace(request=request)
