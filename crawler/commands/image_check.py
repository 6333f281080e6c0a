"""``civilcrawl image-check``: say for each image whether it is personal, and why."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from crawler.cli import EXIT_FAILED, EXIT_OK, UsageError
from crawler.images.metadata import PURPOSES

# Pillow, numpy and OpenCV are imported in run(), so other commands start quickly.
MAX_BYTES = 20 * 1024 * 1024  # crawler.images.decode.MAX_BYTES (checked by a test)
PERSONAL_IMAGE = "personal-image"

NAME = "image-check"
HELP = "Check images (files or URLs) for faces and personal metadata; nothing is stored."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL", help="image files, or http(s) URLs fetched once")
    p.add_argument("--json", action="store_true", help="one JSON object per image, per line")
    p.add_argument("--purpose", choices=PURPOSES, default="research", help="what the images would be used for")
    p.add_argument("--contact", metavar="URL_OR_EMAIL", help="your contact, sent in the User-Agent (required for URLs)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per-URL fetch timeout")


def run(args: argparse.Namespace) -> int:
    urls = [i for i in args.inputs if _is_url(i)]
    agent = None
    if urls:
        from crawler.identity import user_agent

        try:
            agent = user_agent("civilcrawl", args.contact or "")
        except ValueError as exc:
            raise UsageError(f"{exc} (needed to fetch {urls[0]})") from None
    from crawler.images.faces import default_detector

    detector = default_detector()
    status = EXIT_OK
    for item in args.inputs:
        try:
            report = _check_one(item, args, agent, detector)
        except _InputError as exc:
            report, status = {"input": item, "error": str(exc)}, EXIT_FAILED
        _print(report, args.json)
    return status


class _InputError(Exception):
    """An input could not be read or fetched."""


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _check_one(item: str, args: argparse.Namespace, agent: str | None, detector) -> dict:
    from crawler.images.check import check_image
    from crawler.images.context import personal_context

    if _is_url(item):
        context = personal_context(item, {})
        if context:
            return {"input": item, "personal": True, "stored": False, "reason": PERSONAL_IMAGE,
                    "detail": f"not fetched: {context}", "faces": [], "metadata": []}
        data = _fetch(item, agent or "", args.timeout)
    else:
        data = _read(item)
    verdict = check_image(data, purpose=args.purpose, detector=detector)
    return _report(item, verdict, detector.threshold)


def _read(path: str) -> bytes:
    try:
        p = Path(path)
        if p.stat().st_size > MAX_BYTES:
            return b"\0" * (MAX_BYTES + 1)  # let check_image report the cap without reading it all
        return p.read_bytes()
    except OSError as exc:
        raise _InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _fetch(url: str, agent: str, timeout: float) -> bytes:
    """One polite GET, capped at MAX_BYTES (+1 byte so an oversized body is reported as too large)."""
    request = urllib.request.Request(url, headers={"User-Agent": agent, "Accept": "image/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise _InputError(f"GET {url} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _InputError(f"GET {url} failed: {getattr(exc, 'reason', exc)}") from None


def _report(item: str, v, threshold: float) -> dict:
    return {"input": item, "personal": v.reason == PERSONAL_IMAGE, "stored": v.ok, "reason": v.reason,
            "detail": v.detail, "faces": list(v.faces), "face_threshold": threshold, "metadata": list(v.metadata)}


def _print(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report), flush=True)
        return
    if "error" in report:
        print(f"{report['input']}: ERROR {report['error']}", file=sys.stderr)
        return
    head = "PERSONAL" if report["personal"] else "ok" if report["stored"] else "REFUSED"
    print(f"{report['input']}: {head}" + (f" ({report['reason']})" if report["reason"] else ""))
    print(f"  {report['detail']}")
    if report["faces"]:
        marked = [f"{s:.2f}{'*' if s >= report['face_threshold'] else ''}" for s in report["faces"][:10]]
        print(f"  face scores: {' '.join(marked)} (* = face, threshold {report['face_threshold']:.2f})")
    if report["metadata"]:
        print(f"  metadata: {', '.join(report['metadata'])}")
