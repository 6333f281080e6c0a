"""The gate: the one decision point every outgoing request passes, and the only writer of audit records.

Before a request leaves: scope and depth, the site's policy and terms, the network guard, robots.txt,
opt-out signals known in advance, the page budget, then the host's turn (crawler.pace.local). When its
answer is back: pauses and retries on 429/5xx, the body decoded under the size cap, images judged in
memory (crawler.gate.images), pages read once for their directives and signals (crawler.page.inspect). Refusals
raise ``Refused`` after writing their audit record; a fetched URL gets its record when its answer is
back, so every URL considered ends with exactly one final decision. What the gate fetches to decide
(robots.txt, tdmrep.json, ai.txt, terms pages) is in crawler.gate.reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.audit import log as A
from crawler.audit.log import AuditLog
from crawler.decide.optout import decide
from crawler.decide.optout.aitxt import aitxt_signal
from crawler.decide.optout.robots_lines import signals_from_robots
from crawler.decide.optout.tdmrep import tdm_signal
from crawler.decide.policy import Policy, load_policy_set
from crawler.decide.robots import PARSE_LIMIT, PARSED, UNREACHABLE, RobotsRecord, retry_after_seconds, robots_sitemaps
from crawler.decide.scope import Scope, out_of_scope
from crawler.decide.terms.check import TermsCheck
from crawler.gate import dropped, failures
from crawler.gate.announce import setting_label, start_line
from crawler.gate.handback import stopped
from crawler.gate.images import AUDIT_REASONS, ImageJudge, is_image
from crawler.gate.readcache import ReadCache
from crawler.gate.reads import AITXT, TDMREP, DecisionReads, read_cache
from crawler.gate.refusal import Refused, Stopping
from crawler.gate.sizecap import BodyCap
from crawler.gate.state import STATE_META, RequestState, image_verdict, set_image_verdict, set_page_verdict
from crawler.images.context import personal_context
from crawler.net.guard import GuardRefusal, NetworkGuard
from crawler.net.identity import DEFAULT_TOKEN, user_agent
from crawler.net.urls import BadURL, origin, redirect_target, split_origin
from crawler.net.webbotauth import RequestSigner
from crawler.options import default
from crawler.pace.local import GaveUp, PageBudget, Politeness, ShutdownError
from crawler.page.bodies import ACCEPT_ENCODING, TooLarge
from crawler.page.bodies import decode as decode_body
from crawler.page.inspect import PageVerdict, inspect

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


class CivilGate(DecisionReads, TermsCheck):
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
        # Scrapy's own DOWNLOAD_DELAY, when a project sets one, only ever adds to our courtesy delay
        self.delay = max(s.getfloat("CIVIL_DELAY", default("CIVIL_DELAY")), s.getfloat("DOWNLOAD_DELAY", 0.0))
        if self.delay < 0:
            raise ValueError(f"CIVIL_DELAY must be >= 0, got {self.delay}")
        self.max_depth = s.get("CIVIL_MAX_DEPTH")
        self.max_depth = None if self.max_depth in (None, "") else int(self.max_depth)
        self.max_bytes = s.getint("CIVIL_MAX_BYTES", default("CIVIL_MAX_BYTES"))
        self.max_wait = s.getfloat("CIVIL_MAX_RETRY_AFTER", default("CIVIL_MAX_RETRY_AFTER"))
        self.max_crawl_delay = s.getfloat("CIVIL_MAX_CRAWL_DELAY", default("CIVIL_MAX_CRAWL_DELAY"))
        self.retry_times = s.getint("CIVIL_RETRY_TIMES", default("CIVIL_RETRY_TIMES"))
        self.host_concurrency = max(1, s.getint("CIVIL_HOST_CONCURRENCY", default("CIVIL_HOST_CONCURRENCY")))
        self.audit = AuditLog.from_settings(s)
        self.audit.stats = crawler.stats  # civil/<decision>/<reason>, counted as decided
        self.signer = RequestSigner.from_settings(s)  # Web Bot Auth, when CIVIL_SIGNATURE_AGENT is set
        self.guard = NetworkGuard(allow_private=s.getbool("CIVIL_ALLOW_PRIVATE_NETWORKS"),
                                  allowed_networks=s.getlist("CIVIL_ALLOW_NETWORKS"),
                                  overrides=s.getdict("CIVIL_RESOLVE"))
        # the engine, not crawler.crawling: `scrapy shell` runs an engine without "crawling"
        # the backends are settings (a cluster worker's are in Redis: crawler.distributed.addon)
        pace = load_object(s.get("CIVIL_PACE") or default("CIVIL_PACE"))
        self.politeness: Politeness = build_from_crawler(pace, crawler, stopping=lambda: not self._engine_running())
        self.delay_label = setting_label(s, "CIVIL_DELAY")
        self.reads = read_cache(s.get("CIVIL_STATE_DIR"))  # robots.txt, tdmrep.json, ai.txt, terms
        self._ahead: dict[str, float] = {}  # origins whose reads were made ahead (DecisionReads.prepare)
        if s.get("CIVIL_READ_STORE"):
            self.reads = ReadCache(build_from_crawler(load_object(s.get("CIVIL_READ_STORE")), crawler,
                                                      stopping=lambda: not self._engine_running()))
        budget = load_object(s.get("CIVIL_PAGE_BUDGET") or default("CIVIL_PAGE_BUDGET"))
        self.budget: PageBudget = build_from_crawler(budget, crawler)
        self.purpose = s.get("CIVIL_PURPOSE") or default("CIVIL_PURPOSE")
        self.art3 = s.getbool("CIVIL_ART3")
        self.terms_mode = s.get("CIVIL_TERMS") or default("CIVIL_TERMS")
        self.terms_label = "--terms require-policy" if s.getbool("CIVIL_CLI") else "CIVIL_TERMS = 'require-policy'"
        if not s.getbool("CIVIL_CLI"):
            self.guard.hint = "set CIVIL_ALLOW_NETWORKS or CIVIL_ALLOW_PRIVATE_NETWORKS"
        bundled = s.getbool("CIVIL_BUNDLED_POLICIES", default("CIVIL_BUNDLED_POLICIES"))
        self.policies = load_policy_set(s.getlist("CIVIL_POLICIES"), bundled=bundled)
        self._policy_cache: dict[str, Policy | None] = {}
        self._site_pages: dict[str, int] = {}
        self._prefetched: dict[str, Response] = {}
        self.images = ImageJudge(self.purpose, s.getfloat("CIVIL_IMAGE_TIMEOUT", default("CIVIL_IMAGE_TIMEOUT")),
                                 stopping=lambda: crawler.crawling is False or not self._engine_running())
        self._host_gaps: dict[str, dict[str, tuple[float, str]]] = {}
        self._pinned_slots: set[str] = set()
        self.body_cap = BodyCap(self.max_bytes, PARSE_LIMIT)
        crawler.signals.connect(self.body_cap.on_headers, signal=signals.headers_received)
        crawler.signals.connect(self.body_cap.on_bytes, signal=signals.bytes_received)
        crawler.signals.connect(self._on_closed, signal=signals.spider_closed)
        failures.watch(self)  # exceptions in spider callbacks and errbacks end as audit records too
        dropped.watch(self)  # so do requests the scheduler drops as duplicates

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CivilGate:
        gate = cls(crawler)
        start_line(crawler.settings, gate.user_agent, gate.delay, crawler.settings.get("CIVIL_AUDIT"))
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

    # -- decisions taken before a request exists (links found by our spider) --------------------------

    def admit(self, url: str, *, depth: int, scope: Any = None, via: str | None = None) -> bool:
        """Decide on a discovered URL: bad, off-site, too deep or over budget URLs are recorded and dropped.

        ``via`` names how it was found when not by a link (``sitemap``); its records say so.
        """
        try:
            _, host, _ = split_origin(url)
            url_origin = origin(url)
        except BadURL as exc:
            self.audit.record(url, "", A.REFUSED, "bad-url", str(exc), via=via)
            return False
        if out := self._out_of_scope(url, url_origin, depth, scope):
            self.audit.record(url, host, A.SKIPPED, *out, via=via)
            return False
        if self.budget.exhausted():
            self.audit.record(url, host, A.SKIPPED, "max-pages", self.budget.describe(), via=via)
            return False
        return True

    # -- downloader middleware ------------------------------------------------------------------------

    @failures.audited("checking the request", A.REFUSED)
    async def process_request(self, request: Request) -> None:
        state = RequestState.of(request).own(request)
        try:
            _, host, _ = split_origin(request.url)
            url_origin = origin(request.url)
        except BadURL as exc:
            self._refuse(request, "", "bad-url", str(exc))
        if state.is_robots:
            await self._check_network(request, host)
            await self._take_turn(request, host)
            return None
        try:
            policy = await self.decide(request, host, url_origin)
        except Stopping:  # a decision read it waited for was caught by the stop: not a decision, keep it
            stopped(self.crawler, request)
            raise
        # outside the page budget: images (they go through every check) and tdmrep.json/ai.txt; terms pages count
        free = state.image_of is not None or (state.is_read and state.read != "terms")
        if not state.is_read and (reused := self._prefetched.pop(request.url, None)) is not None:
            return self._reuse(request, host, reused)
        if not free and self.budget.exhausted():
            self._refuse(request, host, "max-pages", self.budget.describe(), A.SKIPPED)
        await self._take_turn(request, host, give_up=self.budget.exhausted if not free and self.budget.limit else None)
        # budgets are spent only now, as the request leaves: others may have spent them while we waited
        site_full = not free and policy is not None and policy.max_pages is not None and \
            self._site_pages.get(policy.site, 0) >= policy.max_pages
        if site_full or (not free and not self.budget.take()):
            self.politeness.release(host, origin=state.origin)
            state.host = None
            if site_full:
                self._refuse(request, host, "policy", f"site budget of {policy.max_pages} pages used "
                                                      f"({policy.where('crawl.max_pages')})", A.SKIPPED)
            self._refuse(request, host, "max-pages", self.budget.describe(), A.SKIPPED)
        if policy is not None and not free:
            self._site_pages[policy.site] = self._site_pages.get(policy.site, 0) + 1
        return None

    async def decide(self, request: Request, host: str, url_origin: str) -> Policy | None:
        """Every check before the pace: scope, policy and terms, network, robots.txt, opt-out signals.

        Raises Refused (with the audit record written) or returns the site's policy.
        """
        state = RequestState.of(request)
        aux = state.is_read
        if not aux and not state.admitted:
            self._check_scope(request, host, url_origin)
        policy = self._policy_for(request.url)
        self._check_policy(request, host, policy, request.meta.get("depth", 0))
        await self._check_network(request, host)
        record = (await self._robots_for(url_origin)).effective(time.time())
        if not record.allows(request.url, self.token):
            reason = "robots-unavailable" if record.kind == UNREACHABLE else "robots"
            self._refuse(request, host, reason, record.why_refused(request.url, self.token))
        self._apply_pace(host, url_origin, record, policy)
        if aux:
            return policy
        await self._check_signals(request, host, url_origin, record, policy)
        return policy

    @failures.audited("reading the answer", A.FETCHED)
    async def process_response(self, request: Request, response: Response) -> Response | Request:
        state = RequestState.of(request)
        host, state.host = state.host, None
        if host is None:
            return response
        status = response.status
        server_error = status in RETRY_STATUSES
        self.politeness.release(host, server_error=server_error, ok=status < 400, origin=state.origin)
        try:  # every check below reads the real bytes: undo gzip/deflate here, under the size cap
            robots = state.is_robots  # robots.txt: its first 500 KiB, whatever its size
            response = decode_body(response, PARSE_LIMIT if robots else self.max_bytes, head=robots)
        except ValueError as exc:
            reason = "too-large" if isinstance(exc, TooLarge) else "error"
            if not state.is_read:
                self.audit.record(request.url, host, A.REFUSED if reason == "too-large" else A.FETCHED,
                                  reason, str(exc), status=status, **self._timing(state))
            raise Refused(reason, str(exc)) from None
        if state.is_read:
            label, target = state.read or "", state.read_for
            sitemaps = robots_sitemaps(response.body) if label == "robots-txt" and 200 <= status < 300 else []
            self.audit.record(request.url, host, A.FETCHED, label, f"{label} for {target}", status=status,
                              sitemaps=sitemaps or None, **self._timing(state))
            return response
        note = ""
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            source = f"Retry-After {wait:g} s" if wait is not None else "back-off"
            if wait is None:
                wait = self.politeness.state(host).effective_gap or self.delay or 1.0
            self.politeness.pause(host, wait, f"HTTP {status}, {source}")
            note = f"HTTP {status}: host paused {wait:g} s ({source})"
            if wait <= self.max_wait and (retry := self._retry(request, note)):
                return retry
        elif server_error and (retry := self._retry(request, f"HTTP {status}")):
            return retry
        reason = "retry-after" if note or state.retry_note else ("rate" if state.waited > 0.001 else "ok")
        detail = "; ".join(x for x in (note, state.retry_note, self._pace_detail(host, state)) if x)
        if state.attempts:
            detail += f"; attempt {state.attempts + 1}"
        if 300 <= status < 400 and (loc := response.headers.get("Location")):
            detail = f"{detail}; redirect to {redirect_target(request.url, loc)}".lstrip("; ")
        if image_verdict(request) is not None or (200 <= status < 300 and is_image(response, state.image_of is not None)):
            return await self._judge_image(request, response, host, reason, detail)
        verdict = self.read_page(request, response)
        if refusal := verdict.refusal():
            reason, detail = refusal[0], f"{refusal[1]}; no item kept"
        elif notes := verdict.notes():
            detail = f"{detail}; {notes}".lstrip("; ")
        self.audit.record(request.url, host, A.FETCHED, reason, detail, status=status, **self._timing(state))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, Refused):
            return None
        state = RequestState.of(request)
        host, state.host = state.host, None
        if host is None:  # refused by another middleware before reaching us (e.g. Scrapy's offsite filter)
            if not isinstance(exception, IgnoreRequest):
                failures.note(self, request, exception, "before the gate, on", A.REFUSED)
            elif not state.is_read:
                self.audit.record(request.url, self._host(request), A.SKIPPED, "offsite", str(exception) or "filtered")
            return None
        too_large = state.too_large
        self.politeness.release(host, server_error=too_large is None, origin=state.origin)
        if state.is_read:
            return None  # the fetcher of robots.txt (or tdmrep.json, ai.txt) records what this means
        if too_large is not None:
            cap = state.cap if state.cap is not None else self.max_bytes
            self.audit.record(request.url, host, A.REFUSED, "too-large", f"{too_large} bytes > cap of {cap}",
                              **self._timing(state))
            raise Refused("too-large", "too large")
        detail = f"{type(exception).__name__}: {exception}".strip(": ")
        if retry := self._retry(request, detail):
            return retry  # type: ignore[return-value]
        self.audit.record(request.url, host, A.FETCHED, "error", detail, **self._timing(state))
        return None

    # -- helpers ------------------------------------------------------------------------------------------

    def _refuse(self, request: Request, host: str, reason: str, detail: str, decision: str = A.REFUSED) -> None:
        state = RequestState.of(request)
        if state.recorded:
            self.audit.record(request.url, host, decision, reason, detail, via=state.via)
        raise Refused(reason, detail)

    def _out_of_scope(self, url: str, url_origin: str, depth: int, scope: Any) -> tuple[str, str] | None:
        """(reason, detail) when a URL is outside the crawl's scope (crawler.decide.scope) or too deep, else None."""
        if scope is not None and (why := out_of_scope(scope, url, url_origin)):
            return "scope", why
        if self.max_depth is not None and depth > self.max_depth:
            return "max-depth", f"depth {depth} > {self.max_depth}"
        return None

    def _check_scope(self, request: Request, host: str, url_origin: str) -> None:
        spider = self.crawler.spider
        scope = getattr(spider, "civil_scope", None)
        redirected = request.meta.get("redirect_urls")
        if scope is not None and redirected and out_of_scope(scope, request.url, url_origin) and \
                getattr(spider, "civil_seed_redirects", True) and redirected[0] in getattr(spider, "civil_seeds", ()):
            scope.add(request.url if isinstance(scope, Scope) else url_origin)  # a seed that moved: crawl it there
        if out := self._out_of_scope(request.url, url_origin, request.meta.get("depth", 0), scope):
            self._refuse(request, host, *out, A.SKIPPED)

    async def _check_network(self, request: Request, host: str) -> None:
        try:
            await self.guard.check(host, split_origin(request.url)[2])  # an allowance may be for one port
        except GuardRefusal as exc:
            self._refuse(request, host, "private-network", str(exc))
        except OSError as exc:
            self._refuse(request, host, "robots-unavailable", f"DNS lookup failed: {exc}")

    async def _take_turn(self, request: Request, host: str, give_up: Callable[[], bool] | None = None) -> None:
        if host not in self._host_gaps:
            self._host_gaps[host] = {}
            self.politeness.set_gap(host, self.delay, f"{self.delay_label} {self.delay:g}", self.host_concurrency)
        paused = self.politeness.paused_for(host)
        if paused > self.max_wait:
            reason = self.politeness.state(host).pause_reason
            self._refuse(request, host, "retry-after", f"{reason}; {paused:.0f} s left > {self.max_wait:g} s")
        try:
            url_origin = origin(request.url)
            waited = await self.politeness.acquire(host, give_up, origin=url_origin)
        except ShutdownError:
            stopped(self.crawler, request)  # JOBDIR keeps it for the resumed run
            raise Stopping("crawl stopping") from None
        except GaveUp:  # the page budget was spent while this request waited: no turn taken, nothing sent
            self._refuse(request, host, "max-pages", self.budget.describe(), A.SKIPPED)
        self._pin_slot(request)
        state = RequestState.of(request)
        state.host, state.origin = host, url_origin
        state.cleared_url = request.url  # crawler.gate.wire sends only the URL cleared here
        state.waited, state.started, state.bytes = waited, time.time(), 0
        state.gap = self.politeness.state(host).held_to  # the gap this start was held to
        request.headers["User-Agent"] = self.user_agent  # identity is a floor: set last, over any other setting
        # Web Bot Auth signatures (self.signer) are added by crawler.gate.wire, as the request goes on the wire
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING  # what crawler.page.bodies can undo under a size cap

    def _pin_slot(self, request: Request) -> None:
        """Make Scrapy's download slot a pass-through: the gate alone paces, so a start here is a start there."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if key in self._pinned_slots:
            return
        self._pinned_slots.add(key)
        downloader.per_slot_settings[key] = {"delay": 0.0, "jitter": 0.0, "concurrency": 64}
        if (slot := downloader.slots.get(key)) is not None:
            slot.delay, slot.jitter, slot.concurrency = 0.0, 0.0, max(slot.concurrency, 64)

    def _apply_pace(self, host: str, url_origin: str, record: RobotsRecord, policy: Policy | None) -> None:
        """The host's gap: the largest of our delay (or the policy's, which may lower it), Crawl-delay, Request-rate."""
        gaps = self._host_gaps.setdefault(host, {})
        if url_origin in gaps:
            return
        delay, per_request = record.delays(self.token)
        gap, source = self.delay, f"{self.delay_label} {self.delay:g}"
        if policy is not None and (own := policy.min_gap()) is not None:
            key = "crawl.min_delay" if own == policy.min_delay else "crawl.requests_per_minute"
            gap, source = own, f"policy {policy.where(key)}"
        if delay is not None and delay > gap:
            gap, source = delay, f"Crawl-delay {delay:g} ({url_origin}/robots.txt)"
        if per_request is not None and per_request > gap:
            gap, source = per_request, f"Request-rate 1/{per_request:g}s ({url_origin}/robots.txt)"
        gaps[url_origin] = (gap, source)
        floor = max(self.delay if policy is None or policy.min_gap() is None else policy.min_gap(), 0.0)
        gap, source = max(gaps.values())
        if gap > self.max_crawl_delay:
            limit = setting_label(self.crawler.settings, "CIVIL_MAX_CRAWL_DELAY")
            self.politeness.pause(host, float("inf"), f"{source} exceeds {limit} {self.max_crawl_delay:g}")
        concurrency = self.host_concurrency
        if policy is not None and policy.concurrency:
            concurrency = min(concurrency, policy.concurrency)
        # each origin keeps its own Crawl-delay / Request-rate; our delay (or the policy's) holds for the host
        self.politeness.set_origin_gap(host, url_origin, gaps[url_origin][0], gaps[url_origin][1], floor, concurrency)

    # -- policy files, terms and opt-out signals ----------------------------------------------------------

    def _policy_for(self, url: str) -> Policy | None:
        _, host, port = split_origin(url)
        key = f"{host}:{port}"
        if key not in self._policy_cache:
            explicit = port if urlsplit(url).port is not None else None
            self._policy_cache[key] = self.policies.for_host(host, explicit)
        return self._policy_cache[key]

    def _check_policy(self, request: Request, host: str, policy: Policy | None, depth: int) -> None:
        if policy is None:
            if self.terms_mode == "require-policy":
                self._refuse(request, host, "policy", f"no reviewed policy file for this site ({self.terms_label})")
            return
        if policy.forbidden:
            t = policy.terms
            quote = f': "{t.quote[:160]}"' if t and t.quote else ""
            self._refuse(request, host, "tos", f"terms forbid automated access ({t.url if t else ''}; "
                                               f"{policy.where('terms.automated_access')}){quote}")
        if self.terms_mode == "require-policy" and not (policy.terms and policy.terms.reviewed_on):
            self._refuse(request, host, "policy", f"{policy.source} has no reviewed terms ({self.terms_label})")
        if not policy.in_window(datetime.now(UTC)):
            w = policy.window
            self._refuse(request, host, "policy", f"outside the crawl window {w.hours} {w.tz} "
                                                  f"({policy.where('crawl.window')})", A.SKIPPED)
        allowed, pattern, where = policy.path_rule(urlsplit(request.url).path or "/")
        if not allowed:
            rule = f"rule {pattern!r}" if pattern else "not in crawl.allow"
            self._refuse(request, host, "policy", f"{rule} ({where})")
        if policy.purpose_allowed(self.purpose) is False:
            self._refuse(request, host, "purpose", f"purpose {self.purpose} forbidden ({policy.where('purposes')})")
        if policy.max_depth is not None and depth > policy.max_depth:
            self._refuse(request, host, "policy", f"depth {depth} > {policy.max_depth} ({policy.where('crawl.max_depth')})",
                         A.SKIPPED)
        if policy.max_pages is not None and self._site_pages.get(policy.site, 0) >= policy.max_pages \
                and request.url not in self._prefetched:  # a page read for the terms was counted then
            self._refuse(request, host, "policy", f"site budget of {policy.max_pages} pages used "
                                                  f"({policy.where('crawl.max_pages')})", A.SKIPPED)

    async def _check_signals(self, request: Request, host: str, url_origin: str, record: RobotsRecord,
                             policy: Policy | None) -> None:
        """Opt-outs known before fetching: robots.txt Content-Signal/Content-Usage, the site's terms, tdmrep.json, ai.txt."""
        state = RequestState.of(request)
        signals: list = []
        if record.kind == PARSED:
            signals = signals_from_robots(record.body, self.token, request.url)
            state.signals = signals
            self._refuse_by_signals(request, host, signals)  # refused already? then read no more files
        await self.check_terms(request, host, url_origin, policy)
        path = "/" + request.url.split("://", 1)[1].partition("/")[2]
        if self.purpose in ("research", "ai-train"):
            rules = await self._aux(url_origin, TDMREP)
            if rules and (sig := tdm_signal(path, rules)) is not None:
                signals.append(sig)
        if self.purpose == "ai-train":
            aitxt = await self._aux(url_origin, AITXT)
            if aitxt is not None and (sig := aitxt_signal(aitxt, self.token, request.url)) is not None:
                signals.append(sig)
        state.signals = signals
        self._refuse_by_signals(request, host, signals)
        state.robot_signals = [s for s in signals if s.source.startswith("robots")]

    async def _judge_image(self, request: Request, response: Response, host: str, reason: str, detail: str) -> Response:
        """Refuse personal images before any other component sees their bytes; keep accepted ones stripped."""
        verdict = image_verdict(request) or await self.images.judge(response.body)  # judged at the wire
        timing = self._timing(RequestState.of(request))
        if not verdict.ok:
            why = AUDIT_REASONS.get(verdict.reason or "", "image-unchecked")
            self.audit.record(request.url, host, A.REFUSED, why, verdict.detail, status=response.status, **timing)
            self.crawler.stats.inc_value(f"civil/images/refused/{why}")
            raise Refused(why, verdict.detail)  # the response, and its bytes, go no further
        self.audit.record(request.url, host, A.FETCHED, reason, f"image accepted, metadata stripped; {detail}".rstrip("; "),
                          status=response.status, **timing)
        set_image_verdict(request, verdict)
        return response.replace(body=verdict.clean or b"")

    def admit_image(self, url: str, attrs: dict[str, str], page: str, verdict: Any) -> bool:
        """Decide on an image a page shows, before any request: the page's directives, the site's policy,
        and markup or a URL that says "a person" (refused unseen). Refusals are recorded."""
        policy = self._policy_for(page)
        why_not = "noimageindex" if not verdict.images_allowed else (
            "policy" if policy is not None and not policy.images_allowed() else None)
        if why_not:
            self.refuse_unfetched(url, why_not, f"no images from {page}", A.SKIPPED)
        elif why := personal_context(url, attrs):
            self.refuse_unfetched(url, "personal-image", f"{why}; not fetched")
        return why_not is None and why is None

    def refuse_unfetched(self, url: str, reason: str, detail: str, decision: str = A.REFUSED) -> None:
        """A URL decided without any request (an avatar known by its markup; a link reached only via nofollow)."""
        try:
            host = split_origin(url)[1]
        except BadURL:
            host = ""
        self.audit.record(url, host, decision, reason, detail)

    def judge_stored(self, request: Request, response: Response) -> Response:
        """The page verdict for an answer replayed from a job's stored copy (crawler/state): no fetch, no record.

        Returns the response as the spider must see it (its Content-Encoding undone).
        """
        try:
            response = decode_body(response, self.max_bytes)
        except ValueError:
            response = response.replace(body=b"")  # stored before it was refused: read nothing from it
        self.read_page(request, response)
        return response

    def read_page(self, request: Request, response: Response) -> PageVerdict:
        """The page's directives and signals for our purpose (one parse), with robots.txt's and tdmrep.json's."""
        url_origin = origin(request.url)
        state = RequestState.of(request)
        signals, state.robot_signals = state.robot_signals, None
        if signals is None:  # not checked before this answer (a replayed or reused page): read them now
            record = self.robots_known(url_origin)
            signals = [s for s in signals_from_robots(record.body, self.token, request.url)
                       if s.source.startswith("robots")] if record and record.kind == PARSED else []
        verdict = inspect(response, token=self.token, purpose=self.purpose, art3=self.art3, robots_signals=signals,
                          tdm_rules=self.tdm_rules(url_origin))
        set_page_verdict(request, verdict)
        return verdict

    def _refuse_by_signals(self, request: Request, host: str, signals: list) -> None:
        if signals and not (decision := decide(signals, self.purpose, art3=self.art3)).allowed:
            self._refuse(request, host, decision.reason or "purpose", decision.detail)

    def _pace_detail(self, host: str, state: RequestState) -> str:
        st = self.politeness.state(host)
        waited = state.waited
        return f"waited {waited:.3f} s; gap {st.effective_gap:g} s from {st.gap_source}" if waited > 0.001 else ""

    @staticmethod
    def _timing(state: RequestState) -> dict[str, Any]:
        started = state.started
        return {"started": A.utc_iso(started) if started else None, "wait": round(state.waited, 3),
                "gap": state.gap, "bytes": state.bytes,
                "earlier": state.earlier,  # starts of the attempts before a retry: the server saw them
                "via": state.via}  # how the URL was found, when not by a link (crawler.page.sitemaps)

    def _retry(self, request: Request, note: str) -> Request | None:
        state = RequestState.of(request)
        if state.attempts >= self.retry_times or request.meta.get("dont_retry"):
            return None
        started = A.utc_iso(state.started) if state.started else None
        meta = {**request.meta, STATE_META: state.retried(note, started)}
        return request.replace(meta=meta, dont_filter=True)

    @staticmethod
    def _host(request: Request) -> str:
        try:
            return split_origin(request.url)[1]
        except BadURL:
            return ""

    def _on_closed(self, spider: Any, reason: str) -> None:
        self.politeness.close()
        self.images.close()
        self.crawler.stats.set_value("civil/pages", self.budget.used)
        self.crawler.signals.send_catch_log(signal=A.audit_closing)  # last records (crawler.gate.pagerules)
        self.audit.close()
