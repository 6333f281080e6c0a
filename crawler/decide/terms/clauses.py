"""Read terms-of-service text for clauses about automated access, and give a structured verdict.

Languages: English, French, German, Spanish, Italian, Portuguese (``lang`` tries that one plus English
first, then all six if nothing is found). The text is cut into sentences; a list item inherits its lead-in
("You agree not to:") and every sentence remembers the heading it sits under (where it was found).

A sentence is about automated access when it names it: a *strong* word alone (scrape, crawl, aspirer,
raspagem, ...), a *weak* word (robot, bot, automated, script) or a *program* word (software, programmatic,
systematic, in bulk) with a verb of access or copying, or access reserved to people with a browser. Bot
words inside a game, a chat assistant, the site's own systems, bots the user builds on the site's API or a
security notice are not about crawlers (unless a strong word is there too). The site describing itself
("we use robots to ...", "we do not crawl"), "if you do not ..." and negations ("is not prohibited",
"nothing in these terms prohibits") are removed before looking for a prohibition.

Each such sentence may be:
- a **ban** (a prohibition, a licence that "does not include" it, an exclusion) with no way out;
- a ban or a permission with **conditions** (its ways out): prior permission or a licence, search engines
  only, an API/OAI-PMH/dump route (and where), a rate (and the gap it implies), robots.txt compliance,
  non-commercial or research use only. An exception that is taken back ("even if robots.txt is obeyed")
  is no way out; search-engine and API exceptions are also read in the next (or previous) sentence;
- an **AI-training** clause: the banned or reserved use is training AI/ML or text-and-data mining
  ("scrape ... to train AI"; "§ 44b UrhG"), which is the condition ``ai-train``.

Verdict: **forbidden** if any ban has no way out; else **conditional** (with every condition found) if any
clause was found; else **none**. ``unknown`` is for when no terms text was read at all (crawler.decide.terms.finder).
Why rules and not a trained classifier: the verdict must quote the clause and name its conditions and their
parameters (the rate, the API's address), which a sentence classifier would not give; and the labelled texts
we can write ourselves are too few to learn six languages' phrasing without learning our own style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.decide.terms.conditions import KINDS, Condition, api_where, names_rate, rate_of
from crawler.decide.terms.vocab import (
    ABBR,
    API_ROUTE,
    COMMERCIAL,
    COMPLY,
    DENIED,
    EXCEPT,
    GRANT,
    LANGS,
    LICENCE,
    LIST_ITEM,
    OR,
    OWN_BOTS,
    PERMISSION,
    RATE,
    RESEARCH,
    ROBOTS_TXT,
    SEARCH,
    TDM,
    VOCAB,
)

VERDICTS = ("forbidden", "conditional", "none", "unknown")


@dataclass(frozen=True)
class Clause:
    """One matched sentence (quoted, with its list lead-in), its kind (ban | ai-train) and its conditions."""

    text: str
    kind: str
    conditions: tuple[Condition, ...] = ()
    where: str = ""  # the heading it sits under, or its paragraph number

    @property
    def unconditional(self) -> bool:
        return self.kind == "ban" and not self.conditions


@dataclass(frozen=True)
class TermsVerdict:
    """forbidden | conditional | none | unknown, with the clauses that decided it and their conditions."""

    verdict: str
    clauses: tuple[Clause, ...] = ()

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """Every condition of the verdict, one per kind (the first clause's detail), in KINDS order."""
        if self.verdict != "conditional":
            return ()
        first: dict[str, Condition] = {}
        for clause in self.clauses:
            for c in clause.conditions:
                first.setdefault(c.kind, c)
        return tuple(first[k] for k in KINDS if k in first)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.conditions)

    @property
    def quotes(self) -> list[str]:
        """The deciding clauses' text: the unconditional bans when forbidden, else every clause."""
        chosen = [c for c in self.clauses if c.unconditional] if self.verdict == "forbidden" else list(self.clauses)
        return [c.text for c in chosen]

    def decisive(self) -> Clause | None:
        """The clause to quote first."""
        chosen = [c for c in self.clauses if c.unconditional] if self.verdict == "forbidden" else list(self.clauses)
        return chosen[0] if chosen else None


NONE = TermsVerdict("none")
UNKNOWN = TermsVerdict("unknown")


