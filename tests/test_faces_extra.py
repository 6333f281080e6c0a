"""benchmarks/faces_extra.tsv and its loader: rows name pinned packages, globs expand, groups never straddle the split."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image

from benchmarks import faces_data
from benchmarks.faces_fetch import PACKAGES

CLASSES = {"photo", "drawing", "cgi", "animal"}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_every_row_names_a_pinned_package_and_a_label() -> None:
    packages = {r["source"].replace(":", "/", 1): r for r in rows(PACKAGES)}
    assert all(r["version"] and r["licence"] and r["how"] for r in packages.values())
    for row in rows(faces_data.EXTRA_FILE):
        kind, name = row["file"].split("/", 2)[:2]
        if name.startswith("@"):
            name = "/".join(row["file"].split("/", 3)[1:3])
        assert f"{kind}/{name}" in packages, row["file"]
        assert row["face"] in ("0", "1") and row["class"] in CLASSES and row["rights"] in ("pkg", "third-party")


def test_loader_expands_globs_marks_small_and_keeps_groups_together(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "npm" / "x" / "img"
    folder.mkdir(parents=True)
    for name, side in (("a.png", 200), ("b.png", 64), ("c.jpg", 300), ("c_crop.jpg", 120)):
        Image.new("RGB", (side, side), (200, 100, 50)).save(folder / name)
    table = tmp_path / "extra.tsv"
    table.write_text("file\tface\tclass\trights\tgroup\tnote\n"
                     "npm/x/img/?.png\t0\tdrawing\tpkg\t\tglob\n"
                     "npm/x/img/c.jpg\t1\tphoto\tthird-party\tc\tphoto\n"
                     "npm/x/img/c_crop.jpg\t1\tphoto\tthird-party\tc\tits crop\n", encoding="utf-8")
    monkeypatch.setattr(faces_data, "EXTRA_FILE", table)
    items = {i.name: i for i in faces_data.extra(tmp_path)}
    assert set(items) == {f"extra/npm/x/img/{n}" for n in ("a.png", "b.png", "c.jpg", "c_crop.jpg")}
    assert items["extra/npm/x/img/b.png"].cls == "small" and items["extra/npm/x/img/a.png"].cls == "drawing"
    assert items["extra/npm/x/img/c.jpg"].rights == "third-party" and items["extra/npm/x/img/c.jpg"].face
    crop, photo = items["extra/npm/x/img/c_crop.jpg"], items["extra/npm/x/img/c.jpg"]
    assert crop.group == photo.group and faces_data.extra_split(crop) == faces_data.extra_split(photo)
    (folder / "c.jpg").unlink()
    with pytest.raises(SystemExit, match="faces_fetch"):
        faces_data.extra(tmp_path)
