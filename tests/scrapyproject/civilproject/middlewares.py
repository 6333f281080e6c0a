"""Downloader middlewares a user might add after the gate (960, 970, 999): none may undo a floor."""

import itertools

from scrapy.exceptions import NotConfigured

BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
]


class RotateUserAgent:
    """Puts a browser User-Agent on every request."""

    def __init__(self):
        self.agents = itertools.cycle(BROWSERS)

    def process_request(self, request):
        request.headers["User-Agent"] = next(self.agents)


class LastWordUserAgent(RotateUserAgent):
    """The same, as the very last middleware before the download handler."""


class PrivateDetour:
    """Sends /detour/ requests to /private/ after the gate has cleared them (on with DETOUR_ENABLED)."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DETOUR_ENABLED"):
            raise NotConfigured
        return cls()

    def process_request(self, request):
        if "/detour/" in request.url:
            request._set_url(request.url.replace("/detour/", "/private/"))


class ProxyDetour:
    """Sends /via-proxy/ requests through the proxy PROXY_DETOUR, set after the gate's checks."""

    def __init__(self, proxy):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("PROXY_DETOUR"):
            raise NotConfigured
        return cls(crawler.settings.get("PROXY_DETOUR"))

    def process_request(self, request):
        if "/via-proxy/" in request.url:
            request.meta["proxy"] = self.proxy


class Breaks:
    """Breaks the requests whose URL ends with FAIL_ON, below the gate (on when FAIL_ON is set), at the step FAIL_IN
    names: "response" (raises in process_response), "request" (raises in process_request), "again" (answers the
    request's download failure with a fresh copy of it, once), "copy" (answers its response so)."""

    def __init__(self, suffix, step):
        self.suffix, self.step = suffix, step

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("FAIL_ON"):
            raise NotConfigured
        return cls(crawler.settings.get("FAIL_ON"), crawler.settings.get("FAIL_IN") or "response")

    def _hit(self, request):
        return request.url.endswith(self.suffix) and not request.meta.get("broken_once")

    def process_request(self, request):
        if self._hit(request) and self.step in ("request", "again"):
            raise RuntimeError(f"broken below the gate: {request.url}")

    def process_response(self, request, response):
        if self._hit(request) and self.step == "response":
            raise RuntimeError(f"broken below the gate: {request.url}")
        if self._hit(request) and self.step == "copy":
            return request.replace(meta={**request.meta, "broken_once": True}, dont_filter=True)
        return response

    def process_exception(self, request, exception):
        if self._hit(request) and self.step == "again":
            return request.replace(meta={**request.meta, "broken_once": True}, dont_filter=True)
