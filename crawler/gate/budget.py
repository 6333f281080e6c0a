"""The page budgets a request spends as it leaves: the crawl's (``--max-pages``) and its site's (a policy's
``crawl.max_pages``).

Images and the files read to decide (robots.txt, tdmrep.json, ai.txt) spend neither; terms pages count. Once a
site's budget is used up, the rest of that site is skipped, its images too.
A budget is spent only as the request takes its turn: others may have spent it while it waited. Each attempt
spends (a retry spends again); the request's audit record says how many pages it spent (``spent``), and a
resumed job counts those (:meth:`Budgets.spent_by`), so it spends exactly what an uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from crawler.decide.policy.check import site_budget_refusal
from crawler.decide.refusal import Refusal

if TYPE_CHECKING:
    from crawler.decide.policy import Policy
    from crawler.gate.state import RequestState
    from crawler.pace.local import PageBudget


class Budgets:
    """The crawl's page budget (the ``CIVIL_PAGE_BUDGET`` backend: local, or shared by a cluster) and each site's."""

    def __init__(self, pages: PageBudget):
        self.pages = pages  # the backend keeps each site's count too: a cluster's sites are shared like its pages

    @staticmethod
    def counts(state: RequestState) -> bool:
        """Whether the request spends a page: not an image, not a file read to decide (terms pages are pages)."""
        return state.image_of is None and (not state.is_read or state.read == "terms")

    def crawl_refusal(self) -> Refusal | None:
        """``--max-pages`` when it is used up."""
        return Refusal("max-pages", self.pages.describe(), True) if self.pages.exhausted() else None

    def site_refusal(self, policy: Policy | None) -> Refusal | None:
        """The site's budget when it is used up."""
        if policy is None or policy.max_pages is None:
            return None
        return site_budget_refusal(policy, policy.max_pages if self.pages.site_spent(policy.site, policy.max_pages)
                                   else 0)

    def give_up(self) -> Callable[[], bool] | None:
        """What ends a wait for the host's turn early: the crawl's budget spent meanwhile (None: nothing can)."""
        return self.pages.exhausted if self.pages.limit else None

    @staticmethod
    def spent_by(record: Mapping[str, Any]) -> int:
        """The pages an audit record's request spent, as :meth:`spend` counted them (0: an image, a file read to
        decide, a page reused from a read, a second record of a URL)."""
        return int(record.get("spent") or 0)

    def spend(self, policy: Policy | None, state: RequestState) -> Refusal | None:
        """Take one page of the site's budget and one of the crawl's for ``state``'s request (its ``spent``, for
        its audit record), or say which was used up (none taken)."""
        site = None
        if policy is not None and policy.max_pages is not None:
            if not self.pages.take_site(policy.site, policy.max_pages):
                return site_budget_refusal(policy, policy.max_pages)
            site = policy.site
        if not self.pages.take():
            if site is not None:
                self.pages.give_back_site(site)
            return Refusal("max-pages", self.pages.describe(), True)
        state.spent += 1
        return None

    def restore(self, pages_done: int, sites: dict[str, int] | None = None) -> None:
        """A resumed job: the pages its earlier runs fetched count against ``--max-pages`` and, per site, against
        each policy's ``crawl.max_pages`` again."""
        if pages_done:
            self.pages.used = min(pages_done, self.pages.limit or pages_done)
        if sites:
            self.pages.restore_sites(sites)

    @property
    def used(self) -> int:
        return self.pages.used
