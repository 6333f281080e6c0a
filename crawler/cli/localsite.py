"""Small HTTP sites on 127.0.0.1 for the demo, the tests and the benchmarks.

One :class:`LocalServer` serves many named sites on one port, chosen by the ``Host`` header, and logs
every request as the server saw it (the time it arrived, host, path, User-Agent): politeness is checked
there, not in the crawler's own bookkeeping.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow or stalled server)
    content_type: str = "text/html; charset=utf-8"
    stream: bool = False  # HTTP/1.0, no Content-Length: the body ends when the connection closes
    chunked: bool = False  # Transfer-Encoding: chunked (no Content-Length), in chunks of ``chunk`` bytes
    chunk: int = 8192


Route = Reply | Callable[["Hit"], Reply]


@dataclass
class Hit:
    """One request as the server received it."""

    t: float  # time.monotonic() on arrival
    host: str
    path: str
    user_agent: str
    headers: dict[str, str]
    status: int = 0  # filled in once answered
    bytes: int = 0  # body bytes sent


def _not_modified(request: Any, headers: dict[str, str]) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since."""
    if (inm := request.get("If-None-Match")) is not None:
        return inm.strip() == "*" or headers["ETag"] in [t.strip() for t in inm.split(",")]
    if (ims := request.get("If-Modified-Since")) is not None:
        try:
            return parsedate_to_datetime(headers["Last-Modified"]) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def html(title: str, body: str = "", links: list[str] | tuple[str, ...] = ()) -> str:
    """A small HTML page with a title, some text and links."""
    anchors = "".join(f'<li><a href="{h}">{h}</a></li>' for h in links)
    return (f"<!doctype html><html><head><title>{title}</title><style>p{{}}</style></head>"
            f"<body><h1>{title}</h1><p>{body}</p><script>var x=1;</script><ul>{anchors}</ul></body></html>")


class Site:
    """Routes of one host: exact paths first, then an optional fallback, else 404."""

    def __init__(self, routes: Mapping[str, Route] | None = None, fallback: Callable[[Hit], Reply | None] | None = None):
        self.routes = dict(routes or {})
        self.fallback = fallback

    def answer(self, hit: Hit) -> Reply:
        route = self.routes.get(hit.path)
        if route is None and self.fallback is not None:
            route = self.fallback(hit)
        if route is None:
            return Reply(404, "not found", content_type="text/plain")
        return route(hit) if callable(route) else route


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 serving ``sites`` by host name (``"*"`` matches any host)."""

    def __init__(self, sites: dict[str, Site], port: int = 0, idle_timeout: float | None = None):
        self.sites = sites
        self.hits: list[Hit] = []
        self.last_modified = formatdate(time.time() - 3600, usegmt=True)  # validators for 200 answers
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
            timeout = idle_timeout  # close idle keep-alive connections (a broad crawl leaves thousands open)

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
                hit = Hit(time.monotonic(), host, self.path, self.headers.get("User-Agent", ""), dict(self.headers))
                with server._lock:
                    server.hits.append(hit)
                site = server.sites.get(host) or server.sites.get("*")
                reply = site.answer(hit) if site else Reply(421, "unknown host", content_type="text/plain")
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                status, headers = reply.status, dict(reply.headers)
                if status == 200 and not (reply.stream or reply.chunked):
                    headers.setdefault("ETag", f'"{hashlib.sha1(body).hexdigest()[:16]}"')
                    headers.setdefault("Last-Modified", server.last_modified)
                    if _not_modified(self.headers, headers):
                        status, body = 304, b""
                hit.status, hit.bytes = status, len(body)
                try:
                    if reply.stream:
                        self.protocol_version = "HTTP/1.0"  # this answer only: its body ends at the close
                    self.send_response(status)
                    self.send_header("Content-Type", reply.content_type)
                    if reply.stream:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    elif reply.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.send_header("Content-Length", str(len(body)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    step = max(1, reply.chunk) if reply.chunked else 65536
                    for i in range(0, len(body), step):
                        piece = body[i:i + step]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if reply.chunked else piece)
                    if reply.chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # the default backlog of 5 drops SYNs under a crawl's bursts

            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed client is not the server's fault
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, host: str = "127.0.0.1", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits_for(self, host: str, *, robots: bool = True) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.host == host and (robots or h.path != "/robots.txt")]

    @staticmethod
    def gaps(hits: list[Hit]) -> list[float]:
        """Start-to-start gaps between consecutive requests, in seconds."""
        return [b.t - a.t for a, b in pairwise(hits)]


_TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css",
          ".js": "text/javascript", ".txt": "text/plain; charset=utf-8", ".png": "image/png",
          ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml"}


def static_site(root: str, robots_txt: str | None = None) -> Site:
    """Serve the files under ``root`` (``index.html`` for folders); robots.txt from ``robots_txt`` if given."""
    import os
    from urllib.parse import unquote, urlsplit

    base = os.path.realpath(root)

    def serve(hit: Hit) -> Reply | None:
        path = unquote(urlsplit(hit.path).path)
        if path == "/robots.txt" and robots_txt is not None:
            return Reply(body=robots_txt, content_type="text/plain")
        full = os.path.realpath(os.path.join(base, path.lstrip("/")))
        if not full.startswith(base):
            return None
        if os.path.isdir(full):
            full = os.path.join(full, "index.html")
        if not os.path.isfile(full):
            return None
        with open(full, "rb") as f:
            body = f.read()
        return Reply(body=body, content_type=_TYPES.get(os.path.splitext(full)[1].lower(), "application/octet-stream"))

    return Site(fallback=serve)
