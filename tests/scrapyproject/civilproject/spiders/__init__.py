# Spiders of the test project (tests/test_scrapy_project.py runs them with `scrapy crawl`).
