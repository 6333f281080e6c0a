"""civilcrawl image-check: files and URLs, text and JSON output, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crawler import __version__
from crawler.cli import image_check
from crawler.cli.localsite import LocalServer, Reply, Site
from crawler.cli.main import main
from crawler.images import decode
from crawler.images.faces import THRESHOLD
from tests.test_images_support import astronaut, encode, shapes

CONTACT = "mailto:tests@example.org"


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("img")
    (d / "face.jpg").write_bytes(encode(astronaut()))
    (d / "shapes.png").write_bytes(encode(shapes(), "PNG"))
    return d


@pytest.fixture(scope="module")
def site():
    big = b"\xff\xd8\xff" + b"\0" * (decode.MAX_BYTES + 10)
    routes = {
        "/face.jpg": Reply(body=encode(astronaut()), content_type="image/jpeg"),
        "/shapes.png": Reply(body=encode(shapes(), "PNG"), content_type="image/png"),
        "/huge.jpg": Reply(body=big, content_type="image/jpeg"),
        "/robots.txt": Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/private/x.png": Reply(body=encode(shapes(), "PNG"), content_type="image/png"),
    }
    with LocalServer({"*": Site(routes)}) as srv:
        yield srv


def test_files_text_output(images, capsys):
    assert main(["image-check", str(images / "face.jpg"), str(images / "shapes.png")]) == 0
    out = capsys.readouterr().out
    assert f"{images / 'face.jpg'}: PERSONAL (personal-image)\n  1 face\n  face scores: 0.94*" in out
    assert f"{images / 'shapes.png'}: ok\n  no face, no personal metadata" in out


def test_json_output(images, capsys):
    assert main(["image-check", "--json", "--purpose", "ai-train", str(images / "face.jpg")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["personal"] is True and report["stored"] is False and report["reason"] == "personal-image"
    assert report["faces"][0] > 0.9 and report["face_threshold"] == THRESHOLD and report["metadata"] == []


def check_urls(*args: str) -> subprocess.CompletedProcess:
    """The command in its own process: URLs are fetched by a real crawl (one Twisted reactor per process)."""
    return subprocess.run([sys.executable, "-m", "crawler", "image-check", "--contact", CONTACT, *args],
                          capture_output=True, text=True, timeout=120)


ALLOW = ("--allow-network", "127.0.0.1/32")


def test_urls_fetched_once_through_the_gate(site):
    face, plain = site.url(path="/face.jpg"), site.url(path="/shapes.png")
    p = check_urls("--json", *ALLOW, face, plain)
    assert p.returncode == 0, p.stderr
    reports = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(r["input"], r["personal"]) for r in reports] == [(face, True), (plain, False)]
    hits = [h for h in site.hits if h.path in ("/face.jpg", "/shapes.png")]
    assert [h.path for h in hits] == ["/face.jpg", "/shapes.png"]
    assert {h.user_agent for h in site.hits} == {f"civilcrawl/{__version__} (+{CONTACT})"}
    assert [h.path for h in site.hits].count("/robots.txt") == 1, "robots.txt read first, as the crawler does"


def test_robots_txt_is_obeyed(site):
    url = site.url("127.0.0.1", "/private/x.png")
    p = check_urls(*ALLOW, url)
    assert p.returncode == 1 and "not fetched: robots" in p.stderr and "Traceback" not in p.stderr
    assert not [h for h in site.hits if h.path == "/private/x.png"]


def test_loopback_url_refused_without_allow_flag(site):
    before = len(site.hits)
    p = check_urls(site.url(path="/shapes.png"))
    assert p.returncode == 1, p.stderr
    assert "not fetched: private-network" in p.stderr and "--allow-private-networks" in p.stderr
    assert "Traceback" not in p.stderr
    assert len(site.hits) == before, "the loopback listener received no request"


def test_oversized_download_is_capped(site):
    p = check_urls("--json", *ALLOW, site.url(path="/huge.jpg"))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["reason"] == "too-large"


def test_avatar_url_is_not_fetched(site, capsys):
    url = site.url(path="/avatars/jane.jpg")
    assert main(["image-check", "--contact", CONTACT, url]) == 0
    assert "not fetched: URL names a person's picture" in capsys.readouterr().out
    assert not [h for h in site.hits if h.path == "/avatars/jane.jpg"]


def test_url_without_contact_is_a_usage_error(site, capsys):
    assert main(["image-check", site.url(path="/face.jpg")]) == 2
    assert "contact is required" in capsys.readouterr().err
    assert not [h for h in site.hits if h.user_agent == ""]


def test_bad_purpose_is_a_usage_error(images):
    with pytest.raises(SystemExit) as exc:
        main(["image-check", "--purpose", "adtech", str(images / "face.jpg")])
    assert exc.value.code == 2


def test_unreadable_input_is_reported_and_others_still_run(images, capsys):
    assert main(["image-check", str(images / "missing.jpg"), str(images / "shapes.png")]) == 1
    captured = capsys.readouterr()
    assert "missing.jpg: ERROR cannot read" in captured.err and "shapes.png: ok" in captured.out


def test_cli_cap_matches_decoder():
    assert image_check.MAX_BYTES == decode.MAX_BYTES
    assert image_check.PERSONAL_IMAGE == "personal-image"
