"""Terms-of-service awareness: find the terms page, read its clauses, decide per purpose, draft a policy."""

from crawler.decide.terms.clauses import Clause, TermsVerdict, analyse
from crawler.decide.terms.conditions import Condition
from crawler.decide.terms.discover import Candidate, common_paths, discover
from crawler.decide.terms.draft import draft_policy, site_of, write_draft
from crawler.decide.terms.text import html_to_text

__all__ = ["Candidate", "Clause", "Condition", "TermsVerdict", "analyse", "common_paths", "discover", "draft_policy",
           "html_to_text", "site_of", "write_draft"]
