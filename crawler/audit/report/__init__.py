"""``civilcrawl report``: one self-contained HTML page a site owner or auditor reads, from an audit log."""

from crawler.audit.report.build import build_report

__all__ = ["build_report"]
