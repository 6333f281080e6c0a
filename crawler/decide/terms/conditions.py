"""The ways out of a terms clause: which condition kinds it names, the rate it allows, where its API is."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Condition kinds, in the order they are reported.
KINDS = ("permission", "search-engines", "api", "rate", "robots", "research", "ai-train")

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "cinq": 5, "dix": 10, "vingt": 20, "trente": 30, "soixante": 60,
    "ein": 1, "eine": 1, "einer": 1, "einen": 1, "zwei": 2, "drei": 3, "fünf": 5, "zehn": 10, "zwanzig": 20, "dreißig": 30,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cinco": 5, "diez": 10, "veinte": 20, "treinta": 30,
    "due": 2, "cinque": 5, "dieci": 10, "venti": 20, "trenta": 30,
    "um": 1, "uma": 1, "duas": 2, "três": 3, "dez": 10,
}
_NUM = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True)) + r")"
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0}
_UNITS = (r"(sec\w*|sek\w*|seg\w*|s\b|min\w*|hour\w*|heure\w*|stunde\w*|hora\w*|or[ae]\b|h\b)")
_THINGS = (r"(?:requests?|requ[êe]tes?|anfragen|abrufe?|solicitudes|peticiones|petici[óo]n|richiest[ae]|requisi[çc][õo]es|requisi[çc][ãa]o"
           r"|pages?|seiten?|p[áa]ginas?|pagin[ae]|hits?|calls?|appels?|zugriffe?)")
_PER = r"(?:per|a|an|each|every|par|pro|je|por|al|alla|cada|ogni|toutes?\s+les|alle|all[ae]|a\s+cada)"
# "30 requests per minute", "one request every five seconds", "eine Seite alle zwei Sekunden"
_RATE_RX = re.compile(rf"\b{_NUM}\s+(?:[\w'’-]+\s+){{0,1}}?{_THINGS}\s+(?:[\w'’-]+\s+){{0,1}}?{_PER}\s+{_NUM}?\s*{_UNITS}", re.I)
# "at intervals of at least 5 seconds", "Abstand von mindestens 5 Sekunden", "intervalle d'au moins 5 secondes"
_INTERVAL_RX = re.compile(rf"\b(?:intervals?|abstand|intervalle|intervalo|intervallo|between\s+(?:two\s+)?requests)\b"
                          rf"(?:\s+[\w'’-]+){{0,4}}?\s+{_NUM}\s*(?:sec\w*|sek\w*|seg\w*|s\b)", re.I)
_HUMAN_RX = re.compile(r"\bhuman\b|\bhumain\b|\bmensch\w*|\bhumano\b|\bessere\s+umano\b|\bpersonne\b", re.I)
#: The pace taken for "no faster than a human" when no number is given.
HUMAN_GAP = 5.0
_WHERE_RX = re.compile(r"https?://[^\s()<>\"']+|(?<![\w.])/[\w./-]*\w")


@dataclass(frozen=True)
class Condition:
    """One way out of a clause: its kind, a readable detail (the rate, the API's address) and, for rates, the gap."""

    kind: str
    detail: str = ""
    gap: float | None = None  # seconds between requests, for kind == "rate"

    def describe(self) -> str:
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


def names_rate(text: str) -> bool:
    """Does the text state a request rate or an interval between requests?"""
    return bool(_RATE_RX.search(text) or _INTERVAL_RX.search(text))


def rate_of(text: str) -> Condition:
    """The request rate a clause allows, as the gap between two requests (a human's pace when unstated)."""
    m = _RATE_RX.search(text)
    if m:
        count = _number(m.group(1)) or 1.0
        every = _number(m.group(2)) if m.group(2) else 1.0
        unit = m.group(3).lower()
        seconds = _UNIT["h" if unit.startswith(("hour", "heure", "stunde", "hora", "ora", "h")) else
                       "m" if unit.startswith("min") else "s"]
        gap = (every or 1.0) * seconds / count
        return Condition("rate", f"{m.group(0).strip()}: one request every {gap:g} s", gap)
    if m := _INTERVAL_RX.search(text):
        gap = _number(m.group(1)) or HUMAN_GAP
        return Condition("rate", f"{m.group(0).strip()}: one request every {gap:g} s", gap)
    if _HUMAN_RX.search(text):
        return Condition("rate", f"no faster than a person: taken as one request every {HUMAN_GAP:g} s", HUMAN_GAP)
    return Condition("rate", f"unstated: taken as one request every {HUMAN_GAP:g} s", HUMAN_GAP)


def api_where(*texts: str) -> str:
    """The address the clause sends automated clients to (a URL or a path), or ""."""
    for text in texts:
        if m := _WHERE_RX.search(text.replace("robots.txt", "")):
            return m.group(0).rstrip(".,;:)")
    return ""


def _number(word: str | None) -> float | None:
    if not word:
        return None
    word = word.lower()
    if word in _NUMBERS:
        return float(_NUMBERS[word])
    try:
        return float(word.replace(",", "."))
    except ValueError:
        return None
