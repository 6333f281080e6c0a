"""Check an audit log's hash chains and signatures (``civilcrawl audit verify``).

A file may hold several chains (a merged cluster log interleaves one per worker): each line must follow
the end of exactly one open chain (its ``prev`` is the hash of that chain's last line) or start a new one
(``prev`` null, with a ``run`` name). So a removed, edited, duplicated or moved line breaks the line after
it, or itself. Signatures (``AUDIT.sig``) pin a chain's last hash, so lines removed from the end of a
signed chain show too; lines after the last signature (a killed process) are reported as not signed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.audit import read
from crawler.audit.chain import SIG_SUFFIX, line_hash, prev_of_cut_line, signed_message


@dataclass
class Chain:
    """One run's chain in a file."""

    run: str
    first_line: int
    lines: int = 0
    last_line: int = 0
    tip: str = ""
    signed_at: int = 0  # the last line covered by a valid signature
    cut: int = 0  # the line just placed was cut short by a kill
    keyids: set[str] = field(default_factory=set)


@dataclass
class Verdict:
    """What ``verify`` found in one file."""

    path: str
    lines: int = 0
    chains: list[Chain] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each starts with "line N:" when it is about a line
    notes: list[str] = field(default_factory=list)
    signatures: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"file": self.path, "intact": self.intact, "lines": self.lines, "signatures": self.signatures,
                "chains": [{"run": c.run, "first_line": c.first_line, "lines": c.lines, "last_line": c.last_line,
                            "signed_through_line": c.signed_at or None, "keyids": sorted(c.keyids)}
                           for c in self.chains],
                "problems": self.problems, "notes": self.notes}


def verify_file(path: str | os.PathLike[str], trusted: set[str] | None = None) -> Verdict:
    """Verify one audit log and its signatures; ``trusted`` keyids (from a published JWKS) are required if given."""
    v = Verdict(str(path))
    tips: dict[str, Chain] = {}  # hash of a chain's last line -> chain
    where: dict[str, tuple[int, Chain]] = {}  # hash of every line -> (line number, chain)
    with open(path, "rb") as f:  # every line's hash first, to tell a moved line from an edited one
        later = {line_hash(raw): n for n, raw in enumerate(f, 1)}
    for line in read.lines(path):
        n = v.lines = line.number
        digest = line_hash(line.raw)
        problem = _follow(line, digest, tips, where, v)
        if problem and problem.startswith("its 'prev'") and later.get(_prev(line.raw), 0) > n:
            problem = (f"its 'prev' is the hash of line {later[_prev(line.raw)]}, which comes after it: "
                       "lines were reordered")
        if problem:
            v.problems.append(f"line {n}: {problem}")
            break  # what follows a break cannot be placed in a chain
        if not line.blank and not line.ended:
            v.notes.append(f"line {n}: the last line has no newline (the writer was stopped mid-line)")
    if not v.lines:
        v.problems.append("the file is empty: an audit log has at least one line")
    if not v.problems:  # signatures are checked against an intact chain only
        _check_signatures(Path(path), v, where, trusted)
    return v


def _follow(line: read.Line, digest: str, tips: dict[str, Chain], where: dict[str, tuple[int, Chain]],
            v: Verdict) -> str:
    """Place ``line`` in a chain; return what is wrong with it, or ''."""
    n = line.number
    if line.blank:
        return "an empty line: civilcrawl never writes one (a line was blanked or an edit added it)"
    if not line.is_json:
        chain = _cut_follows(line.raw, tips)
        if chain is not None:
            tips.pop(chain.tip)
            _extend(chain, n, digest, tips, where)
            chain.cut = n
            v.notes.append(f"line {n}: cut short (a process killed mid-write); the chain goes on through it")
            return ""
        return "not a JSON object, and not the start of a cut chained line: it was edited or added"
    rec = line.record
    if rec is None or "prev" not in rec:
        return "no 'prev' field: not a chained audit record (written before civilcrawl chained its logs, or added)"
    prev = rec["prev"]
    if prev is None:
        run = rec.get("run")
        if not isinstance(run, str) or not run:
            return "starts a chain ('prev' is null) but names no run: the first line of a chain was edited"
        chain = Chain(run, n)
        v.chains.append(chain)
        _extend(chain, n, digest, tips, where)
        return ""
    if not isinstance(prev, str):
        return f"'prev' is {prev!r}, not a SHA-256 hex string"
    if prev in tips:
        chain = tips.pop(prev)
        if rec.get("run") not in (None, chain.run):
            return f"continues run {chain.run!r} but names run {rec.get('run')!r}"
        if chain.cut and not rec.get("resumed"):
            return (f"follows the cut line {chain.cut}, but is not the first line of a resumed process: "
                    "only a kill cuts a line, and the next process marks its first line 'resumed'")
        chain.cut = 0
        _extend(chain, n, digest, tips, where)
        return ""
    if prev in where:
        m, chain = where[prev]
        return (f"its 'prev' is the hash of line {m}, which already has a successor in run {chain.run!r}: "
                "lines were reordered or duplicated")
    before = f"line {n - 1}" if len(v.chains) == 1 else "the line before it in its chain"
    return (f"its 'prev' ({prev[:12]}…) is not the hash of {before} nor of any line still ending a chain: "
            f"{before} was edited, or lines before this one were removed")


