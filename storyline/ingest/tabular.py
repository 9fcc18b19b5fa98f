"""JSON Lines and CSV with named columns: headline/title, teaser/description, url, published.

Column names are matched case-insensitively against a few common spellings; a record that
cannot be read is rejected with its line number and the run goes on.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from storyline.ids import source_id
from storyline.ingest.records import ParseContext, Parsed, build_item
from storyline.model import Source

COLUMNS: dict[str, tuple[str, ...]] = {
    "headline": ("headline", "title"),
    "teaser": ("teaser", "description", "summary", "abstract", "lead", "dek"),
    "body": ("body", "text", "content"),
    "url": ("url", "link", "href"),
    "published": ("published", "date", "pubdate", "published_at", "datetime", "time"),
    "kicker": ("kicker",),
    "author": ("author", "authors", "byline"),
    "source": ("source", "publisher"),
}


def parse_datetime(value: Any) -> datetime | None:
    """A timestamp from ISO 8601, RFC 2822 or epoch seconds/milliseconds; None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if text.isdigit():
        return parse_datetime(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _pick(record: Mapping[str, Any], field: str) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    for name in COLUMNS[field]:
        value = lowered.get(name)
        if value not in (None, ""):
            return value
    return None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _record_item(record: Mapping[str, Any], ctx: ParseContext, where: str, parsed: Parsed) -> None:
    headline = _text(_pick(record, "headline"))
    teaser = _text(_pick(record, "teaser"))
    if not headline and not teaser:
        parsed.rejected.append(f"{where}: no headline or teaser column with text")
        return
    raw_published = _pick(record, "published")
    published = parse_datetime(raw_published)
    if raw_published is not None and published is None:
        parsed.warnings.append(f"{where}: unreadable date {str(raw_published)[:40]!r}, ignored")
    author = _pick(record, "author")
    authors = (
        [str(a) for a in author] if isinstance(author, list) else ([str(author)] if author else [])
    )
    url = _pick(record, "url")
    named_source = _text(_pick(record, "source"))
    if named_source:
        # A table that mixes publishers keeps each one as its own source.
        source = Source(
            id=source_id("named", named_source),
            name=named_source,
            kind="named",
            location=named_source,
        )
        parsed.sources.setdefault(source.id, source)
        ctx = dataclasses.replace(ctx, source_id=source.id, source_name=named_source)
    parsed.items.append(
        build_item(
            ctx,
            raw_text=f"{headline}\n{teaser}".strip(),
            headline=headline or teaser,
            teaser=teaser if headline else "",
            body=str(_pick(record, "body") or ""),
            url=str(url) if url else None,
            published=published,
            kicker=_text(_pick(record, "kicker")) or None,
            authors=authors,
        )
    )


def parse_jsonl(text: str, ctx: ParseContext) -> Parsed:
    """Items from JSON Lines, one object per line."""
    parsed = Parsed()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{ctx.source_name}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            parsed.rejected.append(f"{where}: invalid JSON ({exc})")
            continue
        if not isinstance(record, dict):
            parsed.rejected.append(f"{where}: a JSON {type(record).__name__}, not an object")
            continue
        _record_item(record, ctx, where, parsed)
    return parsed


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    for row in reader:
        yield reader.line_num, row


def parse_csv(text: str, ctx: ParseContext) -> Parsed:
    """Items from CSV (comma, tab or semicolon) with a header row."""
    parsed = Parsed()
    try:
        for number, row in _csv_rows(text):
            _record_item(row, ctx, f"{ctx.source_name}:{number}", parsed)
    except csv.Error as exc:
        parsed.rejected.append(f"{ctx.source_name}: CSV stopped being readable: {exc}")
    return parsed
