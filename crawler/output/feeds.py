"""Item outputs by file extension (``--out``, ``CIVIL_OUT``) and the optional item fields (``--item-fields``).

JSON Lines (``.jsonl``, ``.jl``, and ``-`` for standard output) goes through crawler.output.pipelines.JsonLinesItems,
one whole line appended per item (a kill loses at most the line in flight; jobs resume from it). JSON, CSV and
XML go through Scrapy's own feed exporters (the ``FEEDS`` setting), each item redacted first
(crawler.output.pipelines.RedactedItems); they are whole documents, complete once the crawl closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.http import Response, TextResponse

FORMATS = {".jsonl": "jsonlines", ".jl": "jsonlines", ".json": "json", ".csv": "csv", ".xml": "xml"}
BASE_FIELDS = ["url", "status", "fetched_at", "title", "text", "links"]
EXTRA_FIELDS = ("html", "headers", "content_type", "encoding", "depth", "referer")
JSONL_PIPELINE = "crawler.output.pipelines.JsonLinesItems"
REDACT_PIPELINE = "crawler.output.pipelines.RedactedItems"


def feed_format(path: str) -> str:
    """Scrapy's feed format for an output path by its extension; raises ValueError for any other."""
    if path in ("-", "/dev/null", "/dev/stdout", "/dev/stderr"):
        return "jsonlines"
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path!r}: cannot tell the format from its extension; use .jsonl (JSON Lines, "
                         "written as it goes), .json, .csv or .xml, or - for JSON Lines on standard output")
    return fmt


def parse_item_fields(text: str) -> list[str]:
    """``html,headers`` -> the extra item fields, each checked (ValueError names the unknown one)."""
    fields = [f.strip() for f in text.split(",") if f.strip()]
    for name in fields:
        if name not in EXTRA_FIELDS:
            raise ValueError(f"expected fields from {', '.join(EXTRA_FIELDS)} (comma-separated); "
                             f"unknown item field {name!r}")
    return list(dict.fromkeys(fields))


def configure(settings: Any) -> None:
    """The add-on's part: the pipeline, and for JSON, CSV and XML the Scrapy feed, for ``CIVIL_OUT``."""
    path = settings.get("CIVIL_OUT")
    if not path:
        return
    fmt = feed_format(str(path))
    if fmt == "jsonlines":
        settings.set_in_component_priority_dict("ITEM_PIPELINES", JSONL_PIPELINE, 900)
        return
    settings.set_in_component_priority_dict("ITEM_PIPELINES", REDACT_PIPELINE, 900)
    fields = BASE_FIELDS + (["images"] if settings.getbool("CIVIL_IMAGES") else [])
    fields += [f for f in settings.getlist("CIVIL_ITEM_FIELDS") if f not in fields]
    uri = Path(path).expanduser().resolve().as_uri().replace("%", "%%")  # FEEDS keys are %-templates
    feeds = dict(settings.getdict("FEEDS"))
    feeds[uri] = {"format": fmt, "encoding": "utf-8", "overwrite": True, "fields": fields,
                  **({"indent": 1} if fmt in ("json", "xml") else {})}
    settings.set("FEEDS", feeds, "cmdline")


def extra_fields(response: Response, fields: list[str]) -> dict[str, Any]:
    """The asked-for extra fields of a page's item."""
    out: dict[str, Any] = {}
    text = isinstance(response, TextResponse)
    for name in fields:
        if name == "html":
            out["html"] = response.text if text else None
        elif name == "headers":
            out["headers"] = {k.decode("latin-1"): ", ".join(v.decode("latin-1") for v in vs)
                              for k, vs in response.headers.items()}
        elif name == "content_type":
            value = response.headers.get("Content-Type")
            out["content_type"] = value.decode("latin-1") if value else None
        elif name == "encoding":
            out["encoding"] = response.encoding if isinstance(response, TextResponse) else None
        elif name == "depth":
            out["depth"] = response.meta.get("depth", 0)
        elif name == "referer":
            ref = response.request.headers.get("Referer") if response.request is not None else None
            out["referer"] = ref.decode("latin-1") if ref else None
    return out
