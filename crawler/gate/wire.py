"""The last step before the wire and the first after it: a download handler wrapping Scrapy's HTTP handler.

Downloader middlewares run in an order a project can change; a download handler does not. So here, whatever
the middleware order, every request leaves with civilcrawl's identity, only to an address the network guard
allows, and only as the gate cleared it (same URL); and every answer whose bytes are an image, whatever its
Content-Type, is judged before any middleware, spider, pipeline, cache or file sees it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.audit import log as A
from crawler.gate.images import AUDIT_REASONS, is_image
from crawler.gate.refusal import Refused
from crawler.gate.state import RequestState, set_image_verdict
from crawler.net.guard import GuardRefusal
from crawler.net.urls import host_or_blank, split_origin
from crawler.page.bodies import ACCEPT_ENCODING
from crawler.page.bodies import decode as decode_body
from crawler.page.sniff import image_format

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from crawler.gate.middleware import CivilGate

logger = logging.getLogger(__name__)

#: the setting the add-on fills with the handlers it wraps, per scheme (what DOWNLOAD_HANDLERS said before)
INNER_SETTING = "CIVIL_WIRE_HANDLERS"


class CivilDownloadHandler:
    """Wraps the project's HTTP(S) download handler: identity, guard and gate clearance checked last."""

    lazy = False

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._paths: dict[str, str] = dict(crawler.settings.getdict(INNER_SETTING))
        if not self._paths:
            raise NotConfigured(f"{INNER_SETTING} is empty: enable civilcrawl with its add-on "
                                "(crawler.addon.CivilAddon)")
        self._built: dict[str, Any] = {}  # handler path -> instance (http and https usually share one)
        self._gate: CivilGate | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CivilDownloadHandler:
        return cls(crawler)

    def _inner(self, scheme: str) -> Any:
        path = self._paths.get(scheme)
        if path is None:
            raise IgnoreRequest(f"civilcrawl wraps no download handler for {scheme!r}")
        if path not in self._built:
            self._built[path] = build_from_crawler(load_object(path), self.crawler)
        return self._built[path]

    def _find_gate(self) -> CivilGate | None:
        if self._gate is None:
            from crawler.gate.middleware import CivilGate

            self._gate = self.crawler.get_downloader_middleware(CivilGate)
        return self._gate

    async def download_request(self, request: Request) -> Response:
        gate = self._find_gate()
        if gate is None:
            logger.error("refused %s: civilcrawl's gate (crawler.gate.middleware.CivilGate) is not among the downloader "
                         "middlewares; remove whatever disables it (DOWNLOADER_MIDDLEWARES, custom_settings)",
                         request.url)
            raise IgnoreRequest("civilcrawl's gate is missing: nothing is sent without it")
        await self._before(gate, request)
        response = await self._inner(urlsplit(request.url).scheme).download_request(request)
        return await screen(gate, request, response)

    async def _before(self, gate: CivilGate, request: Request) -> None:
        """The gate's clearance, the network guard (target and proxy), then the identity, just before sending."""
        meta = request.meta
        state = RequestState.of(request)
        cleared = state.cleared_url
        if state.host is None or cleared is None:
            refuse(gate, request, "gate-bypassed", "the request reached the network without taking its turn at "
                   "civilcrawl's gate")
        if cleared != request.url:
            refuse(gate, request, "gate-bypassed", f"changed to {request.url} after the gate cleared it (by a "
                   "downloader middleware ordered after the gate's 950): only the URL the gate decided on is sent",
                   url=cleared)
        for what, (host, port) in (("", split_origin(request.url)[1:]), ("proxy ", _proxy(meta.get("proxy")))):
            if not host:
                continue
            try:
                await gate.guard.check(host, port)  # an allowance may be for one port
            except GuardRefusal as exc:
                refuse(gate, request, "private-network", f"{what}{exc}")
            except OSError as exc:
                reason = "private-network" if what else "robots-unavailable"  # as the gate's own DNS failures
                refuse(gate, request, reason, f"{what}DNS lookup failed: {exc}")
        request.headers["User-Agent"] = gate.user_agent  # no middleware, whatever its order, can replace it
        if gate.signer is not None:  # Web Bot Auth: signed as it leaves ('created' after any wait)
            gate.signer.sign(request)
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING  # what crawler.page.bodies can undo under the size cap

    async def close(self) -> None:
        for handler in self._built.values():
            if hasattr(handler, "close"):
                await ensure_awaitable(handler.close())


def _proxy(proxy: str | None) -> tuple[str | None, int | None]:
    """The host and port a request's proxy (Scrapy's ``proxy`` meta) connects to."""
    if not proxy:
        return None, None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def refuse(gate: CivilGate, request: Request, reason: str, detail: str, status: int | None = None,
           url: str | None = None) -> None:
    """Refuse at the wire: give the host's turn back, write the audit record, and raise Refused."""
    state = RequestState.of(request)
    host, state.host = state.host, None
    if host is not None:
        gate.politeness.release(host, ok=status is not None and status < 400)
    if not state.is_read:
        gate.audit.record(url or request.url, host or host_or_blank(request.url), A.REFUSED, reason, detail,
                          status=status, **state.timing())
    raise Refused(reason, detail)


async def screen(gate: CivilGate, request: Request, response: Response) -> Response:
    """Judge an answer whose bytes are an image (any status, any Content-Type) before anything else sees it.

    A refused image raises Refused with its audit record written; an accepted one comes back with its
    stripped bytes and its verdict kept (crawler.gate.state.image_verdict), which the gate's response step records.
    """
    try:
        decoded = decode_body(response, gate.max_bytes)
    except ValueError:
        return response  # the gate refuses it with the right reason (too-large, error) in its response step
    fmt = image_format(decoded.body)
    if fmt is None and not (200 <= decoded.status < 300 and is_image(decoded, RequestState.of(request).image_of is not None)):
        return decoded
    stats = gate.crawler.stats
    if fmt is not None and not (decoded.headers.get("Content-Type") or b"").lower().startswith(b"image/"):
        stats.inc_value("civil/images/mislabelled")
    verdict = await gate.images.judge(decoded.body)
    if not verdict.ok:
        why = AUDIT_REASONS.get(verdict.reason or "", "image-unchecked")
        stats.inc_value(f"civil/images/refused/{why}")
        label = f"{fmt} bytes" if fmt else "image"
        refuse(gate, request, why, f"{label} served as {_ctype(decoded)}: {verdict.detail}", status=decoded.status)
    set_image_verdict(request, verdict)
    return decoded.replace(body=verdict.clean or b"")


def _ctype(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"no Content-Type").decode("latin-1").split(";")[0]
