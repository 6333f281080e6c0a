#!/usr/bin/env python3
"""Set civilcrawl up in ./.venv on a fresh machine, then optionally run the tests or the demo.

    python3 tools/bootstrap.py          # .venv with civilcrawl installed (editable): .venv/bin/civilcrawl
    python3 tools/bootstrap.py test     # ... with the test extras, then ruff, mypy, python -m pytest (args to pytest)
    python3 tools/bootstrap.py demo     # ... then civilcrawl demo

Works with a stock python3 (>= 3.11) that has no pip and refuses system installs (PEP 668, e.g. Debian 12):
the virtual environment gets pip from ensurepip, or, when the distribution left ensurepip out (Debian
without python3-venv), from the pip wheel on PyPI. Only the standard library is used here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
PYPI_PIP = "https://pypi.org/pypi/pip/json"


def say(message: str) -> None:
    print(f"bootstrap: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(f"error: {message}")
    raise SystemExit(1)


def has_pip() -> bool:
    return PY.exists() and subprocess.run([PY, "-m", "pip", "--version"], capture_output=True).returncode == 0


def make_venv() -> None:
    """.venv with pip: ensurepip when the distribution ships it, else a pip wheel from PyPI."""
    if has_pip():
        return
    if sys.version_info < (3, 11):  # noqa: UP036 - run by any python3, before pip reads requires-python
        fail(f"civilcrawl needs Python >= 3.11; this is {sys.version.split()[0]} ({sys.executable})")
    say(f"creating {VENV} with {sys.executable} ({sys.version.split()[0]})")
    ensurepip = importlib.util.find_spec("ensurepip") is not None  # Debian leaves it out without python3-venv
    if not ensurepip:
        say("this Python has no ensurepip: creating the environment without pip, then fetching pip from PyPI")
    try:
        venv.EnvBuilder(with_pip=ensurepip, clear=PY.exists()).create(VENV)
    except (subprocess.CalledProcessError, OSError, SystemExit) as exc:  # Debian's venv exits when ensurepip fails
        say(f"ensurepip failed ({exc}); creating the environment without pip, then fetching pip from PyPI")
        venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
    if not has_pip():
        install_pip_from_pypi()


def install_pip_from_pypi() -> None:
    try:
        with urllib.request.urlopen(PYPI_PIP, timeout=60) as answer:
            release = json.load(answer)
        wheel = next(u for u in release["urls"] if u["packagetype"] == "bdist_wheel")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / wheel["filename"]
            with urllib.request.urlopen(urljoin(PYPI_PIP, wheel["url"]), timeout=120) as answer:  # may be relative
                path.write_bytes(answer.read())
            # a wheel is importable: run pip from its own wheel to install itself into the environment
            subprocess.run([PY, str(path / "pip"), "install", "--quiet", "--no-index", str(path)], check=True)
    except Exception as exc:  # noqa: BLE001 - any failure here ends in the same advice
        fail(f"could not get pip from PyPI ({type(exc).__name__}: {exc}). Install it from your distribution "
             "(Debian/Ubuntu: apt-get install python3-venv, or ca-certificates if HTTPS failed) and run this again.")


def install(extras: str) -> None:
    target = f".[{extras}]" if extras else "."
    say(f"installing civilcrawl{f'[{extras}]' if extras else ''} into {VENV} (editable)")
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
                   cwd=ROOT, check=True)


def check() -> int:
    """ruff and mypy as configured in pyproject.toml; the exit status of the first that fails, else 0."""
    for name, command in (("ruff", ["ruff", "check", "--quiet", "."]), ("mypy", ["mypy"])):
        say(f"{name}: checking")
        status = subprocess.run([PY, "-m", *command], cwd=ROOT).returncode
        if status:
            say(f"{name} found problems (above); fix them before the tests run")
            return status
    return 0


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "install"
    if what not in ("install", "test", "demo"):
        print(__doc__, file=sys.stderr)
        return 2
    make_venv()
    try:
        install("test" if what == "test" else "")
    except subprocess.CalledProcessError as exc:
        fail(f"pip install failed (exit {exc.returncode}); see its messages above")
    if what == "test":
        return check() or subprocess.run([PY, "-m", "pytest", *argv[1:]], cwd=ROOT).returncode
    if what == "demo":
        return subprocess.run([BIN / "civilcrawl", "demo", *argv[1:]], cwd=ROOT).returncode
    say(f"done: run {BIN / 'civilcrawl'} (or `. {BIN / 'activate'}` first, then civilcrawl)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
