"""Images three ways: ImagesPipeline (image_urls), FilesPipeline (file_urls), and a callback writing bodies."""

from pathlib import Path

import scrapy


class GallerySpider(scrapy.Spider):
    name = "gallery"

    def __init__(self, base, raw_store, **kwargs):
        super().__init__(**kwargs)
        self.base, self.raw_store = base, Path(raw_store)

    async def start(self):
        yield scrapy.Request(f"{self.base}/gallery", callback=self.parse)
        for name in ("face-jpeg-html", "face-png-octet", "ok-octet"):
            yield scrapy.Request(f"{self.base}/raw/{name}", callback=self.save_raw, cb_kwargs={"name": name})

    def parse(self, response):
        yield {"image_urls": [response.urljoin(u) for u in response.css("img::attr(src)").getall()],
               "file_urls": [response.urljoin(u) for u in response.css("a.file::attr(href)").getall()]}

    def save_raw(self, response, name):
        self.raw_store.mkdir(parents=True, exist_ok=True)
        (self.raw_store / name).write_bytes(response.body)
