"""The plain-Scrapy baselines' resolver: the benchmarks' own host names resolve to 127.0.0.1, nothing else changes."""

from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver

#: throughput.py serves ``*.docs``, broad.py serves ``*.broad.test``.
SUFFIXES = (".docs", ".broad.test")


class LoopbackNames(CachingThreadedResolver):
    """Set as ``TWISTED_DNS_RESOLVER = "loopback.LoopbackNames"`` (the scripts run with benchmarks/ on sys.path)."""

    def getHostByName(self, name, timeout=None):
        if name.endswith(SUFFIXES):
            from twisted.internet import defer

            return defer.succeed("127.0.0.1")
        return super().getHostByName(name, timeout)
