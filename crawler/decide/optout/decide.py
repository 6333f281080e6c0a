"""The purpose decision: which opt-out signals refuse the declared purpose.

Purposes are those of crawler.decide.purposes (default research).
Each parser turns what it read into `Signal`s that name the purposes they
refuse and grant. `decide` applies signals.md section 6 precedence: any refusal
wins; a "yes" only settles what no signal spoke about and never cancels a "no".

Mapping (R = refuses; img = images only; "yes" grants the same purposes):

| signal                               | search | archive | research | ai-train |
|--------------------------------------|--------|---------|----------|----------|
| noarchive / nocache                  |   -    |    R    |    -     |    R     |
| nosnippet, max-snippet:0             |   -    |    -    |    -     |    R     |
| noimageindex, max-image-preview:none |  R img |  R img  |  R img   |  R img   |
| unavailable_after (date passed)      |   R    |    R    |    -     |    -     |
| noai                                 |   -    |    -    |    R     |    R     |
| noimageai                            |   -    |    -    |  R img   |  R img   |
| tdm-reservation: 1                   |   -    |    -    |  R (*)   |    R     |
| Content-Usage search=n / train-ai=n  | search |    -    |    -     | train-ai |
| Content-Usage legacy tdm=n           |   -    |    -    |    R     |    R     |
| Content-Usage legacy bots=n          |   R    |    R    |    R     |    R     |
| Content-Signal search=no/ai-train=no | search |    -    |    -     | ai-train |
| Content-Signal use=immediate         |   -    |    R    |    R     |    R     |
| Content-Signal use=reference         |   -    |    R    |    -     |    -     |
| ai.txt Disallow                      |   -    |    -    |    -     |    R     |

Decisions on the notes' guesses:
- noai/noimageai refuse research: research mines text and data, and these are
  the author's express "not for AI/data sets"; an ethical crawler reads the
  wider meaning. No Art. 3 waiver, since noai is not a TDM reservation.
- tdm-reservation refuses research (*) unless `decide(..., art3=True)`: the
  operator declares itself a research organisation or cultural-heritage
  institution under EU DSM Art. 3, which a reservation cannot bind (TDMRep says
  such actors "do not have to comply"). The tdm-policy is recorded, not fetched.
- Legacy AIPREF keys (drafts -01/-03): train-genai, genai, ai count as
  train-ai; tdm covers research and ai-train; bots (all automated processing)
  covers every purpose. In one expression the most specific key present
  decides a purpose (vocab -03 hierarchy), so `bots=n, search=y` allows search.
- noarchive refuses ai-train: training keeps a copy. nosnippet refuses ai-train
  (Google reads it as an AI-input opt-out); a positive max-snippet only caps
  stored text for search. ai-input=n / ai-use=n concern none of our purposes.
- Reason: "ai-optout" when an AI/TDM mechanism refuses research or ai-train;
  "purpose" otherwise (e.g. Content-Signal search=no for search, noarchive).
  noindex/nofollow are not signals here: the crawler audits them as such.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from crawler.decide.optout.directives import Directives
from crawler.decide.purposes import DEFAULT_PURPOSE, PURPOSES

AI_SIGNALS = frozenset({"content-usage", "content-signal", "tdm-reservation", "noai", "noimageai", "ai.txt"})


@dataclass(frozen=True)
class Signal:
    """One opt-out statement: what it says, where it was read, the purposes it refuses or grants."""

    name: str
    value: str
    source: str
    refuses: frozenset[str] = frozenset()
    grants: frozenset[str] = frozenset()
    images_only: bool = False

    def __str__(self) -> str:
        return f"{self.name} {self.value} ({self.source})"


def combine(name: str, signals: list[Signal], source: str) -> Signal:
    """Several expressions of one mechanism as one signal: any refusal wins (AIPREF vocab 7.1)."""
    refuses = frozenset().union(*(s.refuses for s in signals))
    grants = frozenset().union(*(s.grants for s in signals)) - refuses
    return Signal(name, " | ".join(s.value for s in signals), source, refuses, grants)


@dataclass(frozen=True)
class Decision:
    """Whether the page may be used for the purpose, why not, and every signal's effect."""

    allowed: bool
    reason: str | None  # "ai-optout" | "purpose" | None
    detail: str
    seen: list[tuple[Signal, str]] = field(default_factory=list)
    images_allowed: bool = True


def _effect(sig: Signal, purpose: str, art3: bool) -> str:
    if purpose in sig.refuses:
        if art3 and purpose == "research" and sig.name == "tdm-reservation":
            return "waived (EU DSM Art. 3)"
        return "refuses images" if sig.images_only else "refuses"
    return "grants" if purpose in sig.grants else "no effect"


def decide(signals: list[Signal], purpose: str = DEFAULT_PURPOSE, *, art3: bool = False) -> Decision:
    """Decide `purpose` from all signals: any refusal wins, a grant only settles the unknown."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
    seen = [(s, _effect(s, purpose, art3)) for s in signals]
    refusing = [s for s, e in seen if e == "refuses"]
    images = all(e != "refuses images" for _, e in seen)
    if refusing:
        ai = any(s.name in AI_SIGNALS for s in refusing) and purpose in ("research", "ai-train")
        return Decision(False, "ai-optout" if ai else "purpose",
                        f"{purpose} refused by " + "; ".join(map(str, refusing)), seen, images)
    granting = [str(s) for s, e in seen if e == "grants"]
    detail = f"{purpose} granted by " + "; ".join(granting) if granting else f"no signal refuses {purpose}"
    return Decision(True, None, detail, seen, images)


# field -> (rules that set it, purposes refused, images only)
_DIRECTIVES = {
    "noarchive": ({"noarchive", "nocache"}, {"archive", "ai-train"}, False),
    "nosnippet": ({"nosnippet", "max-snippet:0"}, {"ai-train"}, False),
    "noimageindex": ({"noimageindex", "max-image-preview:none"}, set(PURPOSES), True),
    "noai": ({"noai"}, {"research", "ai-train"}, False),
    "noimageai": ({"noimageai"}, {"research", "ai-train"}, True),
}


def directive_signals(d: Directives, now: datetime | None = None) -> list[Signal]:
    """The purpose-relevant page directives as signals (noindex/nofollow stay with the crawler)."""
    out = []
    for name, (rules, refuses, images_only) in _DIRECTIVES.items():
        if getattr(d, name):
            hits = [(r, w) for r, w in d.sources if r in rules]
            out.append(Signal(name, ", ".join(sorted({r for r, _ in hits})), ", ".join(sorted({w for _, w in hits})),
                              frozenset(refuses), images_only=images_only))
    if d.unavailable_after and d.unavailable_after <= (now or datetime.now(UTC)):
        out.append(Signal("unavailable_after", d.unavailable_after.isoformat(),
                          ", ".join(w for r, w in d.sources if r.startswith("unavailable_after")),
                          frozenset({"search", "archive"})))
    return out
