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
from collections.abc import Iterator
from dataclasses import dataclass

from defusedxml import ElementTree
from PIL import ExifTags, Image

PURPOSES = ("search", "archive", "research", "ai-train")

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
_PACKET_RE = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.DOTALL)
# Used only on packets that do not parse: a broken packet must not hide a person.
_FALLBACK_RE = {
    "Iptc4xmpExt:PersonInImage": re.compile(r"PersonInImage\b[^>]*>\s*<rdf:Bag>\s*<rdf:li>\s*[^<\s]"),
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


def read_metadata(source: Image.Image, data: bytes, purpose: str = "research") -> MetadataFindings:
    """Inspect the opened image ``source`` (and its raw ``data``, for XMP) for ``purpose``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}: use one of {', '.join(PURPOSES)}")
    personal: list[str] = []
    usage: list[str] = []
    try:
        personal += _exif_fields(source)
    except Exception as exc:
        return MetadataFindings(error=f"EXIF block unreadable ({type(exc).__name__}); cannot rule out GPS or serials")
    for packet in _xmp_packets(source, data):
        found, dmi = _xmp_fields(packet)
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
    try:
        return any(float(v) != 0 for v in value)  # (degrees, minutes, seconds) rationals
    except (TypeError, ValueError, ZeroDivisionError):
        return bool(value)


def _xmp_packets(source: Image.Image, data: bytes) -> list[str]:
    """XMP packets Pillow found (JPEG APP1, PNG iTXt, WebP chunk) plus any in the raw bytes (GIF, others)."""
    raw: list[bytes | str] = [source.info[k] for k in ("xmp", "XML:com.adobe.xmp") if source.info.get(k)]
    raw += _PACKET_RE.findall(data)
    texts = [r.decode("utf-8", "replace") if isinstance(r, bytes) else str(r) for r in raw]
    return list(dict.fromkeys(t.strip("\x00 \r\n\t") for t in texts))


def _xmp_fields(packet: str) -> tuple[list[str], list[str]]:
    """(personal field names, plus:DataMining values) in one packet; regex fallback if it does not parse."""
    try:
        root = ElementTree.fromstring(packet.encode("utf-8"))
    except Exception:  # malformed or hostile (entities, DTDs): judge the text instead
        found = [name for name, rx in _FALLBACK_RE.items() if rx.search(packet)]
        dmi = _DMI_RE.findall(packet) if "DataMining" in packet else []
        return found, dmi
    found, dmi = [], []
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
        for key, value in [(el.tag, _text(el)), *el.attrib.items()]:
            if isinstance(key, str) and key.startswith("{"):
                uri, _, local = key[1:].partition("}")
                if uri in _URI_PREFIX:
                    yield f"{_URI_PREFIX[uri]}:{local}", value


def _text(el) -> str:
    """All text under an element, else its rdf:resource (URI values), else attribute values of its structs."""
    return "".join(el.itertext()) or el.attrib.get(f"{{{_RDF}}}resource", "") or " ".join(
        v for sub in el.iter() for k, v in sub.attrib.items() if not k.startswith(f"{{{_RDF}}}")
    )


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
