"""The JSON shapes of the API, and CSV / JSON Lines streaming of any list.

Items use the CLI export's record (``storyline.export.item_record``), so an item looks the
same in ``storyline export``, in the API and in a downloaded list.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any

from storyline.export import item_record
from storyline.serve.health import SourceHealth
from storyline.serve.queries import StoryCard, StoryDetail
from storyline.store.reads import ItemView


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def story_record(card: StoryCard) -> dict[str, Any]:
    """A story as the API lists it."""
    return {
        "id": card.id,
        "title": card.title,
        "teaser": card.teaser,
        "item_count": card.item_count,
        "duplicate_count": card.duplicate_count,
        "source_count": card.source_count,
        "sources": card.sources,
        "countries": [{"code": code, "items": n} for code, n in card.countries],
        "first_seen": card.first_seen.isoformat(),
        "last_seen": card.last_seen.isoformat(),
        "items_per_day": [{"day": d.isoformat(), "items": n} for d, n in card.per_day],
    }


def item_json(view: ItemView) -> dict[str, Any]:
    """An item with every field, its facts, story and why it is in the story."""
    record = item_record(view)
    record["explanation"] = view.link.explanation if view.link else None
    return record


def story_detail_record(detail: StoryDetail) -> dict[str, Any]:
    """A story with one page of its timeline, facts and history."""
    return {
        **story_record(detail.card),
        "facts": {
            kind: [{"value": v, "items": n} for v, n in values]
            for kind, values in detail.facts.items()
        },
        "aliases": detail.aliases,
        "events": [{k: _plain(v) for k, v in e.items()} for e in detail.events],
        "timeline": [
            {**item_json(e.view), "duplicates": [item_json(c) for c in e.duplicates]}
            for e in detail.timeline
        ],
        "next_cursor": detail.next_cursor,
    }


def source_record(source: SourceHealth) -> dict[str, Any]:
    """A source with its health."""
    return {k: _plain(v) for k, v in asdict(source).items()}


def _flat(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def stream_records(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """Records as JSON Lines or CSV text chunks (nested values JSON-encoded in CSV)."""
    writer: csv.DictWriter[str] | None = None
    buffer = io.StringIO()
    for row in rows:
        if fmt == "jsonl":
            yield json.dumps(row, ensure_ascii=False) + "\n"
            continue
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _flat(v) for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def all_pages(
    fetch: Callable[[str | None], tuple[list[Any], str | None]], limit: int = 1_000_000
) -> Iterator[Any]:
    """Every row of a cursor-paginated list, page after page (for exports)."""
    cursor: str | None = None
    count = 0
    while True:
        rows, cursor = fetch(cursor)
        for row in rows:
            yield row
            count += 1
            if count >= limit:
                return
        if cursor is None:
            return
