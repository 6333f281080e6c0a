"""Item output: JSON Lines appended one whole line per item, so a kill loses at most the line in flight."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.audit import JsonLinesFile

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class JsonLinesItems:
    """Write every item to ``CIVIL_OUT``."""

    def __init__(self, path: str):
        self.file = JsonLinesFile(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesItems:
        path = crawler.settings.get("CIVIL_OUT")
        if not path:
            raise NotConfigured("CIVIL_OUT is not set")
        return cls(path)

    def process_item(self, item: Any) -> Any:
        self.file.write(item if isinstance(item, dict) else ItemAdapter(item).asdict())
        return item

    def close_spider(self) -> None:
        self.file.close()
