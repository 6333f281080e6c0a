"""Terms-of-service awareness: find the terms page, read its clauses, decide per purpose, draft a policy."""

from crawler.terms.clauses import Clause, TermsVerdict, analyse
from crawler.terms.conditions import Condition
from crawler.terms.discover import Candidate, common_paths, discover
from crawler.terms.draft import draft_policy, site_of, write_draft
from crawler.terms.text import html_to_text

__all__ = ["Candidate", "Clause", "Condition", "TermsVerdict", "analyse", "common_paths", "discover", "draft_policy",
           "html_to_text", "site_of", "write_draft"]
