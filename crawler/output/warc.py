"""WARC output (``--warc FILE.warc.gz``, ``CIVIL_WARC``): what the crawl kept, as a web archive (WARC/1.1).

A downloader middleware just inside the gate: it sees a response only once the gate has let it through,
so a refused image, or any response refused after download, never reaches the file, and an accepted image
is its metadata-stripped copy. One ``request`` and one ``response`` record per fetched page, for robots.txt
and the other files read to decide, after one ``warcinfo`` record naming civilcrawl, its version, the
contact and the purpose. Bodies are written as the crawler read them (Content-Encoding undone, so that
header is dropped and Content-Length is the stored length). Each record is its own gzip member, appended
and flushed as it is written: a kill loses at most the record in flight.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.gate.state import RequestState, page_verdict
from crawler.options import default

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MIDDLEWARE = "crawler.output.warc.WarcMiddleware"
PRIORITY = 949  # just inside the gate (950): process_response sees what the gate passed, in the form it passed
_DROP = {b"content-encoding", b"transfer-encoding", b"content-length"}


class WarcMiddleware:
    """Write every response the gate let through, with its request, to ``CIVIL_WARC``."""

    def __init__(self, path: str, info: dict[str, str]):
        from warcio.warcwriter import WARCWriter

        self.path = path
        self.file = open(path, "ab")  # noqa: SIM115 - kept open for the crawl, closed on spider_closed
        self.writer = WARCWriter(self.file, gzip=True, warc_version="WARC/1.1")
        self.records = 0
        self._seen: set[tuple[str, int, bytes]] = set()
        self._write(self.writer.create_warcinfo_record(path.rsplit("/", 1)[-1], info))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcMiddleware:
        from crawler import __version__
        from crawler.net.identity import DEFAULT_TOKEN, user_agent

        s = crawler.settings
        path = s.get("CIVIL_WARC")
        if not path:
            raise NotConfigured("CIVIL_WARC is not set")
        contact = s.get("CIVIL_CONTACT") or ""
        info = {"software": f"civilcrawl/{__version__} (Scrapy)", "format": "WARC File Format 1.1",
                "conformsTo": "https://iso.org/standard/68004.html",
                "http-header-user-agent": user_agent(s.get("CIVIL_USER_AGENT_TOKEN") or DEFAULT_TOKEN, contact),
                "operator": contact, "purpose": s.get("CIVIL_PURPOSE") or default("CIVIL_PURPOSE"),
                "robots": "obey (RFC 9309, fail closed)",
                "description": "personal images, and responses refused after download, are never recorded; "
                               "kept images are metadata-stripped copies"}
        mw = cls(path, info)
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        state = RequestState.of(request)
        if state.replay or not self._kept(request):
            return response  # a job's stored answer (already archived when fetched), or one refused by its page
        if state.read == "terms" and request.url == state.read_for + "/":
            return response  # a home page read for its terms: archived when the crawl takes it, after its checks
        digest = hashlib.sha1(response.body).digest()
        if (request.url, response.status, digest) in self._seen:
            return response  # the same answer again (a page read once and served twice): one record
        self._seen.add((request.url, response.status, digest))
        try:
            self._record(request, response)
        except (OSError, ValueError) as exc:
            logger.error("WARC %s: cannot write %s (%s); later records may be missing", self.path, request.url, exc)
        return response

    @staticmethod
    def _kept(request: Request) -> bool:
        """A page the gate fetched but whose own directives refuse it (an opt-out) is not archived either."""
        verdict = page_verdict(request)
        return verdict is None or (getattr(verdict, "item_allowed", True) and not verdict.refusal())

    def _record(self, request: Request, response: Response) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        url = request.url
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [("Host", parts.netloc)] + _pairs(request.headers)
        req = self.writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"{request.method} {target} HTTP/1.1", req_headers, is_http_request=True))
        body = response.body
        headers = [(k, v) for k, v in _pairs(response.headers) if k.lower().encode() not in _DROP]
        headers.append(("Content-Length", str(len(body))))
        status = f"{response.status} {_reason(response.status)}".strip()
        resp = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                              http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"))
        self.writer.write_request_response_pair(req, resp)
        self.file.flush()
        self.records += 2

    def _write(self, record: Any) -> None:
        self.writer.write_record(record)
        self.file.flush()

    def close(self, spider: Any = None) -> None:
        if not self.file.closed:
            self.file.close()


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in headers.items() for v in vs]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
