"""``civilcrawl image-check``: say for each image whether it is personal, and why."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.cli.main import EXIT_FAILED, EXIT_OK, UsageError
from crawler.cli.options import add_option
from crawler.options import option

# Pillow, numpy and OpenCV are imported in run(), so other commands start quickly.
MAX_BYTES = 20 * 1024 * 1024  # crawler.images.decode.MAX_BYTES (checked by a test)
PERSONAL_IMAGE = "personal-image"

NAME = "image-check"
HELP = ("Check images (files or URLs) for faces and personal metadata; nothing is stored. URLs are fetched "
        "as the crawler fetches: robots.txt, the network guard and our User-Agent apply.")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL", help="image files, or http(s) URLs fetched once")
    p.add_argument("--json", action="store_true", help="one JSON object per image, per line")
    for name, help in (
        ("purpose", "what the images would be used for"),
        ("contact", "your contact, sent in the User-Agent (required for URLs)"),
        ("timeout", "per-URL fetch timeout"),
        ("allow_private_networks", "let URLs reach loopback and private addresses (off by default)"),
        ("allow_networks", "let URLs reach one private address on one port (127.0.0.1:8080), or every port of a "
                           "private network (CIDR, e.g. 127.0.0.1/32); repeatable"),
        ("resolve", "use ADDRESS for HOST instead of DNS; still network-guarded"),
        ("audit", "record what was fetched or refused, and why, as JSON Lines"),
    ):
        add_option(p, option(name), help=help)


def run(args: argparse.Namespace) -> int:
    urls = [i for i in args.inputs if _is_url(i)]
    fetched: dict[str, Any] = {}
    if urls:
        fetched = _fetch_all(urls, args)
    from crawler.images.faces import default_detector

    detector = default_detector()
    status = EXIT_OK
    for item in args.inputs:
        try:
            report = _check_one(item, args, fetched, detector)
        except _InputError as exc:
            report, status = {"input": item, "error": str(exc)}, EXIT_FAILED
        _print(report, args.json)
    return status


def _fetch_all(urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Fetch the URLs through the crawler's gate; each maps to a verdict, a refusal or an error (nothing stored)."""
    from crawler.cli.crawl import defaults_namespace, settings_from_args

    # every crawl option at its default (so a new option cannot break this), then what image-check decides
    ns = defaults_namespace()
    ns.__dict__.update(contact=args.contact or "", purpose=args.purpose, terms="policy", audit=args.audit,
                       allow_private_networks=args.allow_private_networks, allow_networks=args.allow_networks,
                       resolve=args.resolve, state=None, max_bytes=MAX_BYTES, timeout=args.timeout, verbose=0)
    try:
        settings = settings_from_args(ns)
    except UsageError as exc:
        raise UsageError(f"{exc} (needed to fetch {urls[0]})") from None
    from crawler.images.context import personal_context

    wanted = [u for u in urls if not personal_context(u, {})]
    if not wanted:
        return {}
    from crawler.cli.task import run_task

    return run_task(settings, lambda gate: _fetch_through(gate, wanted))


async def _fetch_through(gate: Any, urls: list[str]) -> dict[str, Any]:
    from scrapy import Request

    from crawler.gate.refusal import Refused
    from crawler.gate.state import image_verdict, state_meta

    out: dict[str, Any] = {}
    for url in urls:
        request = Request(url, dont_filter=True, meta={**state_meta(image_of=url), "handle_httpstatus_all": True})
        try:
            response = await gate.crawler.engine.download_async(request)
        except Refused as exc:
            out[url] = ("refused", exc.reason, exc.detail or str(exc))
            continue
        except Exception as exc:  # unreachable, timed out: said per URL, never a traceback
            out[url] = ("error", f"GET {url} failed: {type(exc).__name__}: {exc}".rstrip(": "))
            continue
        verdict = image_verdict(request)
        if verdict is not None:
            out[url] = ("verdict", verdict)
        elif response.status != 200:
            out[url] = ("error", f"GET {url} answered HTTP {response.status}")
        else:
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            out[url] = ("error", f"GET {url} is not an image ({ctype})")
    return out


class _InputError(Exception):
    """An input could not be read or fetched."""


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _check_one(item: str, args: argparse.Namespace, fetched: dict[str, Any], detector) -> dict:
    from crawler.images.check import check_image
    from crawler.images.context import personal_context

    if _is_url(item):
        context = personal_context(item, {})
        if context:
            return {"input": item, "personal": True, "stored": False, "reason": PERSONAL_IMAGE,
                    "detail": f"not fetched: {context}", "faces": [], "metadata": []}
        kind, *rest = fetched[item]
        if kind == "verdict":  # judged by the gate as the crawler judges it; the bytes were not kept
            return _report(item, rest[0], detector.threshold)
        if kind == "refused":
            reason, detail = rest
            if reason in ("personal-image", "image-metadata", "too-large", "image-unchecked"):
                return {"input": item, "personal": reason in ("personal-image", "image-metadata"), "stored": False,
                        "reason": reason, "detail": detail, "faces": [], "metadata": []}
            raise _InputError(f"not fetched: {reason}: {detail}")
        raise _InputError(rest[0])
    verdict = check_image(_read(item), purpose=args.purpose, detector=detector)
    return _report(item, verdict, detector.threshold)


def _read(path: str) -> bytes:
    try:
        p = Path(path)
        if p.stat().st_size > MAX_BYTES:
            return b"\0" * (MAX_BYTES + 1)  # let check_image report the cap without reading it all
        return p.read_bytes()
    except OSError as exc:
        raise _InputError(f"cannot read {path}: {exc.strerror or exc}") from None


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
