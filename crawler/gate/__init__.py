"""The one decision point: Scrapy middlewares and the download handler that ask decide/ and write the audit."""
