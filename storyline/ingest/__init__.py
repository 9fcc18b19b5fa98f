"""Ingest: bytes from a path, URL or stdin become items, whatever the format."""

from __future__ import annotations

from storyline.ingest.detect import Format, decode_text, detect_format
from storyline.ingest.feeds import parse_feed
from storyline.ingest.inputs import RawInput
from storyline.ingest.listing import parse_listing
from storyline.ingest.records import ParseContext, Parsed
from storyline.ingest.tabular import parse_csv, parse_jsonl

__all__ = ["Format", "ParseContext", "Parsed", "parse_input"]


def parse_input(raw: RawInput, ctx: ParseContext) -> tuple[Format, Parsed]:
    """Detect the format of an input from its content and parse it."""
    fmt = detect_format(raw.data, raw.source.location, raw.content_type)
    if fmt is Format.FEED:
        return fmt, parse_feed(raw.data, ctx)
    if fmt is Format.HTML:
        # Imported here: the page parser pulls in trafilatura and lxml, which only pages need.
        from storyline.ingest.html import parse_page

        url = raw.source.location if raw.source.kind == "url" else ""
        return fmt, parse_page(raw.data, ctx, url, raw.content_type)[1]
    text = decode_text(raw.data)
    if fmt is Format.JSONL:
        return fmt, parse_jsonl(text, ctx)
    if fmt is Format.CSV:
        return fmt, parse_csv(text, ctx)
    return fmt, parse_listing(text, ctx)
