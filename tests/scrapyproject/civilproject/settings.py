# The settings a careless Scrapy user writes, with civilcrawl's add-on on: every floor must hold anyway.
BOT_NAME = "civilproject"
SPIDER_MODULES = ["civilproject.spiders"]
NEWSPIDER_MODULE = "civilproject.spiders"

ADDONS = {"crawler.addon.CivilAddon": 0}
CIVIL_CONTACT = "mailto:floors@example.org"

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ROBOTSTXT_OBEY = False
DOWNLOAD_DELAY = 0
CONCURRENT_REQUESTS_PER_DOMAIN = 32
AUTOTHROTTLE_ENABLED = True
HTTPCACHE_ENABLED = True

DOWNLOADER_MIDDLEWARES = {
    "civilproject.middlewares.RotateUserAgent": 960,
    "civilproject.middlewares.LastWordUserAgent": 999,
    "civilproject.middlewares.PrivateDetour": 970,
    "civilproject.middlewares.ProxyDetour": 980,
    "civilproject.middlewares.Breaks": 990,
}
EXTENSIONS = {"civilproject.extensions.StatsDump": 500}
ITEM_PIPELINES = {
    "scrapy.pipelines.images.ImagesPipeline": 1,  # on when IMAGES_STORE is set
    "scrapy.pipelines.files.FilesPipeline": 2,  # on when FILES_STORE is set
}
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
