"""Scrapy's redirect middlewares, with a final record for the redirects they do not follow.

The eleventh hop (``REDIRECT_MAX_TIMES``) is refused as ``redirect-limit``; a redirect to a URL that is
not http(s) (``file:``, ``ftp:``, ``data:``) or that no parser takes is refused as ``bad-url``. Scrapy
drops both without a trace; here the target URL gets its record from the gate, like any URL considered.
A target the gate holds out of the crawl's scope is recorded (``skipped``/``scope``) before it is queued, so
nothing of its host is read ahead. Each refusal is raised as :class:`Refused` with its ``target``, and a job's
journal queues only what :func:`redirect_target` says will be followed: the source stays a redirect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlparse

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from crawler.audit import log as A
from crawler.gate.refusal import Refused
from crawler.gate.state import RequestState


def redirect_target(request: Request, response: Response) -> str | None:
    """The URL Scrapy's RedirectMiddleware follows for this 3xx answer, spelled as it spells it; None when it
    will not follow one (no Location, not http or https, no parser takes it): that redirect is refused ``bad-url``."""
    raw = response.headers.get("Location")
    if not raw:
        return None
    try:
        location = safe_url_string(raw)
        if raw.startswith(b"//"):
            location = urlparse_cached(request).scheme + "://" + location.lstrip("/")
        url = urljoin(request.url, location)
        if not urlparse(url).fragment and (fragment := urlparse_cached(request).fragment):
            url = urljoin(url, f"#{fragment}")
        parts = urlparse(url)
        parts.port  # noqa: B018  # raises ValueError for a port out of range, as Scrapy's redirect would
        Request(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") else None


class _Recorded:
    """Mixed into a Scrapy redirect middleware: record the redirects it refuses to follow."""

    crawler: Any
    max_redirect_times: int

    def _gate(self) -> Any:
        from crawler.gate.middleware import CivilGate

        return self.crawler.get_downloader_middleware(CivilGate)

    def _refuse(self, url: str, reason: str, detail: str) -> None:
        if (gate := self._gate()) is not None:
            gate.admission.unfetched(url, reason, detail, A.REFUSED)

    def _build_redirect_request(self, source_request: Request, response: Response, *, url: str,
                                **kwargs: Any) -> Request:
        redirected = super()._build_redirect_request(source_request, response, url=url, **kwargs)  # type: ignore[misc]
        if urlparse_cached(redirected).scheme not in ("http", "https"):
            RequestState.of(source_request).unfollowed_redirect = url  # not http or https: Scrapy will not follow
        return redirected

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        try:
            followed: Request = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        except IgnoreRequest:
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            self._refuse(redirected.url, "redirect-limit",
                         f"more than {self.max_redirect_times} redirects (REDIRECT_MAX_TIMES) from {first}; "
                         "not followed")
            raise Refused("redirect-limit", redirected.url) from None
        if (gate := self._gate()) is not None:
            try:
                gate.check_redirect(followed)  # out of scope: recorded and refused now, before it is queued
            except Refused as exc:
                raise Refused(exc.reason, exc.detail, target=followed.url) from None
        return followed

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        # ``spider`` only matches the signature of Scrapy's; Scrapy no longer passes it (deprecated)
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except ValueError as exc:  # a Location no URL parser takes (http://[::1, a bad port)
            location = (response.headers.get("Location") or b"").decode("latin-1")
            self._refuse(location, "bad-url", f"redirect from {request.url}: {exc}")
            raise Refused("bad-url", location, target=location) from None
        state = RequestState.of(request)
        target, state.unfollowed_redirect = state.unfollowed_redirect, None
        if target is not None and result is response:
            self._refuse(target, "bad-url", f"redirect from {request.url}: only http and https URLs are followed")
            # raised with its target, like a redirect out of scope: the source's answer was a redirect, not an error
            raise Refused("bad-url", target, target=target)
        return result


class CivilRedirectMiddleware(_Recorded, RedirectMiddleware):
    """Scrapy's RedirectMiddleware; refused redirects are recorded."""


class CivilMetaRefreshMiddleware(_Recorded, MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware; refused redirects are recorded."""