def _cut_follows(line: bytes, tips: dict[str, Chain]) -> Chain | None:
    """The chain a cut line belongs to: the line is a prefix of, or starts with, ``{"prev":"TIP"``."""
    for tip, chain in tips.items():
        head = b'{"prev":"' + tip.encode("ascii") + b'"'
        if line.startswith(head) or (len(line) >= 9 and head.startswith(line)):
            return chain
    return None


def _prev(line: bytes) -> str:
    return (prev_of_cut_line(line)[1] or "") if line.startswith(b'{"prev":') else ""


def _extend(chain: Chain, n: int, digest: str, tips: dict[str, Chain], where: dict[str, tuple[int, Chain]]) -> None:
    chain.lines += 1
    chain.last_line = n
    chain.tip = digest
    tips[digest] = chain
    where[digest] = (n, chain)


def _check_signatures(path: Path, v: Verdict, where: dict[str, tuple[int, Chain]], trusted: set[str] | None) -> None:
    from crawler.net.keys import b64url_decode, public_key_from_jwk, thumbprint

    sig_path = Path(str(path) + SIG_SUFFIX)
    if not sig_path.exists():
        v.notes.append(f"no signature file ({sig_path.name}): the chain shows a removed or edited line, but not "
                       "lines cut from the end, nor a file rewritten whole")
        return
    for line in read.lines(sig_path):
        if line.blank:
            continue
        label = f"{sig_path.name} line {line.number}"
        try:
            if line.error:
                raise line.error
            entry = line.value
            run, digest, jwk, keyid = entry["run"], entry["hash"], entry["jwk"], entry["keyid"]
            if thumbprint(jwk) != keyid:
                v.problems.append(f"{label}: keyid {keyid} is not the thumbprint of the key it carries")
                continue
            public_key_from_jwk(jwk).verify(b64url_decode(entry["sig"]), signed_message(run, digest))
        except (ValueError, KeyError, TypeError) as exc:
            v.problems.append(f"{label}: not a signature entry ({exc.__class__.__name__}: {exc})")
            continue
        except Exception as exc:  # cryptography's InvalidSignature
            v.problems.append(f"{label}: the signature does not verify for run {run!r} ({exc.__class__.__name__}): "
                              "the signature file was edited")
            continue
        if trusted is not None and keyid not in trusted:
            v.problems.append(f"{label}: signed by key {keyid}, which is not in the published key set given")
            continue
        v.signatures += 1
        if digest not in where:
            v.problems.append(f"{label}: the signed last hash of run {run!r} ({digest[:12]}…) is no line of the log: "
                              "lines were removed from the end of that run, or its last line was edited")
            continue
        line_no, chain = where[digest]
        if chain.run != run:
            v.problems.append(f"{label}: signs line {line_no} for run {run!r}, but that line is in run {chain.run!r}")
            continue
        chain.signed_at = max(chain.signed_at, line_no)
        chain.keyids.add(keyid)
    if v.problems:
        return
    for chain in v.chains:
        if not chain.signed_at:
            v.notes.append(f"run {chain.run!r}: no signature covers it (signing was off, or no process closed cleanly)")
        elif chain.signed_at < chain.last_line:
            v.notes.append(f"run {chain.run!r}: lines after line {chain.signed_at} up to {chain.last_line} are not "
                           "signed (the last process did not close cleanly)")
