"""The site and helpers behind tests/test_scrapy_project.py (no tests here).

One local server ("floors.test") serves face photos (scikit-image's astronaut) under non-image Content-Types,
pages with directives, 21 linked pages and a robots.txt; the user's project in tests/scrapyproject is copied
to a temporary folder and run with ``scrapy crawl`` / ``shell`` / ``fetch`` in a subprocess.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from crawler.cli.localsite import LocalServer, Reply, Site, html
from tests.test_images_support import astronaut, astronaut_face, encode, shapes

PROJECT = Path(__file__).parent / "scrapyproject"
HOST = "floors.test"
OCTET, HTML = "application/octet-stream", "text/html; charset=utf-8"


def faces() -> dict[str, bytes]:
    """The face photos the site serves, by name (every one must be refused, whatever its Content-Type)."""
    webp = io.BytesIO()
    astronaut().save(webp, "WEBP", quality=90)
    return {"jpeg": encode(astronaut(), "JPEG", quality=92), "png": encode(astronaut_face(300), "PNG"),
            "webp": webp.getvalue()}


def controls() -> dict[str, bytes]:
    """Pictures without people, served the same ways (they must still be stored: the check is not a blanket ban)."""
    return {"jpeg": encode(shapes(), "JPEG", quality=90), "png": encode(shapes(320, 240), "PNG")}


def page(title: str, links: list[str] = (), meta: str = "") -> Reply:
    body = html(title, "text", links)
    if meta:
        body = body.replace("<head>", f'<head><meta name="robots" content="{meta}">')
    return Reply(body=body)


def site() -> Site:
    f, c = faces(), controls()
    gallery = ('<html><head><title>gallery</title></head><body>'
               '<img src="/img/face-jpeg-octet"><img src="/img/face-webp-html"><img src="/img/ok-png-octet">'
               '<a class="file" href="/file/face-jpeg-octet">a</a><a class="file" href="/file/face-png-html">b</a>'
               '<a class="file" href="/file/ok-jpeg-octet">c</a></body></html>')
    routes = {
        "/robots.txt": Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/gallery": Reply(body=gallery),
        "/img/face-jpeg-octet": Reply(body=f["jpeg"], content_type=OCTET),
        "/img/face-webp-html": Reply(body=f["webp"], content_type=HTML),
        "/img/ok-png-octet": Reply(body=c["png"], content_type=OCTET),
        "/file/face-jpeg-octet": Reply(body=f["jpeg"], content_type=OCTET),
        "/file/face-png-html": Reply(body=f["png"], content_type=HTML),
        "/file/ok-jpeg-octet": Reply(body=c["jpeg"], content_type=OCTET),
        "/raw/face-jpeg-html": Reply(body=f["jpeg"], content_type=HTML),
        "/raw/face-png-octet": Reply(body=gzip.compress(f["png"]), content_type=OCTET,
                                     headers={"Content-Encoding": "gzip"}),
        "/raw/ok-octet": Reply(body=c["jpeg"], content_type=OCTET),
        "/dir/": page("index", ["/dir/noindex", "/dir/nofollow", "/dir/plain", "/detour/secret", "/private/x",
                                 "/via-proxy/page"]),
        "/dir/noindex": page("noindex page", ["/dir/via-noindex"], meta="noindex"),
        "/dir/nofollow": page("nofollow page", ["/dir/only-via-nofollow"], meta="nofollow"),
        "/dir/plain": page("plain"),
        "/dir/via-noindex": page("via noindex"),
        "/dir/only-via-nofollow": page("only via nofollow"),
        "/via-proxy/page": page("via a proxy"),
        "/many/": page("many", [f"/many/{i}" for i in range(1, 21)]),
        **{f"/many/{i}": page(f"many {i}") for i in range(1, 21)},
    }
    return Site(routes)


@dataclass
class Run:
    code: int
    out: str
    err: str
    folder: Path

    def audit(self) -> list[dict]:
        path = self.folder / "audit.jsonl"
        return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def copy_project(tmp: Path) -> Path:
    dest = tmp / "project"
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def scrapy(folder: Path, *args: str, timeout: float = 90,
           settings: dict[str, str] | None = None, popen: dict | None = None) -> Run | subprocess.Popen:
    """``python -m scrapy ARGS`` in the project copy, pointed at the local server; Popen when ``popen`` is given."""
    settings = {"CIVIL_AUDIT": str(folder / "audit.jsonl"), "CIVIL_RESOLVE": json.dumps({HOST: "127.0.0.1"}),
                "CIVIL_ALLOW_NETWORKS": "127.0.0.1/32", "CIVIL_DELAY": "0.05", "STATS_JSON": str(folder / "stats.json"),
                **(settings or {})}
    cmd = [sys.executable, "-m", "scrapy", *args]
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    env = dict(os.environ, HOME=str(folder / "home"), SCRAPY_PYTHON_SHELL="python")
    if popen is not None:
        return subprocess.Popen(cmd, cwd=folder / "project", env=env, text=True, **popen)
    p = subprocess.run(cmd, cwd=folder / "project", env=env, capture_output=True, text=True, errors="replace",
                       timeout=timeout)
    return Run(p.returncode, p.stdout, p.stderr, folder)


def base(server: LocalServer) -> str:
    return f"http://{HOST}:{server.port}"


def _pixels(data: bytes) -> np.ndarray | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("L").resize((64, 64)), dtype=np.float32)
    except Exception:
        return None


def face_traces(root: Path) -> list[str]:
    """Every file under ``root`` holding a served face: same SHA-256, a slice of its bytes, or the same pixels."""
    served = list(faces().values())
    hashes = {hashlib.sha256(b).hexdigest() for b in served}
    slices = [b[len(b) // 2:len(b) // 2 + 256] for b in served]
    pixels = [_pixels(b) for b in served]
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() in hashes or any(s in data for s in slices):
            found.append(f"{path}: the served bytes")
        elif (px := _pixels(data)) is not None and any(np.abs(px - f).mean() < 12 for f in pixels):
            found.append(f"{path}: the same picture, re-encoded")
    return found


def stored_pictures(root: Path) -> list[Path]:
    """Files under ``root`` that decode as pictures."""
    return [p for p in root.rglob("*") if p.is_file() and _pixels(p.read_bytes()) is not None]