def analyse(text: str, lang: str | None = None) -> TermsVerdict:
    """Analyse terms text (use ``text.html_to_text`` for HTML); ``lang`` tries that language (+ English) first."""
    if lang in LANGS and lang != "en":
        narrow = _analyse(text, tuple(sorted({lang, "en"})))
        return narrow if narrow.verdict != "none" else _analyse(text, LANGS)  # a wrong lang attribute
    return _analyse(text, LANGS)


def _analyse(text: str, langs: tuple[str, ...]) -> TermsVerdict:
    rx = _compiled(langs)
    sentences = segments(text)
    found: list[Clause] = []
    for i, (sentence, lead, where) in enumerate(sentences):
        before = sentences[i - 1][0] if i else ""
        after = sentences[i + 1][0] if i + 1 < len(sentences) else ""
        clause = _classify(sentence, lead, before, after, rx)
        if clause and clause.text not in {c.text for c in found}:
            found.append(Clause(clause.text, clause.kind, clause.conditions, where))
    if any(c.unconditional for c in found):
        return TermsVerdict("forbidden", tuple(found))
    return TermsVerdict("conditional", tuple(found)) if found else NONE


def segments(text: str) -> list[tuple[str, str | None, str]]:
    """Sentences, each with the lead-in a list item continues and where it is (heading or paragraph)."""
    out: list[tuple[str, str | None, str]] = []
    lead: str | None = None
    heading, paragraph = "", 0
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        is_item = bool(LIST_ITEM.match(line))
        if not is_item:
            lead = None
            paragraph += 1
            if len(line) <= 70 and not re.search(r"[.:;!?]$", line) and not re.search(r"[.;!?]\s", line):
                heading = lead = line  # a short line without a sentence's punctuation: a heading (a list's lead-in too)
                continue
        where = f'under "{heading}"' if heading else f"paragraph {paragraph}"
        parts = _sentences(LIST_ITEM.sub("", line) if is_item else line)
        out += [(s, lead, where) for s in parts]
        if line.endswith(":"):
            lead = parts[-1] if parts else line
    return out


def _sentences(line: str) -> list[str]:
    chunks = re.split(r"(?<=[.!?])\s+(?=[\"“«(¿¡]?[A-ZÀ-ÖØ-Þ0-9])", line)
    out: list[str] = []
    for chunk in chunks:
        if out and ABBR.search(out[-1]):
            out[-1] += " " + chunk
        else:
            out.append(chunk)
    return [s.strip() for s in out if s.strip()]


@lru_cache(maxsize=16)
def _compiled(langs: tuple[str, ...]) -> dict[str, re.Pattern[str]]:
    keys = VOCAB["en"].keys()
    rx = {k: re.compile("|".join(f"(?:{VOCAB[lang][k]})" for lang in langs), re.I) for k in keys}
    rx["negation"] = re.compile(f"{rx['we_neg'].pattern}|{rx['neg_more'].pattern}", re.I)
    rx["ban"] = re.compile(f"{rx['prohibit'].pattern}|{rx['prohibit_more'].pattern}", re.I)
    for name, pattern in (("search", SEARCH), ("except", EXCEPT), ("grant", GRANT), ("robots_txt", ROBOTS_TXT),
                          ("comply", COMPLY), ("rate", RATE), ("permission", PERMISSION), ("licence", LICENCE),
                          ("api", API_ROUTE), ("commercial", COMMERCIAL), ("research", RESEARCH), ("denied", DENIED),
                          ("own_bots", OWN_BOTS), ("or", OR)):
        rx[name] = re.compile(pattern, re.I)
    rx["other"] = re.compile(r"\b(?:all\s+)?other\b|\bautres\b|\bandere\w*|\botros\b|\baltri\b|\boutros\b", re.I)
    rx["per"] = re.compile(r"\d+\s+\w+\s+(?:per|par|pro|por|al|a)\s+\w+|\bevery\s+\w+\s+seconds?\b|\balle\s+\w+\s+sekunden\b"
                           r"|\bper\s+(?:second|minute)\b|\bpar\s+(?:seconde|minute)\b|\bpro\s+(?:sekunde|minute)\b"
                           r"|\bpor\s+(?:segundo|minuto)\b|\bal\s+(?:secondo|minuto)\b", re.I)
    return rx


