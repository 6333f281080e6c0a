"""What a body is, from its first bytes: image formats are known by their magic numbers, not by the
Content-Type a server chose to send (a photo served as ``application/octet-stream`` is still a photo).
"""

from __future__ import annotations

import struct

# ISO base media (AVIF, HEIF/HEIC) brands that carry still images or image sequences
_HEIF_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                b"mif1", b"msf1", b"mif2", b"heif"}
_BMP_DIB_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}


def _ftyp_brand(head: bytes) -> str | None:
    """The image brand of an ISO base media ``ftyp`` box (AVIF/HEIF), if it has one."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    end = min(len(head), size if size >= 16 else 16)
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, end - 3, 4)]
    for brand in brands:
        if brand in _HEIF_BRANDS:
            return "avif" if brand in (b"avif", b"avis") else "heif"
    return None


def image_format(body: bytes) -> str | None:
    """The image format ``body`` starts with (jpeg, png, gif, webp, avif, heif, tiff, bmp, ico, jxl, jp2), or None."""
    head = body[:64]
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if brand := _ftyp_brand(head):
        return brand
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:2] == b"BM" and len(head) >= 18 and struct.unpack("<I", head[14:18])[0] in _BMP_DIB_SIZES:
        return "bmp"
    if head[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "ico"
    if head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return "jxl"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return "jp2"
    return None
