"""Sub-commands of ``civilcrawl``; see :mod:`crawler.cli.main`."""