def _classify(sentence: str, lead: str | None, before: str, after: str, rx: dict[str, re.Pattern[str]]) -> Clause | None:
    full = f"{lead} … {sentence}" if lead else sentence
    cleaned = rx["negation"].sub(" ~ ", full)
    strong = rx["strong"].search(sentence)
    weak = rx["weak"].search(sentence) or _program_as_means(sentence, rx)
    verb = rx["verb"].search(full)
    ai = rx["ai"].search(sentence)
    human = rx["human"].search(sentence)
    automated = strong or (weak and verb) or human
    if not (automated or ai):
        return None
    plain = full.replace("robots.txt", "")  # "our robots.txt" is no robot of ours
    if not strong and (rx["context"].search(plain) or rx["own_bots"].search(plain)):
        return None
    banned = rx["ban"].search(cleaned)
    limited = rx["restrict"].search(cleaned) or rx["oblige"].search(cleaned) or rx["except"].search(cleaned)
    if ai and (banned or rx["reserve"].search(cleaned)) and (not automated or _purpose_limited(sentence, ai, strong or weak, rx)):
        if TDM.search(sentence) or rx["train"].search(sentence) or banned:
            return Clause(_quote(full), "ai-train", (Condition("ai-train", "AI training or text-and-data mining"),))
    if not automated:
        return None
    conditions = _conditions(full, cleaned, before, after, rx)
    if conditions and (banned or limited or rx["grant"].search(cleaned)):
        return Clause(_quote(full), "ban", conditions)
    if banned or (human and limited):
        return Clause(_quote(full), "ban")
    return None


#: "programmatic access", "maschinelle Zugriffe": the program word qualifies the access itself.
_ACCESS_NOUN = re.compile(r"\s+(?:access|retrieval|collection|extraction|harvesting|querying|accès|collecte|extraction"
                          r"|zugriff\w*|abruf\w*|nutzung|erfassung|acceso|recopilaci[óo]n|extracci[óo]n|accesso|raccolta"
                          r"|estrazione|acesso|coleta|extra[çc][ãa]o)\b", re.I)


def _program_as_means(sentence: str, rx: dict[str, re.Pattern[str]]) -> re.Match[str] | None:
    """A program word ("software", "systematically") used as the means of access, not as the thing copied."""
    for m in rx["program"].finditer(sentence):
        after = sentence[m.end():m.end() + 30]
        if rx["means"].search(sentence[max(0, m.start() - 40):m.start()]) or rx["means"].search(after) or _ACCESS_NOUN.match(after):
            return m
    return None


def _conditions(full: str, cleaned: str, before: str, after: str, rx: dict[str, re.Pattern[str]]) -> tuple[Condition, ...]:
    found: list[Condition] = []
    denied = rx["denied"].search(full)
    if rx["permission"].search(full) or rx["licence"].search(full):
        found.append(Condition("permission", "prior permission or a licence from the site"))
    if rx["search"].search(full) and (rx["except"].search(full) or rx["restrict"].search(full) or rx["grant"].search(full)):
        found.append(Condition("search-engines", "public search engines only"))
    elif rx["search"].search(before) and rx["other"].search(full) and not rx["ban"].search(rx["negation"].sub(" ", before)):
        found.append(Condition("search-engines", "public search engines only"))
    elif rx["search"].search(after) and (rx["except"].search(after) or rx["grant"].search(after)) \
            and not rx["ban"].search(rx["negation"].sub(" ", after)):
        found.append(Condition("search-engines", "public search engines only"))
    api_near = [t for t in (full, before, after) if rx["api"].search(t)]
    if api_near and (api_near[0] is full or rx["ban"].search(cleaned)):
        where = api_where(*api_near)
        found.append(Condition("api", f"use {where}" if where else "use the site's API or data route"))
    if rx["rate"].search(full) or rx["per"].search(full) or names_rate(full):
        found.append(rate_of(full))
    if rx["robots_txt"].search(full) and rx["comply"].search(full) and not denied:
        found.append(Condition("robots", "obey robots.txt"))
    if rx["research"].search(full) or rx["commercial"].search(full):
        found.append(Condition("research", "non-commercial research only"))
    return tuple(found)


def _purpose_limited(sentence: str, ai: re.Match[str], general: re.Match[str] | None, rx: dict[str, re.Pattern[str]]) -> bool:
    """"Scrape ... to train AI" (purpose-limited) versus "scrape ..., and use it to train AI" (two bans)."""
    if general is None or ai.start() < general.start():
        return True
    last = max((m for m in (*rx["strong"].finditer(sentence), *rx["weak"].finditer(sentence), *rx["program"].finditer(sentence))
                if m.start() < ai.start()), key=lambda m: m.start(), default=None)
    if last is None:
        return True
    between = sentence[last.end():ai.start()]
    return not rx["or"].search(between) and bool(rx["purpose"].search(between) or rx["train"].search(between))


def _quote(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"
