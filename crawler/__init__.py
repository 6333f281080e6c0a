"""civilcrawl: an ethical web crawler on Scrapy that can prove it behaved."""

__version__ = "0.1.0"

__all__ = ["__version__"]
