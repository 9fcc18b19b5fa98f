"""Telling what an input is from its content, not only its name."""

from __future__ import annotations

import csv
import json
import re
from enum import StrEnum

from charset_normalizer import from_bytes


class Format(StrEnum):
    """Input formats storyline reads."""

    FEED = "feed"
    JSONL = "jsonl"
    CSV = "csv"
    LISTING = "listing"
    HTML = "html"


_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(rss|feed|RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.IGNORECASE)
_HEADLINE_COLUMNS = {"headline", "title"}


def decode_text(data: bytes) -> str:
    """Bytes as text: UTF-8 (with or without BOM) when valid, else the best detected charset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return data.decode("latin-1")
    # charset-normalizer often ties several single-byte code pages on Western text; the tie
    # goes to windows-1252, the web's default for legacy Western pages (WHATWG Encoding).
    for match in matches:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence
        ):
            return str(match)
    return str(best)


def detect_format(data: bytes, name: str = "", content_type: str | None = None) -> Format:
    """The format of an input, from its first bytes, then its content type and name."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if _FEED_ROOT.search(head):
            return Format.FEED
        if _HTML_ROOT.search(head):
            return Format.HTML
        if head.startswith(b"<?xml"):
            return Format.FEED  # some feeds put a stylesheet or comment first; feedparser decides
    first = head.split(b"\n", 1)[0].strip()
    if first.startswith(b"{"):
        try:
            json.loads(decode_text(first))
            return Format.JSONL
        except ValueError:
            pass
    if _looks_like_csv(decode_text(data[:4096])):
        return Format.CSV
    lowered_type = (content_type or "").lower()
    if "xml" in lowered_type or "rss" in lowered_type or "atom" in lowered_type:
        return Format.FEED
    lowered_name = name.lower()
    if lowered_name.endswith((".rss", ".atom", ".xml")):
        return Format.FEED
    return Format.LISTING


def _looks_like_csv(text: str) -> bool:
    lines = text.splitlines()
    if len(lines) < 2:
        return False
    for delimiter in ",\t;":
        try:
            header = next(csv.reader([lines[0]], delimiter=delimiter))
        except csv.Error:
            continue
        columns = {column.strip().lower() for column in header}
        if len(header) >= 2 and columns & _HEADLINE_COLUMNS:
            return True
    return False
