"""check_image verdicts and ImageStore: accepted images stored stripped, refused bytes never on disk."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile

import pytest
from PIL import ExifTags, Image

from crawler.images.check import ImageVerdict, check_image
from crawler.images.decode import decode_image
from crawler.images.store import ImageStore
from tests.test_images_metadata import PERSON, dmi
from tests.test_images_support import astronaut, astronaut_face, encode, gradient, shapes, text_image


def test_face_is_refused_with_a_short_detail():
    v = check_image(encode(astronaut()))
    assert (v.ok, v.reason, v.detail, v.clean) == (False, "personal-image", "1 face", None)
    assert len(v.faces) >= 1 and v.faces[0] > 0.9


def test_detail_counts_faces_and_never_gives_coordinates():
    canvas = gradient(900, 300)
    for i in range(2):
        canvas.paste(astronaut_face(150), (60 + i * 400, 60))
    v = check_image(encode(canvas))
    assert v.detail == "2 faces"
    assert not re.search(r"\d+\s*[x,]\s*\d+", v.detail)


def test_non_face_is_accepted_and_stripped():
    v = check_image(encode(shapes(), "PNG", pnginfo=None))
    assert v.ok and v.reason is None and v.metadata == ()
    assert decode_image(v.clean).image.size == (640, 480)


def test_personal_metadata_refuses_a_face_free_picture():
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({2: (48.0, 51.0, 29.0), 4: (2.0, 17.0, 40.0)})
    v = check_image(encode(shapes(), exif=exif))
    assert not v.ok and v.reason == "personal-image"
    assert v.metadata == ("GPSInfo.GPSLatitude", "GPSInfo.GPSLongitude")
    assert v.detail == "personal metadata: GPSInfo.GPSLatitude, GPSInfo.GPSLongitude"


def test_face_and_metadata_both_reported():
    v = check_image(encode(astronaut(), xmp=PERSON.encode()))
    assert v.reason == "personal-image" and v.detail == "1 face; personal metadata: Iptc4xmpExt:PersonInImage"


def test_data_mining_prohibition_is_image_metadata_for_ai_train_only():
    data = encode(text_image(), xmp=dmi("DMI-PROHIBITED-AIMLTRAINING").encode())
    v = check_image(data, purpose="ai-train")
    assert (v.ok, v.reason) == (False, "image-metadata")
    assert v.metadata == ("plus:DataMining=DMI-PROHIBITED-AIMLTRAINING",)
    assert check_image(data, purpose="research").ok
    assert check_image(data, purpose="search").ok


@pytest.mark.parametrize("data,reason", [
    (b"not an image", "undecodable"),
    (encode(Image.new("L", (8000, 6000)), "PNG"), "too-large"),
    (encode(shapes(64, 48), "TIFF"), "undecodable"),
])
def test_undecidable_input_is_refused(data, reason):
    v = check_image(data)
    assert (v.ok, v.reason, v.clean) == (False, reason, None)


def test_unknown_purpose_raises():
    with pytest.raises(ValueError, match="unknown purpose"):
        check_image(encode(shapes()), purpose="adtech")


def test_verdict_is_frozen():
    v = check_image(encode(shapes()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.ok = False


def test_store_writes_accepted_bytes_under_their_hash(tmp_path):
    store = ImageStore(tmp_path / "images")
    v = check_image(encode(shapes()))
    saved = store.save(v)
    digest = hashlib.sha256(v.clean).hexdigest()
    assert saved == {"path": str(tmp_path / "images" / f"{digest}.jpg"), "sha256": digest}
    assert open(saved["path"], "rb").read() == v.clean
    assert store.save(v) == saved  # idempotent
    assert os.listdir(tmp_path / "images") == [f"{digest}.jpg"]


def test_store_replaces_a_partial_file(tmp_path):
    store = ImageStore(tmp_path)
    v = check_image(encode(shapes(), "PNG"))
    digest = hashlib.sha256(v.clean).hexdigest()
    (tmp_path / f"{digest}.png").write_bytes(v.clean[:10])
    assert open(store.save(v)["path"], "rb").read() == v.clean


def test_store_refuses_a_refused_verdict(tmp_path):
    store = ImageStore(tmp_path)
    with pytest.raises(ValueError, match="not accepted"):
        store.save(check_image(encode(astronaut())))
    with pytest.raises(ValueError):
        store.save(ImageVerdict(False, "personal-image", "1 face", clean=b"\xff\xd8\xff"))
    assert os.listdir(tmp_path) == []


def test_refused_bytes_never_touch_disk(tmp_path, monkeypatch):
    """Check and store a face and a non-face with every temp dir pointed at a watched folder."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    store = ImageStore(tmp_path / "images")
    face = encode(astronaut())
    face_pixels = astronaut().tobytes()[:4096]
    kept = check_image(encode(shapes()))
    refused = check_image(face)
    assert kept.ok and not refused.ok
    for v in (kept, refused):
        if v.ok:
            store.save(v)
    assert os.listdir(tmp) == []
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path) for f in fs]
    assert files == [str(tmp_path / "images" / f"{hashlib.sha256(kept.clean).hexdigest()}.jpg")]
    for path in files:
        data = open(path, "rb").read()
        assert face[:4096] not in data and face_pixels not in data
