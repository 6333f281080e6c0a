"""The command line as a person meets it: progress on a terminal, a one-line summary, and help that fits."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from crawler.cli.localsite import Reply, Site, html
from crawler.cli.main import build_parser
from tests.conftest import CONTACT

HOST = "progress.test"


def _help(command: str) -> str:
    sub = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command")
    return sub.choices[command].format_help()


def test_crawl_shows_live_progress_on_a_terminal_and_a_summary(server, tmp_path):
    server.sites[HOST] = Site({"/robots.txt": Reply(body="User-agent: *\nDisallow: /no\n", content_type="text/plain"),
                               "/": Reply(body=html("home", "", ["/a", "/b", "/no"])),
                               "/a": Reply(body=html("a")), "/b": Reply(body=html("b"))})
    leader, follower = pty.openpty()  # stderr is a terminal, stdout a pipe: as `civilcrawl crawl ... | less`
    p = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", server.url(HOST), "--contact", CONTACT,
                          "--resolve", f"{HOST}=127.0.0.1", "--allow-network", "127.0.0.1/32", "--delay", "0.3",
                          "--terms", "policy"],
                         stdout=subprocess.PIPE, stderr=follower, cwd=tmp_path)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif p.poll() is not None:
            break
    out, _ = p.communicate(timeout=30)
    os.close(leader)
    assert p.returncode == 0
    terminal = seen.decode("utf-8", "replace")
    assert "\r\x1b[K" in terminal and "fetched 3" in terminal and "robots 1" in terminal, terminal
    lines = out.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("crawl finished: fetched 3 ("), lines
    assert "; refused 1 (robots 1); skipped 0; read to decide: robots-txt 1" in lines[0], lines


def test_crawl_progress_off_and_lines(crawl, server):
    server.sites.setdefault(HOST, Site({"/robots.txt": Reply(body="", content_type="text/plain"),
                                        "/": Reply(body=html("home"))}))
    quiet = crawl(HOST, args=("--delay", "0", "--progress", "off"))
    assert "progress" not in quiet.stderr and "\x1b[K" not in quiet.stderr
    lines = crawl(HOST, args=("--delay", "0"))
    assert "progress: fetched" in lines.stderr and "\x1b[K" not in lines.stderr, "no terminal: plain lines"


def test_check_and_tos_help_list_no_crawl_only_options():
    for command in ("check", "tos"):
        text = _help(command)
        for option in ("--out", "--images", "--max-pages", "--max-depth"):
            assert option not in text, (command, option)
        assert "--contact" in text
    crawl = _help("crawl")
    assert "--max-depth N" in crawl and "steps from the seeds" in crawl
    assert "(and later" not in crawl, "no promise of features to come in --state's help"
    assert "--progress" in crawl and "--progress" in _help("run")


def test_demo_checks_the_sites_own_log(tmp_path):
    from crawler import __version__

    p = subprocess.run([sys.executable, "-m", "crawler", "demo", "--dir", str(tmp_path / "demo")],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert f"every one with the User-Agent 'civilcrawl/{__version__} (+mailto:demo@localhost)'" in p.stdout
    assert "The demo site's own log, checked:" in p.stdout and "civilcrawl/..." not in p.stdout


def test_demo_log_comparison_finds_a_disagreement():
    from crawler.cli.demo import compare_logs
    from crawler.cli.localsite import Hit

    agent = "civilcrawl/1 (+mailto:a@b.c)"
    hits = [Hit(0, "a.demo", "/", agent, {}), Hit(0, "a.demo", "/x", "curl/8", {})]
    records = [{"url": "http://a.demo:1/", "started": "t", "detail": ""}, {"url": "http://a.demo:1/y", "started": "t"}]
    problems = compare_logs(hits, records, agent)
    assert "a.demo/x: the server saw 1 requests, the audit log says 0" in problems
    assert "a.demo/y: the server saw 0 requests, the audit log says 1" in problems
    assert "a request with User-Agent 'curl/8'" in problems
    assert compare_logs(hits[:1], records[:1], agent) == []


def test_pillow_debug_lines_do_not_leak(crawl, server, tmp_path):
    import io

    from PIL import Image

    image = Image.new("RGB", (64, 48), (10, 200, 30))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Cam", "X"  # Make, Model: parsed by Pillow's TIFF plugin, which logs each tag
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    server.sites["exif.test"] = Site({"/robots.txt": Reply(body="", content_type="text/plain"),
                                      "/": Reply(body='<html><p>x</p><img src="/e.jpg"></html>'),
                                      "/e.jpg": Reply(body=buf.getvalue(), content_type="image/jpeg")})
    r = crawl("exif.test", args=("--delay", "0", "--images", "--images-dir", str(tmp_path / "img"), "-vv"))
    assert r.returncode == 0, r.stderr
    assert "e.jpg" in r.stderr, "debug output is on"
    assert "PIL." not in r.stderr, [line for line in r.stderr.splitlines() if "PIL." in line][:3]


def test_every_typed_option_says_what_it_wants():
    """argparse prints a custom type's function name (``invalid _nonneg_int value``) unless it says better."""
    import argparse

    sub = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command")
    typed = [(name, action) for name, parser in sub.choices.items() for action in parser._actions
             if action.type is not None and action.type not in (str,)]
    assert typed
    for name, action in typed:
        try:
            action.type("abc")
        except argparse.ArgumentTypeError as exc:
            assert "expected" in str(exc), (name, action.option_strings, exc)
        else:
            raise AssertionError(f"{name} {action.option_strings} took 'abc'")
