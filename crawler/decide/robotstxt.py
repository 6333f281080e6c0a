"""A robots.txt body read one way, as Google's reference parser reads it (google/robotstxt robots.cc); Protego matches.

Every reader uses this: the gate's allow/deny, Crawl-delay and Request-rate, the Content-Usage and
Content-Signal lines (crawler/decide/optout), `civilcrawl check` explanations, logcheck and the sitemap list.

- Lines end at CR, LF or CRLF only (not at the other characters ``str.splitlines`` splits on); a NUL ends
  a line, ``#`` starts a comment, a line is cut at 16,663 bytes, a leading BOM is skipped.
- ``key: value``; the colon may be a run of blanks when the line has exactly two words. Keys are read
  by prefix, typos included: ``user-agent``/``useragent``/``user agent``, ``allow``, ``disallow`` (and
  ``dissallow``, ``dissalow``, ``disalow``, ``diasllow``, ``disallaw``), ``sitemap``/``site-map``
  (``Sitemaps:`` too, which Protego also reads as a sitemap).
- A group is a run of user-agent lines and the lines after it. Only Allow/Disallow end the run: a
  Crawl-delay, Sitemap, Content-Usage or unknown line between two user-agent lines does not split them.
- A user-agent value names the run of ``[A-Za-z_-]`` at its start (``civilcrawl/1.0`` is ``civilcrawl``),
  compared with our whole token, case-insensitively (``civil`` is not us). ``*`` (alone or before a
  blank) is the global group. All groups naming us are merged; else all ``*`` groups; else none.
- Allow/Disallow: the group's rules, normalised (crawler/decide/pathpattern.py), are ranked and matched by
  Protego (crawler/decide/robotsmatch.py): the longest matching pattern wins, a tie goes to Allow; an Allow
  of ``/dir/index.htm*`` also allows ``/dir/`` exactly (Google). Empty values are no rule.

Deliberate differences from Google's matcher (tests/test_robots_differential.py pins them):
- Paths and patterns are normalised alike (RFC 9309 §2.2.2): escapes of unreserved characters equal the
  characters, escapes compare case-insensitively, a literal ``*``/``$`` in a URL is ``%2A``/``%24``.
  Google compares the URL as given and only escapes the pattern.
- ``/robots.txt`` is always allowed (RFC 9309 §2.2.2).
- Crawl-delay and Request-rate (Google ignores them) are read from our group, each value by Protego; when
  several are given the slowest applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from crawler.decide.pathpattern import compile_pattern, normalize_path, path_of
from crawler.decide.robotsmatch import RequestRate, RuleMatcher, crawl_delay, request_rate

USER_AGENT, ALLOW, DISALLOW, SITEMAP = "user-agent", "allow", "disallow", "sitemap"
MAX_LINE_BYTES = 2083 * 8 - 1
_BLANKS = " \t\n\v\f\r"
_NEWLINE = re.compile(r"\r\n|\r|\n")
_TOKEN = re.compile(r"[A-Za-z_-]*")
_DISALLOW_TYPOS = ("dissallow", "dissalow", "disalow", "diasllow", "disallaw")


class Line(NamedTuple):
    """One directive: its 1-based line number, its key (canonical for the four standard keys, else
    lower-cased as written) and its value."""

    number: int
    key: str
    value: str


def _key(raw: str) -> str:
    low = raw.lower()
    if low.startswith(("user-agent", "useragent", "user agent")):
        return USER_AGENT
    if low.startswith("allow"):
        return ALLOW
    if low.startswith(("disallow", *_DISALLOW_TYPOS)):
        return DISALLOW
    if low.startswith(("sitemap", "site-map")):
        return SITEMAP
    return low


def read_lines(text: str) -> list[Line]:
    """The directive lines of a robots.txt body, with their numbers."""
    if text.startswith("\ufeff"):
        text = text[1:]
    out = []
    for number, line in enumerate(_NEWLINE.split(text), 1):
        line = line.partition("\0")[0]
        if len(line) > MAX_LINE_BYTES // 4 and len(line.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
            line = line.encode("utf-8", "surrogatepass")[:MAX_LINE_BYTES].decode("utf-8", "ignore")
        line = line.partition("#")[0].strip(_BLANKS)
        key, sep, value = line.partition(":")
        if not sep:  # "Disallow /x": a blank for the colon, if exactly two words
            blanks = [i for i in (line.find(" "), line.find("\t")) if i >= 0]
            if not blanks:
                continue
            key, value = line[:min(blanks)], line[min(blanks):].lstrip(" \t")
            if " " in value or "\t" in value:
                continue
        key, value = key.strip(_BLANKS), value.strip(_BLANKS)
        if key:
            out.append(Line(number, _key(key), value))
    return out


def is_global(agent: str) -> bool:
    """``*``, alone or followed by a blank (``* # all``, ``* bots``)."""
    return agent[:1] == "*" and (len(agent) == 1 or agent[1] in _BLANKS)


def product_token(agent: str) -> str:
    """The product token a user-agent value names: its leading run of ``[A-Za-z_-]``."""
    m = _TOKEN.match(agent)  # always matches (the run may be empty)
    return m.group() if m else ""


@dataclass(frozen=True)
class Group:
    """The merged lines (other than user-agent lines) that apply to one token, and whose they are."""

    whose: str | None  # "ours", "*" or None (no group applies: everything is allowed)
    lines: tuple[Line, ...] = ()

    def values(self, key: str) -> list[tuple[int, str]]:
        """(line number, value) of this group's lines with ``key`` (lower-case), in file order."""
        return [(ln.number, ln.value) for ln in self.lines if ln.key == key and ln.value]

    @cached_property
    def _rules(self) -> tuple[list[Line], RuleMatcher]:
        """The Allow/Disallow lines, one per rule (an Allow of ``index.htm*`` is two), and their matcher."""
        lines, rules = [], []
        for ln in self.lines:
            if ln.key in (ALLOW, DISALLOW) and ln.value:
                lines.append(ln)
                rules.append((compile_pattern(ln.value).text, ln.key == ALLOW))
                slash = ln.value.rfind("/")
                if ln.key == ALLOW and ln.value[slash:].startswith("/index.htm"):  # Google: index.html is its folder
                    lines.append(ln)
                    rules.append((compile_pattern(ln.value[:slash + 1] + "$").text, True))
        return lines, RuleMatcher(rules)

    def allows(self, url: str) -> bool:
        """Whether a URL or path may be fetched."""
        if path_of(url).partition("?")[0] == "/robots.txt":
            return True
        return self._rules[1].allows(normalize_path(url))

    def decide(self, url: str) -> tuple[bool, Line | None]:
        """(allowed, the Allow/Disallow line that decided or None) for a URL or path."""
        if path_of(url).partition("?")[0] == "/robots.txt":
            return True, None
        lines, matcher = self._rules
        path = normalize_path(url)
        which = matcher.deciding(path)
        return matcher.allows(path), None if which is None else lines[which]

    def crawl_delay(self) -> float | None:
        """The longest valid Crawl-delay in seconds, or None."""
        delays = [crawl_delay(v) for _, v in self.values("crawl-delay") + self.values("crawl delay")]
        return max((d for d in delays if d is not None), default=None)

    def request_rate(self) -> RequestRate | None:
        """The slowest valid Request-rate (``n/T`` with T in s, m, h or d), or None."""
        rates = [request_rate(v) for _, v in self.values("request-rate") + self.values("request rate")]
        return max((r for r in rates if r is not None), key=lambda r: r.seconds / r.requests, default=None)


class RobotsTxt:
    """A robots.txt body read once: its lines, groups and sitemaps."""

    def __init__(self, text: str):
        self.lines = read_lines(text)
        self._groups: list[tuple[list[str], list[Line]]] = []
        in_agents = False
        for line in self.lines:
            if line.key == USER_AGENT:
                if not in_agents or not self._groups:
                    self._groups.append(([], []))
                self._groups[-1][0].append(line.value)
                in_agents = True
            elif self._groups:
                self._groups[-1][1].append(line)
                in_agents = in_agents and line.key not in (ALLOW, DISALLOW)
        self._for: dict[str, Group] = {}

    @property
    def sitemaps(self) -> list[str]:
        """Every Sitemap URL in the file (they belong to no group), first mention first."""
        return list(dict.fromkeys(ln.value.split()[0] for ln in self.lines if ln.key == SITEMAP and ln.value))

    def group(self, token: str) -> Group:
        """The lines that apply to ``token`` (our product token): its groups merged, else the ``*`` groups."""
        if token not in self._for:
            ours = [lines for agents, lines in self._groups
                    if any(not is_global(a) and product_token(a).lower() == token.lower() for a in agents)]
            whose = "ours" if ours else None
            if not ours:
                ours = [lines for agents, lines in self._groups if any(is_global(a) for a in agents)]
                whose = "*" if ours else None
            self._for[token] = Group(whose, tuple(sorted(ln for lines in ours for ln in lines)))
        return self._for[token]


@lru_cache(maxsize=64)
def parse(text: str) -> RobotsTxt:
    """The :class:`RobotsTxt` of a body, cached (a host's body is read for every page)."""
    return RobotsTxt(text)
