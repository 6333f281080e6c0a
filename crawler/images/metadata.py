"""Personal and usage metadata in an image: EXIF (Pillow) and XMP packets (defusedxml).

Personal (the image is refused as ``personal-image``):
- EXIF GPS coordinates (GPSLatitude/GPSLongitude or the Dest* pair, unless all zero) and XMP ``exif:GPS*``;
- camera body/lens serial numbers and the camera owner's name (EXIF, XMP ``aux:``/``exifEX:``): they tie
  a picture to one person's camera across every photo it ever took;
- XMP face regions (``mwg-rs`` Type=Face), Microsoft ``MP:RegionInfo`` person regions, IPTC ``PersonInImage``.
Not counted, only stripped on store: ``Artist`` (a credit line naming the author, not the subject, present on
most press and stock pictures) and ``ImageUniqueID`` (identifies the picture, not a person).

Usage (refused as ``image-metadata``): PLUS ``plus:DataMining`` prohibitions, per purpose (signals.md §6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from defusedxml import ElementTree
from PIL import ExifTags, Image

from crawler.decide.purposes import DEFAULT_PURPOSE, PURPOSES

_GPS_COORDS = {2: "GPSLatitude", 4: "GPSLongitude", 20: "GPSDestLatitude", 22: "GPSDestLongitude"}
_EXIF_PERSONAL = {42032: "CameraOwnerName", 42033: "BodySerialNumber", 42037: "LensSerialNumber"}

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS = {
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "MPReg": "http://ns.microsoft.com/photo/1.2/t/Region#",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
}
_URI_PREFIX = {uri: prefix for prefix, uri in _NS.items()}
#: XMP property (prefix:name) -> the field name we report when it holds a value.
_XMP_PERSONAL = {
    "Iptc4xmpExt:PersonInImage": "Iptc4xmpExt:PersonInImage",
    "Iptc4xmpExt:PersonInImageWDetails": "Iptc4xmpExt:PersonInImageWDetails",
    "MPReg:PersonDisplayName": "MP:RegionInfo(person)",
    "MPReg:Rectangle": "MP:RegionInfo(person)",
    "exif:GPSLatitude": "xmp:GPSLatitude",
    "exif:GPSLongitude": "xmp:GPSLongitude",
    "aux:SerialNumber": "aux:SerialNumber",
    "aux:LensSerialNumber": "aux:LensSerialNumber",
    "aux:OwnerName": "aux:OwnerName",
    "exifEX:BodySerialNumber": "exifEX:BodySerialNumber",
    "exifEX:LensSerialNumber": "exifEX:LensSerialNumber",
    "exifEX:CameraOwnerName": "exifEX:CameraOwnerName",
}
_FACE_REGION = "mwg-rs:Regions(Face)"
_WANTED = frozenset(_XMP_PERSONAL) | {"mwg-rs:Type", "plus:DataMining"}
_PACKET_OPEN, _PACKET_CLOSE = b"<x:xmpmeta", b"</x:xmpmeta>"
_SUB_LIMIT = 256
MAX_PACKETS = 16
MAX_ELEMENTS = 20_000  # real packets have hundreds  # more XMP packets than any real file carries: refused as unreadable, never skipped
# Used only on packets that do not parse: a broken packet must not hide a person.
_FALLBACK_RE = {
    "Iptc4xmpExt:PersonInImage": re.compile(r"PersonInImage\b[^>]{0,4096}>\s*<rdf:Bag>\s*<rdf:li>\s*[^<\s]"),
    "MP:RegionInfo(person)": re.compile(r"PersonDisplayName\s*(=\s*\"[^\"]+|>\s*[^<\s])"),
    _FACE_REGION: re.compile(r"mwg-rs:Type\s*(=\s*[\"']|>\s*)Face\b", re.IGNORECASE),
    "xmp:GPSLatitude": re.compile(r"exif:GPSLatitude\s*(=\s*\"[^\"]+|>\s*[^<\s])"),
}
_DMI_RE = re.compile(r"DMI-[A-Z-]+")


@dataclass(frozen=True)
class MetadataFindings:
    """Field names found: ``personal`` (refuse as personal-image), ``usage`` (refuse as image-metadata)."""

    personal: tuple[str, ...] = ()
    usage: tuple[str, ...] = ()
    error: str | None = None  # metadata present but unreadable: the caller must refuse


def read_metadata(source: Image.Image, data: bytes, purpose: str = DEFAULT_PURPOSE) -> MetadataFindings:
    """Inspect the opened image ``source`` (and its raw ``data``, for XMP) for ``purpose``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}: use one of {', '.join(PURPOSES)}")
    personal: list[str] = []
    usage: list[str] = []
    try:
        personal += _exif_fields(source)
    except Exception as exc:
        return MetadataFindings(error=f"EXIF block unreadable ({type(exc).__name__}); cannot rule out GPS or serials")
    packets = _xmp_packets(source, data)
    if packets is None:
        return MetadataFindings(error=f"more than {MAX_PACKETS} XMP packets; cannot read them all")
    for packet in packets:
        try:
            found, dmi = _xmp_fields(packet)
        except _Unreadable as exc:
            return MetadataFindings(error=str(exc))
        personal += found
        usage += [f"plus:DataMining={v}" for v in dmi if _dmi_refuses(v, purpose)]
    return MetadataFindings(tuple(dict.fromkeys(personal)), tuple(dict.fromkeys(usage)))


