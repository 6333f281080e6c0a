"""read_metadata: EXIF GPS/serials/owner, XMP face regions, persons, plus:DataMining per purpose."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from crawler.images.metadata import MetadataFindings, read_metadata
from tests.test_images_support import encode, gradient

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'


def xmp(body: str, ns: str = "") -> str:
    return (f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            f'<rdf:RDF {RDF}><rdf:Description rdf:about="" {ns}>{body}</rdf:Description></rdf:RDF>'
            f'</x:xmpmeta><?xpacket end="w"?>')


FACE_REGION = xmp(
    '<mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>'
    '<rdf:li rdf:parseType="Resource"><mwg-rs:Name>Jane Doe</mwg-rs:Name><mwg-rs:Type>{type}</mwg-rs:Type>'
    '<mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1" stArea:unit="normalized"/>'
    '</rdf:li></rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>',
    'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
    'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"')
MP_REGION = xmp(
    '<MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag><rdf:li rdf:parseType="Resource">'
    '<MPReg:PersonDisplayName>Jane Doe</MPReg:PersonDisplayName><MPReg:Rectangle>0.1, 0.2, 0.3, 0.4</MPReg:Rectangle>'
    '</rdf:li></rdf:Bag></MPRI:Regions></MP:RegionInfo>',
    'xmlns:MP="http://ns.microsoft.com/photo/1.2/" xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#" '
    'xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"')
IPTC = 'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
PERSON = xmp("<Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Jane Doe</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>", IPTC)
NO_PERSON = xmp("<Iptc4xmpExt:PersonInImage><rdf:Bag/></Iptc4xmpExt:PersonInImage>", IPTC)
PLUS = 'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"'


def dmi(value: str, as_attribute: bool = True) -> str:
    uri = f"http://ns.useplus.org/ldf/vocab/{value}"
    if as_attribute:
        return xmp("", f'{PLUS} plus:DataMining="{uri}"')
    return xmp(f'<plus:DataMining rdf:resource="{uri}"/>', PLUS)


def check_jpeg(exif: Image.Exif | None = None, xmp_packet: str | None = None, purpose: str = "research"):
    options = {}
    if exif is not None:
        options["exif"] = exif
    if xmp_packet is not None:
        options["xmp"] = xmp_packet.encode()
    data = encode(gradient(64, 48), "JPEG", **options)
    return read_metadata(Image.open(io.BytesIO(data)), data, purpose)


def exif_with(ifd: ExifTags.IFD | None, tags: dict) -> Image.Exif:
    exif = Image.Exif()
    target = exif.get_ifd(ifd) if ifd is not None else exif
    target.update(tags)
    return exif


def test_clean_image_has_no_findings():
    assert check_jpeg() == MetadataFindings()


def test_gps_coordinates_are_personal():
    exif = exif_with(ExifTags.IFD.GPSInfo, {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    assert check_jpeg(exif).personal == ("GPSInfo.GPSLatitude", "GPSInfo.GPSLongitude")


def test_gps_without_coordinates_or_all_zero_is_not_personal():
    assert check_jpeg(exif_with(ExifTags.IFD.GPSInfo, {0: b"\x02\x02\x00\x00"})).personal == ()
    assert check_jpeg(exif_with(ExifTags.IFD.GPSInfo, {2: (0.0, 0.0, 0.0), 4: (0.0, 0.0, 0.0)})).personal == ()


@pytest.mark.parametrize("tag,name", [(42033, "BodySerialNumber"), (42037, "LensSerialNumber"), (42032, "CameraOwnerName")])
def test_serials_and_owner_are_personal(tag, name):
    assert check_jpeg(exif_with(ExifTags.IFD.Exif, {tag: "A1B2C3"})).personal == (name,)


def test_placeholder_serial_is_not_personal():
    assert check_jpeg(exif_with(ExifTags.IFD.Exif, {42033: "0000000000"})).personal == ()


def test_artist_and_unique_id_are_not_counted():
    exif = exif_with(None, {315: "Jane Doe"})
    exif.get_ifd(ExifTags.IFD.Exif)[42016] = "0123456789abcdef"
    assert check_jpeg(exif).personal == ()


@pytest.mark.parametrize("packet,field", [
    (FACE_REGION.replace("{type}", "Face"), "mwg-rs:Regions(Face)"),
    (MP_REGION, "MP:RegionInfo(person)"),
    (PERSON, "Iptc4xmpExt:PersonInImage"),
    (xmp("", f'{IPTC} Iptc4xmpExt:PersonInImage="Jane Doe"'), "Iptc4xmpExt:PersonInImage"),
    (xmp('<exif:GPSLatitude>48,51.48N</exif:GPSLatitude>', 'xmlns:exif="http://ns.adobe.com/exif/1.0/"'),
     "xmp:GPSLatitude"),
    (xmp("", 'xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" aux:SerialNumber="123456"'), "aux:SerialNumber"),
])
def test_xmp_personal_fields(packet, field):
    assert check_jpeg(xmp_packet=packet).personal == (field,)


def test_non_face_region_and_empty_person_list_are_not_personal():
    assert check_jpeg(xmp_packet=FACE_REGION.replace("{type}", "Pet")).personal == ()
    assert check_jpeg(xmp_packet=NO_PERSON).personal == ()


@pytest.mark.parametrize("value,refused_for", [
    ("DMI-ALLOWED", set()),
    ("DMI-UNSPECIFIED", set()),
    ("DMI-PROHIBITED-AIMLTRAINING", {"ai-train"}),
    ("DMI-PROHIBITED-GENAIMLTRAINING", {"ai-train"}),
    ("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", {"ai-train", "research"}),
    ("DMI-PROHIBITED", {"ai-train", "research", "archive"}),
    ("DMI-PROHIBITED-SEECONSTRAINT", {"ai-train", "research", "archive"}),
])
def test_data_mining_per_purpose(value, refused_for):
    for purpose in ("search", "archive", "research", "ai-train"):
        for as_attribute in (True, False):
            found = check_jpeg(xmp_packet=dmi(value, as_attribute), purpose=purpose)
            assert found.personal == ()
            assert found.usage == ((f"plus:DataMining={value}",) if purpose in refused_for else ()), (purpose, as_attribute)


def test_malformed_xmp_falls_back_to_text():
    broken = PERSON.replace("</rdf:Description>", "")  # no longer well-formed
    assert check_jpeg(xmp_packet=broken).personal == ("Iptc4xmpExt:PersonInImage",)
    broken_dmi = dmi("DMI-PROHIBITED").replace("</rdf:RDF>", "")
    assert check_jpeg(xmp_packet=broken_dmi, purpose="ai-train").usage == ("plus:DataMining=DMI-PROHIBITED",)


def test_entity_bomb_in_xmp_is_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>') + PERSON.replace("Jane Doe", "&c;")
    found = check_jpeg(xmp_packet=bomb)
    assert found.error is None  # judged by the text fallback, without expanding entities
    assert found.personal == ("Iptc4xmpExt:PersonInImage",)


def test_xmp_in_png_webp_and_gif():
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", PERSON, zip=True)  # compressed: only Pillow's reader finds it
    png = encode(gradient(32, 32), "PNG", pnginfo=info)
    assert read_metadata(Image.open(io.BytesIO(png)), png).personal == ("Iptc4xmpExt:PersonInImage",)
    webp = encode(gradient(32, 32), "WEBP", xmp=PERSON.encode())
    assert read_metadata(Image.open(io.BytesIO(webp)), webp).personal == ("Iptc4xmpExt:PersonInImage",)
    # GIF: an XMP application extension that Pillow does not read; found in the raw bytes.
    gif = encode(gradient(32, 32), "GIF")
    body = PERSON.encode()
    gif = gif[:-1] + b"\x21\xff\x0bXMP DataXMP" + body + bytes([1] + list(range(255, -1, -1))) + b"\x00" + gif[-1:]
    assert read_metadata(Image.open(io.BytesIO(gif)), gif).personal == ("Iptc4xmpExt:PersonInImage",)


def test_unknown_purpose_is_an_error():
    with pytest.raises(ValueError, match="unknown purpose"):
        check_jpeg(purpose="marketing")
