"""Export of every item, with all its fields, facts and story, for analysis elsewhere."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from storyline.store import reads
from storyline.store.db import Store

EXPORT_FORMATS = ("jsonl", "csv")
_LIST_FIELDS = ("authors", "categories", "flags", "facts")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def item_record(view: reads.ItemView) -> dict[str, Any]:
    """One item as a flat record: every field, its source name, story id and facts."""
    record = {k: _plain(v) for k, v in asdict(view.item).items()}
    record["media_type"] = str(view.item.media_type)
    record["source_name"] = view.source_name
    record["story_id"] = view.link.story_id if view.link else None
    record["story_score"] = view.link.score if view.link else None
    return record


def write_export(store: Store, out: TextIO, fmt: str) -> int:
    """Write every item to ``out`` as JSON Lines or CSV; returns the number written."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    count = 0
    writer: csv.DictWriter[str] | None = None
    for view in reads.iter_items(store):
        record = item_record(view)
        if fmt == "jsonl":
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            flat = {
                k: json.dumps(v, ensure_ascii=False) if k in _LIST_FIELDS else v
                for k, v in record.items()
            }
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(flat))
                writer.writeheader()
            writer.writerow(flat)
        count += 1
    return count
