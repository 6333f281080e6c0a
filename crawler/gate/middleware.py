"""The gate: the one decision point every outgoing request passes, and the only writer of audit records.

Before a request leaves (:meth:`CivilGate.process_request`): :meth:`CivilGate.decide` asks the scope, the site's
policy (crawler.decide.policy.check), the network guard, robots.txt (crawler.gate.reads) and the opt-outs and
terms (crawler.gate.optouts); then the page budgets (crawler.gate.budget) and the host's turn
(crawler.gate.pacing). When its answer is back: pauses and retries (crawler.gate.retry), the body decoded under
the size cap, images judged and pages read once (crawler.gate.pages). Refusals raise ``Refused`` after writing
their audit record; a fetched URL gets its record when its answer is back, so every URL considered ends with
exactly one final decision. Decisions taken before a request exists are crawler.gate.admission's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.response import response_status_message

from crawler.audit import log as A
from crawler.audit.log import AuditLog
from crawler.decide.policy import Policy, load_policy_set
from crawler.decide.policy.check import policy_refusal
from crawler.decide.refusal import Refusal
from crawler.decide.robots import PARSE_LIMIT, UNREACHABLE, robots_sitemaps
from crawler.decide.scope import Scope, scope_refusal
from crawler.gate import dropped, failures, leftover
from crawler.gate.admission import Admission
from crawler.gate.ahead import ReadAhead
from crawler.gate.announce import start_line
from crawler.gate.budget import Budgets
from crawler.gate.handback import stopped
from crawler.gate.images import ImageJudge, is_image
from crawler.gate.optouts import OptOuts
from crawler.gate.pacing import Pacing, PausedTooLong
from crawler.gate.pages import AnswerReader
from crawler.gate.reads import DecisionReads, read_cache
from crawler.gate.refusal import Refused, Stopping
from crawler.gate.retry import RETRY_STATUSES, attempts, retry
from crawler.gate.sizecap import BodyCap
from crawler.gate.state import RequestState, image_verdict
from crawler.gate.unsent import Unsent
from crawler.net.guard import GuardRefusal, NetworkGuard
from crawler.net.identity import DEFAULT_TOKEN, user_agent
from crawler.net.urls import BadURL, host_or_blank, origin, redirect_target, split_origin
from crawler.net.webbotauth import RequestSigner
from crawler.options import default
from crawler.pace.local import GaveUp, Politeness, ShutdownError
from crawler.page.bodies import ACCEPT_ENCODING, TooLarge
from crawler.page.bodies import decode as decode_body

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


@runtime_checkable
class ScopedSpider(Protocol):
    """A spider that keeps its crawl's scope (crawler.spider.CivilSpider does): requests it did not admit
    through ``gate.admission`` are held to that scope too."""

    crawl_scope: Scope


class CivilGate:
    """Downloader middleware enforcing robots.txt, the network guard, the page budget and per-host pace."""

    def __init__(self, crawler: Crawler):
        s = crawler.settings
        self.crawler = crawler
        self.token = s.get("CIVIL_USER_AGENT_TOKEN") or DEFAULT_TOKEN
        contact = s.get("CIVIL_CONTACT")
        if not contact:
            raise ValueError("civilcrawl needs CIVIL_CONTACT (a URL or e-mail site owners can reach you at): "
                             "set it in your settings or pass --contact")
        self.user_agent = user_agent(self.token, contact)
        max_depth = s.get("CIVIL_MAX_DEPTH")
        self.max_depth = None if max_depth in (None, "") else int(max_depth)
        self.max_bytes = s.getint("CIVIL_MAX_BYTES", default("CIVIL_MAX_BYTES"))
        self.retry_times = s.getint("CIVIL_RETRY_TIMES", default("CIVIL_RETRY_TIMES"))
        self.purpose = s.get("CIVIL_PURPOSE") or default("CIVIL_PURPOSE")
        self.art3 = s.getbool("CIVIL_ART3")
        self.terms_mode = s.get("CIVIL_TERMS") or default("CIVIL_TERMS")
        self.terms_label = "--terms require-policy" if s.getbool("CIVIL_CLI") else "CIVIL_TERMS = 'require-policy'"
        self.audit = AuditLog.from_settings(s)
        self.audit.stats = crawler.stats  # civil/<decision>/<reason>, counted as decided
        self.signer = RequestSigner.from_settings(s)  # Web Bot Auth, when CIVIL_SIGNATURE_AGENT is set
        self.guard = NetworkGuard(allow_private=s.getbool("CIVIL_ALLOW_PRIVATE_NETWORKS"),
                                  allowed_networks=s.getlist("CIVIL_ALLOW_NETWORKS"),
                                  overrides=s.getdict("CIVIL_RESOLVE"))
        if not s.getbool("CIVIL_CLI"):
            self.guard.hint = "set CIVIL_ALLOW_NETWORKS or CIVIL_ALLOW_PRIVATE_NETWORKS"
        bundled = s.getbool("CIVIL_BUNDLED_POLICIES", default("CIVIL_BUNDLED_POLICIES"))
        self.policies = load_policy_set(s.getlist("CIVIL_POLICIES"), bundled=bundled)
        # the backends are settings (a cluster worker's are in Redis: crawler.distributed.addon); the engine,
        # not crawler.crawling, says when to stop waiting: `scrapy shell` runs an engine without "crawling"
        pace = load_object(s.get("CIVIL_PACE") or default("CIVIL_PACE"))
        self.politeness: Politeness = build_from_crawler(pace, crawler, stopping=lambda: not self._engine_running())
        self.pacing = Pacing(crawler, self.politeness)
        budget = load_object(s.get("CIVIL_PAGE_BUDGET") or default("CIVIL_PAGE_BUDGET"))
        self.budgets = Budgets(build_from_crawler(budget, crawler))
        self.reads = DecisionReads(crawler, read_cache(crawler, lambda: not self._engine_running()), self.token,
                                   self.politeness)
        self.ahead = ReadAhead(self.decide)
        self.optouts = OptOuts(self.reads, self.pacing, self.token, self.purpose, self.art3, self.terms_mode)
        self.admission = Admission(self.audit, self.budgets, self.policies, self.reads, max_depth=self.max_depth,
                                   purpose=self.purpose, max_bytes=self.max_bytes)
        self.images = ImageJudge(self.purpose, s.getfloat("CIVIL_IMAGE_TIMEOUT", default("CIVIL_IMAGE_TIMEOUT")),
                                 stopping=lambda: crawler.crawling is False or not self._engine_running())
        self.answers = AnswerReader(crawler, self.audit, self.reads, self.images, token=self.token,
                                    purpose=self.purpose, art3=self.art3)
        self.body_cap = BodyCap(self.max_bytes, PARSE_LIMIT)
        kept = s.getbool("CIVIL_JOB") or hasattr(load_object(s.get("SCHEDULER")), "keep_stopped")
        self.unsent = Unsent(self.audit, s, kept)
        crawler.signals.connect(self.body_cap.on_headers, signal=signals.headers_received)
        crawler.signals.connect(self.body_cap.on_bytes, signal=signals.bytes_received)
        crawler.signals.connect(self._on_closed, signal=signals.spider_closed)
        failures.watch(self)  # exceptions in spider callbacks and errbacks end as audit records too
        dropped.watch(self)  # so do requests the scheduler drops as duplicates
        leftover.watch(self)  # and those whose answer a middleware after the gate kept from coming back through it

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CivilGate:
        gate = cls(crawler)
        start_line(crawler.settings, gate.user_agent, gate.pacing.delay, crawler.settings.get("CIVIL_AUDIT"))
        gate._install_guard()
        # a CrawlerProcess installs Scrapy's resolver when it starts, after this: install again then
        crawler.signals.connect(gate._install_guard, signal=signals.engine_started)
        return gate

    def _install_guard(self) -> None:
        from twisted.internet import reactor

        self.guard.install(reactor)

    def _engine_running(self) -> bool:
        """False once the engine stops or the spider is closing (a limit such as --max-time, or a stop):
        requests still waiting for their host's turn then give up instead of being sent at crawl pace."""
        try:
            engine = self.crawler.engine
            slot = engine._slot  # noqa: SLF001 - Scrapy has no public "closing" flag
            return bool(engine.running) and (slot is None or slot.closing is None)
        except (AttributeError, RuntimeError):
            return True

    # -- downloader middleware ------------------------------------------------------------------------

    @failures.audited("checking the request", A.REFUSED)
    async def process_request(self, request: Request) -> Response | None:
        state = RequestState.of(request).own(request)
        try:
            _, host, _ = split_origin(request.url)
            url_origin = origin(request.url)
        except BadURL as exc:
            self._refuse(request, "", Refusal("bad-url", str(exc)))
        if state.is_robots:
            await self._check_network(request, host)
            await self._take_turn(request, host, url_origin)
            return None
        try:
            policy = await self.decide(request, host, url_origin)
        except Stopping:  # a decision read it waited for was caught by the stop: not a decision, keep it
            if not stopped(self.crawler, request):
                self.unsent.note([request])
            raise
        counts = self.budgets.counts(state)
        if not state.is_read and (home := self.reads.take_home(request.url)) is not None:
            return self.answers.reuse(request, host, home)
        if counts and (refusal := self.budgets.crawl_refusal()):
            self._refuse(request, host, refusal)
        await self._take_turn(request, host, url_origin, self.budgets.give_up() if counts else None)
        # budgets are spent only now, as the request leaves: others may have spent them while we waited
        if counts and (refusal := self.budgets.spend(policy, state)):
            self.politeness.release(host, origin=state.origin)
            state.host = None
            self._refuse(request, host, refusal)
        return None

    async def decide(self, request: Request, host: str, url_origin: str) -> Policy | None:
        """Every check before the pace: scope, policy and terms, network, robots.txt, opt-out signals.

        Raises Refused (with the audit record written) or returns the site's policy.
        """
        state = RequestState.of(request)
        if self._scoped(request, state):
            self._check_scope(request, host, url_origin)
        policy = self.policies.for_url(request.url)
        require = self.terms_label if self.terms_mode == "require-policy" else None
        depth = request.meta.get("depth", 0)
        refusal = policy_refusal(policy, request.url, depth, self.purpose, datetime.now(UTC), require=require)
        if refusal or (not self.reads.has_home(request.url)  # a page read for the terms was counted then
                       and (refusal := self.budgets.site_refusal(policy))):
            self._refuse(request, host, refusal)
        await self._check_network(request, host)
        record = (await self.reads.robots(url_origin)).effective(time.time())
        if not record.allows(request.url, self.token):
            reason = "robots-unavailable" if record.kind == UNREACHABLE else "robots"
            self._refuse(request, host, Refusal(reason, record.why_refused(request.url, self.token)))
        self.pacing.apply(host, url_origin, record, policy, self.token)
        if not state.is_read and (refusal := await self.optouts.refusal(request, host, url_origin, record, policy)):
            self._refuse(request, host, refusal)
        return policy

    @failures.audited("reading the answer", A.FETCHED)
    async def process_response(self, request: Request, response: Response) -> Response | Request:
        state = RequestState.of(request)
        host, state.host = state.host, None
        if host is None:
            return response
        status = response.status
        self.politeness.release(host, server_error=status in RETRY_STATUSES, ok=status < 400, origin=state.origin)
        try:  # every check below reads the real bytes: undo gzip/deflate here, under the size cap
            robots = state.is_robots  # robots.txt: its first 500 KiB, whatever its size
            response = decode_body(response, PARSE_LIMIT if robots else self.max_bytes, head=robots)
        except ValueError as exc:
            reason = "too-large" if isinstance(exc, TooLarge) else "error"
            if not state.is_read:
                self.audit.record(request.url, host, A.REFUSED if reason == "too-large" else A.FETCHED,
                                  reason, str(exc), status=status, **state.timing())
            raise Refused(reason, str(exc)) from None
        if state.is_read:
            label = state.read or ""
            sitemaps = robots_sitemaps(response.body) if state.is_robots and 200 <= status < 300 else []
            self.audit.record(request.url, host, A.FETCHED, label, f"{label} for {state.read_for}", status=status,
                              sitemaps=sitemaps or None, **state.timing())
            return response
        note = ""
        if status in (429, 503):
            wait, note = self.pacing.answered(host, status, response.headers.get("Retry-After"))
            if wait <= self.pacing.max_wait and (again := self._retry(request, response_status_message(status), note)):
                return again
        elif status in RETRY_STATUSES and (again := self._retry(request, response_status_message(status),
                                                                 f"HTTP {status}")):
            return again
        reason = "retry-after" if note or state.retry_note else ("rate" if state.waited > 0.001 else "ok")
        detail = "; ".join(x for x in (note, state.retry_note, self.pacing.detail(host, state.waited)) if x)
        if attempts(request):
            detail += f"; attempt {attempts(request) + 1}"
        if 300 <= status < 400 and (loc := response.headers.get("Location")):
            detail = f"{detail}; redirect to {redirect_target(request.url, loc)}".lstrip("; ")
        if image_verdict(request) is not None or (200 <= status < 300 and is_image(response, state.image_of is not None)):
            return await self.answers.image(request, response, host, reason, detail)
        verdict = self.answers.page(request, response)
        if refusal := verdict.refusal():
            reason, detail = refusal[0], f"{refusal[1]}; no item kept"
        elif notes := verdict.notes():
            detail = f"{detail}; {notes}".lstrip("; ")
        self.audit.record(request.url, host, A.FETCHED, reason, detail, status=status, **state.timing())
        state.spent = 0  # this record counted them: a redirect's target (a copy of this state) spends its own
        return response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if isinstance(exception, Refused):
            return None
        state = RequestState.of(request)
        host, state.host = state.host, None
        if host is None:  # refused by another middleware before reaching us (e.g. Scrapy's offsite filter)
            if not isinstance(exception, IgnoreRequest):
                failures.note(self, request, exception, "before the gate, on", A.REFUSED)
            elif not state.is_read:
                self.audit.record(request.url, host_or_blank(request.url), A.SKIPPED, "offsite",
                                  str(exception) or "filtered")
            return None
        too_large = state.too_large
        self.politeness.release(host, server_error=too_large is None, origin=state.origin)
        if state.is_read:
            return None  # the fetcher of robots.txt (or tdmrep.json, ai.txt) records what this means
        if too_large is not None:
            cap = state.cap if state.cap is not None else self.max_bytes
            self.audit.record(request.url, host, A.REFUSED, "too-large", f"{too_large} bytes > cap of {cap}",
                              **state.timing())
            raise Refused("too-large", "too large")
        detail = f"{type(exception).__name__}: {exception}".strip(": ")
        if again := self._retry(request, exception, detail):
            return again
        self.audit.record(request.url, host, A.FETCHED, "error", detail, **state.timing())
        return None

    # -- the parts of a request's way out -------------------------------------------------------------------

    def _refuse(self, request: Request, host: str, refusal: Refusal) -> NoReturn:
        """Write the refusal's audit record (not for the gate's own reads) and raise it."""
        state = RequestState.of(request)
        if state.recorded:
            self.audit.record(request.url, host, A.SKIPPED if refusal.skip else A.REFUSED, refusal.reason,
                              refusal.detail, via=state.via)
        raise Refused(refusal.reason, refusal.detail)

    @staticmethod
    def _scoped(request: Request, state: RequestState) -> bool:
        """Whether the gate holds ``request`` to the spider's scope: the spider did not admit it, or it is a redirect
        (which carries its source's state, "admitted" included). Not the gate's own reads, nor a page's images."""
        if state.is_read:
            return False
        return not state.admitted or (bool(request.meta.get("redirect_urls")) and state.image_of is None)

    def _check_scope(self, request: Request, host: str, url_origin: str) -> None:
        """A request the spider did not admit (another spider's, a redirect's): the spider's scope holds for it."""
        spider = self.crawler.spider
        scope = spider.crawl_scope if isinstance(spider, ScopedSpider) else None
        if scope is not None and (redirected := request.meta.get("redirect_urls")):
            scope.follow_seed(redirected[0], request.url)  # a seed that moved: crawl it there
        if refusal := scope_refusal(scope, request.url, url_origin, request.meta.get("depth", 0), self.max_depth):
            self._refuse(request, host, refusal)

    async def _check_network(self, request: Request, host: str) -> None:
        try:
            await self.guard.check(host, split_origin(request.url)[2])  # an allowance may be for one port
        except GuardRefusal as exc:
            self._refuse(request, host, Refusal("private-network", str(exc)))
        except OSError as exc:
            self._refuse(request, host, Refusal("robots-unavailable", f"DNS lookup failed: {exc}"))

    async def _take_turn(self, request: Request, host: str, url_origin: str,
                         give_up: Callable[[], bool] | None = None) -> None:
        try:
            waited = await self.pacing.turn(request, host, url_origin, give_up)
        except PausedTooLong as exc:
            self._refuse(request, host, Refusal("retry-after", str(exc)))
        except ShutdownError:
            if not stopped(self.crawler, request):  # JOBDIR (or the cluster) keeps it for the resumed run
                self.unsent.note([request])  # nothing does: recorded at close
            raise Stopping() from None
        except GaveUp:  # the page budget was spent while this request waited: no turn taken, nothing sent
            self._refuse(request, host, Refusal("max-pages", self.budgets.pages.describe(), True))
        state = RequestState.of(request)
        state.host, state.origin = host, url_origin
        state.cleared_url = request.url  # crawler.gate.wire sends only the URL cleared here
        state.waited, state.started, state.bytes, state.gap = waited, time.time(), 0, self.pacing.held_to(host)
        request.headers["User-Agent"] = self.user_agent  # identity is a floor: set last, over any other setting
        # Web Bot Auth signatures (self.signer) are added by crawler.gate.wire, as the request goes on the wire
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING  # what crawler.page.bodies can undo under a size cap

    def _retry(self, request: Request, reason: str | Exception, note: str) -> Request | None:
        spider = self.crawler.spider
        return retry(request, spider, reason=reason, note=note, times=self.retry_times) if spider else None

    # -- for the components around the gate -----------------------------------------------------------------

    def prepared(self, url: str) -> bool:
        """Were the decision reads for ``url``'s origin made ahead lately? (crawler.queue.hosts asks)"""
        return self.ahead.prepared(url)

    async def prepare(self, url: str) -> None:
        """Make the decision reads for ``url``'s origin ahead of its first request (crawler.queue.hosts asks)."""
        await self.ahead.prepare(url)

    def read_before(self, url: str) -> bool:
        """Is ``url``'s robots.txt known and fresh (this process's, or the state folder's)? Preparing it then reads
        from there, not the network (crawler.queue.hosts prepares such hosts at once: a resumed run's, say)."""
        try:
            record = self.reads.robots_known(origin(url))
        except BadURL:
            return True
        return record is not None and record.fresh(time.time())

    def check_redirect(self, request: Request) -> None:
        """A redirect's target, before it is queued (crawler.gate.redirects): out of scope, it is recorded and
        Refused is raised, so nothing of its host is read ahead."""
        state = RequestState.of(request)
        if not self._scoped(request, state):
            return
        try:
            _, host, _ = split_origin(request.url)
            url_origin = origin(request.url)
        except BadURL:
            return  # refused by process_request when it comes
        self._check_scope(request, host, url_origin)

    def judge_stored(self, request: Request, response: Response) -> Response:
        """The page verdict for an answer replayed from a job's stored copy (crawler.jobs.journalmw): no fetch, no
        record. Returns the response as the spider must see it (its Content-Encoding undone)."""
        return self.answers.stored(request, response, self.max_bytes)

    def _on_closed(self, spider: Any, reason: str) -> None:
        self.politeness.close()
        self.images.close()
        self.crawler.stats.set_value("civil/pages", self.budgets.used)
        self.unsent.record(reason, self.crawler)
        self.crawler.signals.send_catch_log(signal=A.audit_closing)  # last records (crawler.gate.pagerules)
        self.audit.close()
