"""Item output: JSON Lines appended one whole line per item, so a kill loses at most the line in flight.

(JSON, CSV and XML are Scrapy's feed exporters, configured by crawler.output.feeds.)

``CIVIL_OUT = "-"`` writes the items to standard output (the log stays on standard error).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.audit.log import JsonLinesFile
from crawler.net.redact import redact

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


logger = logging.getLogger(__name__)


class StdoutLines:
    """JSON Lines on standard output, one flushed line per item; a closed pipe (``| head``) ends the output quietly."""

    def __init__(self) -> None:
        self.closed = False

    def write(self, record: dict[str, Any]) -> None:
        if self.closed:
            return
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            sys.stdout.buffer.write(line.encode("utf-8"))
            sys.stdout.buffer.flush()
        except (BrokenPipeError, ValueError):
            self.closed = True
            logger.warning("standard output was closed: later items are not written")

    def close(self) -> None:
        if not self.closed:
            try:
                sys.stdout.buffer.flush()
            except (BrokenPipeError, ValueError):
                pass


class JsonLinesItems:
    """Write every item to ``CIVIL_OUT`` (``-``: standard output)."""

    def __init__(self, path: str):
        self.file: JsonLinesFile | StdoutLines = StdoutLines() if path == "-" else JsonLinesFile(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesItems:
        path = crawler.settings.get("CIVIL_OUT")
        if not path:
            raise NotConfigured("CIVIL_OUT is not set")
        return cls(path)

    def process_item(self, item: Any) -> Any:
        self.file.write(redact(item if isinstance(item, dict) else ItemAdapter(item).asdict()))  # no URL credentials
        return item

    def close_spider(self) -> None:
        self.file.close()


class RedactedItems:
    """Items with URL credentials replaced, before Scrapy's feed exporters (JSON, CSV, XML: crawler.output.feeds) see them."""

    def process_item(self, item: Any) -> Any:
        return redact(item if isinstance(item, dict) else ItemAdapter(item).asdict())
