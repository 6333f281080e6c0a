"""The command line as a person meets it: progress on a terminal, a one-line summary, and help that fits."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from crawler.cli import build_parser
from crawler.localsite import Reply, Site, html
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
                          "--resolve", f"{HOST}=127.0.0.1", "--allow-network", "127.0.0.1/32", "--delay", "0.3"],
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
    quiet = crawl(HOST, args=("--delay", "0"))
    assert "progress" not in quiet.stderr and "\x1b[K" not in quiet.stderr, "no terminal: no progress by default"
    lines = crawl(HOST, args=("--delay", "0", "--progress", "lines"))
    assert "progress: fetched" in lines.stderr


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
