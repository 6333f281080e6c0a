"""A plain Spider over one index and the pages it links to (for JOBDIR pause and resume)."""

import scrapy


class ManySpider(scrapy.Spider):
    name = "many"

    def __init__(self, base, **kwargs):
        super().__init__(**kwargs)
        self.base = base

    async def start(self):
        yield scrapy.Request(f"{self.base}/many/", callback=self.parse)

    def parse(self, response):
        yield {"url": response.url}
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)
