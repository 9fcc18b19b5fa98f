"""Conversions between model objects and table rows, kept in one place for every query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from storyline.model import Fact, Item, MediaType


def item_row(item: Item) -> dict[str, Any]:
    """The ``items`` row for an item (``first_seen`` must be set)."""
    if item.first_seen is None:
        raise ValueError(f"item {item.id} has no first-seen time")
    return {
        "id": item.id,
        "source_id": item.source_id,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "published_at": item.published,
        "published_estimated": item.published_estimated,
        "first_seen_at": item.first_seen,
        "headline": item.headline,
        "teaser": item.teaser,
        "body": item.body,
        "kicker": item.kicker,
        "media_type": str(item.media_type),
        "language": item.language,
        "truncated": item.truncated,
        "raw_text": item.raw_text,
        "content_hash": item.content_hash,
        "authors": list(item.authors),
        "categories": list(item.categories),
        "flags": list(item.flags),
        "split_confidence": item.split_confidence,
        "duplicate_of": item.duplicate_of,
    }


def fact_rows(item: Item) -> list[dict[str, Any]]:
    """The ``facts`` rows for an item's facts."""
    return [{"item_id": item.id, **asdict(fact)} for fact in item.facts]


def row_to_fact(row: Mapping[Any, Any]) -> Fact:
    """A fact from its row."""
    return Fact(
        kind=row["kind"],
        value=row["value"],
        surface=row["surface"],
        field=row["field"],
        start=row["start"],
        end=row["end"],
        component=row["component"],
        confidence=row["confidence"],
        extra=dict(row["extra"] or {}),
    )


def row_to_item(row: Mapping[Any, Any], facts: Sequence[Fact] = ()) -> Item:
    """An item from its row (and its facts, if read)."""
    return Item(
        id=row["id"],
        source_id=row["source_id"],
        raw_text=row["raw_text"],
        headline=row["headline"],
        teaser=row["teaser"],
        body=row["body"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        published=row["published_at"],
        published_estimated=bool(row["published_estimated"]),
        first_seen=row["first_seen_at"],
        kicker=row["kicker"],
        media_type=MediaType(row["media_type"]),
        language=row["language"],
        truncated=bool(row["truncated"]),
        content_hash=row["content_hash"],
        authors=list(row["authors"] or []),
        categories=list(row["categories"] or []),
        facts=list(facts),
        flags=list(row["flags"] or []),
        split_confidence=row["split_confidence"],
        duplicate_of=row["duplicate_of"],
    )
