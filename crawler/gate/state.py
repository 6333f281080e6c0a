"""civilcrawl's state of one request: one typed object under one meta key, and the verdicts on its answer.

:class:`RequestState` holds plain values only, so it travels with its request wherever Scrapy stores one
(JOBDIR's disk queues, the cluster's Redis queue: both pickle the request's meta). What the gate reads from
an answer (a page's parsed tree and directives, an image's checked bytes) stays off the request, in weak
maps keyed by it (:func:`page_verdict`, :func:`image_verdict`), for the spider and the output components.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from crawler.audit.log import utc_iso

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

    from crawler.decide.optout import Signal
    from crawler.images.check import ImageVerdict
    from crawler.page.inspect import PageVerdict

STATE_META = "civil_state"
ROBOTS_TXT = "robots-txt"  # RequestState.read of the gate's own robots.txt reads


@dataclass
class RequestState:
    """What civilcrawl knows about one request, under ``request.meta["civil_state"]``."""

    # what the request is: kept when a stop hands it back for a resumed run
    admitted: bool = False  # the spider's gate.admit took the URL: its scope and depth are decided
    via: str | None = None  # how the URL was found when not by a link (crawler.page.sitemaps)
    image_of: str | None = None  # an image request: the page that shows it
    image_url: str | None = None  # an image request: the image's URL as the page gave it
    read: str | None = None  # a file the gate reads to decide: robots-txt, tdmrep, ai-txt or terms
    read_for: str = ""  # the origin that file is read for
    replay: bool = False  # a job's stored answer stands in for a fetch (crawler.jobs.journalmw)
    probe: bool = False  # a decision taken ahead (crawler.gate.ahead): it reads what it needs, records nothing
    # retries (crawler.gate.retry; their count is Scrapy's retry_times meta)
    retry_note: str = ""
    earlier: list[str] | None = None  # starts of the attempts before this one: the server saw them
    # this attempt, from the moment it takes its host's turn
    host: str | None = None  # set while the request holds its host's turn
    origin: str | None = None
    cleared_url: str | None = None  # the URL the gate cleared: crawler.gate.wire sends only that
    waited: float = 0.0
    started: float | None = None  # wall clock
    gap: float | None = None  # the gap this start was held to
    bytes: int | None = None  # body bytes received so far
    cap: int | None = None  # its size cap, fixed on first sight (crawler.gate.sizecap)
    too_large: int | None = None  # the size seen when the cap stopped the download
    signals: list[Signal] = field(default_factory=list)  # opt-out signals known before fetching
    robot_signals: list[Signal] | None = None  # robots.txt's, for the page verdict; None: not read yet
    unfollowed_redirect: str | None = None  # a redirect target Scrapy will not follow (crawler.gate.redirects)
    spent: int = 0  # pages its attempts took of the budgets (crawler.gate.budget); its audit record says so

    @classmethod
    def of(cls, request: Request) -> RequestState:
        """The request's state, created empty (and stored) when it has none."""
        state = request.meta.get(STATE_META)
        if not isinstance(state, cls):
            state = request.meta[STATE_META] = cls()
        return state

    @classmethod
    def answered(cls, response: Response) -> RequestState:
        """The state of the request ``response`` answers (an empty one if it has none)."""
        return cls.of(response.request) if response.request is not None else cls()

    @property
    def is_read(self) -> bool:
        """A request the gate makes for its own decision (robots.txt, tdmrep.json, ai.txt, terms)."""
        return self.read is not None

    @property
    def recorded(self) -> bool:
        """Whether the gate writes an audit record for this request (not for its own reads, nor a probe)."""
        return not (self.is_read or self.probe)

    @property
    def is_robots(self) -> bool:
        return self.read == ROBOTS_TXT

    @property
    def is_page(self) -> bool:
        """A page of the crawl: admitted by the spider, not an image fetched for a page."""
        return self.admitted and self.image_of is None

    def timing(self) -> dict[str, Any]:
        """This attempt's timing, how the URL was found and the pages it spent, for its audit record (None values
        are left out)."""
        return {"started": utc_iso(self.started) if self.started else None, "wait": round(self.waited, 3),
                "gap": self.gap, "bytes": self.bytes, "earlier": self.earlier, "via": self.via,
                "spent": self.spent or None}

    def own(self, request: Request) -> RequestState:
        """A copy for ``request`` alone: a redirect's copy of the meta shares its source's state object."""
        state = request.meta[STATE_META] = replace(self)
        return state

    def kept(self) -> RequestState:
        """The state a stopped request keeps for the resumed run: what it is, not its attempt."""
        return RequestState(admitted=self.admitted, via=self.via, image_of=self.image_of, image_url=self.image_url)

    def retried(self, note: str, started: str | None) -> RequestState:
        """The state of the next attempt: the same request, with this attempt's start among the earlier ones."""
        return replace(self.kept(), retry_note=note, earlier=(self.earlier or []) + ([started] if started else []),
                       spent=self.spent)


def state_meta(**fields: Any) -> dict[str, RequestState]:
    """Meta for a new request with this state: ``Request(url, meta={**state_meta(admitted=True), ...})``."""
    return {STATE_META: RequestState(**fields)}


_pages: WeakKeyDictionary[Request, PageVerdict] = WeakKeyDictionary()
_images: WeakKeyDictionary[Request, ImageVerdict] = WeakKeyDictionary()


def page_verdict(request: Request | None) -> PageVerdict | None:
    """What the gate read from the page answering ``request`` (its parsed tree included), if it read one."""
    return _pages.get(request) if request is not None else None


def set_page_verdict(request: Request, verdict: PageVerdict) -> None:
    _pages[request] = verdict


def image_verdict(request: Request | None) -> ImageVerdict | None:
    """The verdict on the image answering ``request`` (its stripped bytes when accepted), if it was judged."""
    return _images.get(request) if request is not None else None


def set_image_verdict(request: Request, verdict: ImageVerdict) -> None:
    _images[request] = verdict
