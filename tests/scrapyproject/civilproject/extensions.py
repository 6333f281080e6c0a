"""Writes the crawl's stats as JSON to STATS_JSON, as a user's monitoring extension would."""

import json

from scrapy import signals
from scrapy.exceptions import NotConfigured


class StatsDump:
    def __init__(self, crawler, path):
        self.crawler, self.path, self.during = crawler, path, []
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("STATS_JSON")
        if not path:
            raise NotConfigured
        return cls(crawler, path)

    def response_received(self, response, request, spider=None):
        # json.dumps of the live stats, as a monitoring extension would send them somewhere
        self.during.append(json.loads(json.dumps(self.crawler.stats.get_stats(), default=str)).get("civil/fetched", 0))

    def engine_stopped(self):
        with open(self.path, "w") as f:
            json.dump({"final": self.crawler.stats.get_stats(), "during": self.during}, f, default=str)