def _exif_fields(source: Image.Image) -> list[str]:
    exif = source.getexif()
    found = []
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for tag, name in _GPS_COORDS.items():
        if tag in gps and _nonzero(gps[tag]):
            found.append(f"GPSInfo.{name}")
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    for tag, name in _EXIF_PERSONAL.items():
        value = sub.get(tag, exif.get(tag))
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str) and value.strip(" \x000"):  # "0000000000" is a camera's "no serial"
            found.append(name)
    return found


def _nonzero(value: object) -> bool:
    if not isinstance(value, Iterable):
        return bool(value)
    try:
        return any(float(v) != 0 for v in value)  # (degrees, minutes, seconds) rationals
    except (TypeError, ValueError, ZeroDivisionError):
        return bool(value)


def _xmp_packets(source: Image.Image, data: bytes) -> list[str] | None:
    """XMP packets Pillow found (JPEG APP1, PNG iTXt, WebP chunk) plus any in the raw bytes (GIF, others).

    None if there are more than MAX_PACKETS. One pass over the bytes: a packet runs from ``<x:xmpmeta`` to the
    first ``</x:xmpmeta>`` after it (a lazy regex restarted at every unclosed opening was quadratic).
    """
    raw: list[bytes | str] = [source.info[k] for k in ("xmp", "XML:com.adobe.xmp") if source.info.get(k)]
    pos, end = 0, -1
    while (start := data.find(_PACKET_OPEN, pos)) >= 0:
        if end < start:
            end = data.find(_PACKET_CLOSE, start)
            if end < 0:
                break  # no opening after this one can be closed either
        after = data[start + len(_PACKET_OPEN):start + len(_PACKET_OPEN) + 1]
        if not after or after.isalnum() or after == b"_":  # not the tag (the old regex's \b)
            pos = start + 1
            continue
        raw.append(data[start:end + len(_PACKET_CLOSE)])
        if len(raw) > MAX_PACKETS:
            return None
        pos = end + len(_PACKET_CLOSE)
    texts = [r.decode("utf-8", "replace") if isinstance(r, bytes) else str(r) for r in raw]
    return list(dict.fromkeys(t.strip("\x00 \r\n\t") for t in texts))


class _Unreadable(Exception):
    """Metadata too large to read whole: the image is refused, never passed unread."""


def _xmp_fields(packet: str) -> tuple[list[str], list[str]]:
    """(personal field names, plus:DataMining values) in one packet; regex fallback if it does not parse."""
    try:
        root = ElementTree.fromstring(packet.encode("utf-8"))
    except Exception:  # malformed or hostile (entities, DTDs): judge the text instead
        found = [name for name, rx in _FALLBACK_RE.items() if rx.search(packet)]
        dmi = _DMI_RE.findall(packet) if "DataMining" in packet else []
        return found, dmi
    found, dmi = [], []
    if next(islice(root.iter(), MAX_ELEMENTS, None), None) is not None:
        raise _Unreadable(f"an XMP packet of more than {MAX_ELEMENTS} elements; cannot read it all")
    for name, text in _properties(root):
        if name == "mwg-rs:Type" and text.strip().lower() == "face":
            found.append(_FACE_REGION)
        elif name in _XMP_PERSONAL and text.strip():
            found.append(_XMP_PERSONAL[name])
        elif name == "plus:DataMining" and text.strip():
            dmi.append(text.strip().rsplit("/", 1)[-1])
    return found, dmi


def _properties(root) -> Iterator[tuple[str, str]]:
    """(prefix:name, value text) for every property we know, whether written as element or attribute."""
    for el in root.iter():
        for key, value in [(el.tag, None), *el.attrib.items()]:
            if isinstance(key, str) and key.startswith("{"):
                uri, _, local = key[1:].partition("}")
                if uri in _URI_PREFIX and (name := f"{_URI_PREFIX[uri]}:{local}") in _WANTED:
                    yield name, _text(el) if value is None else value


def _text(el) -> str:
    """All text under an element, else its rdf:resource (URI values), else attribute values of its structs.

    Reads the first _SUB_LIMIT elements under it only (done for every element, a full walk is quadratic in
    depth); an element with more than that counts as holding a value, so a person cannot hide behind padding.
    """
    subs = list(islice(el.iter(), _SUB_LIMIT + 1))
    if len(subs) > _SUB_LIMIT:
        return "(too long to read)"
    text = "".join((sub.text or "") + (sub.tail or "" if sub is not el else "") for sub in subs)
    return text or el.attrib.get(f"{{{_RDF}}}resource", "") or " ".join(
        v for sub in subs for k, v in sub.attrib.items() if not k.startswith(f"{{{_RDF}}}"))


def _dmi_refuses(value: str, purpose: str) -> bool:
    """Whether a PLUS DataMining value forbids ``purpose`` (signals.md §6; unknown prohibitions count)."""
    value = value.upper()
    if not value.startswith("DMI-PROHIBITED"):
        return False  # DMI-ALLOWED, DMI-UNSPECIFIED
    if purpose == "ai-train":
        return True
    if purpose == "research":
        return value not in ("DMI-PROHIBITED-AIMLTRAINING", "DMI-PROHIBITED-GENAIMLTRAINING")
    if purpose == "archive":
        return value == "DMI-PROHIBITED" or value.startswith("DMI-PROHIBITED-SEE")
    return False
