"""What a parser hands on: items, plus one-line warnings and rejections naming the source."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from storyline.ids import canonical_url, content_hash, item_id
from storyline.model import Item, MediaType, Source


@dataclass(slots=True)
class Parsed:
    """The outcome of parsing one input."""

    items: list[Item] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    rejected: list[str] = dataclasses.field(default_factory=list)
    # Sources named inside the input (a CSV "source" column), by id.
    sources: dict[str, Source] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What every parser needs to know about the input it reads."""

    source_id: str
    source_name: str
    now: datetime
    # A publication date for inputs that carry none (listings); else ``now`` is used.
    default_published: datetime | None = None


def build_item(
    ctx: ParseContext,
    *,
    raw_text: str,
    headline: str = "",
    teaser: str = "",
    body: str = "",
    url: str | None = None,
    published: datetime | None = None,
    kicker: str | None = None,
    media_type: MediaType = MediaType.TEXT,
    language: str | None = None,
    authors: list[str] | None = None,
    categories: list[str] | None = None,
) -> Item:
    """An item with its deterministic id, content hash and honest publication time."""
    flags: list[str] = []
    estimated = published is None
    if published is None:
        if ctx.default_published is not None:
            published = ctx.default_published
            flags.append("published: date given for the whole input")
        else:
            published = ctx.now
            flags.append("published: ingest time")
    elif published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    identity_text = raw_text or f"{headline}\n{teaser}"
    return Item(
        id=item_id(ctx.source_id, identity_text, url),
        source_id=ctx.source_id,
        raw_text=raw_text,
        headline=headline,
        teaser=teaser,
        body=body,
        url=url,
        canonical_url=canonical_url(url),
        published=published,
        published_estimated=estimated,
        first_seen=ctx.now,
        kicker=kicker,
        media_type=media_type,
        language=language,
        content_hash=content_hash(f"{headline}\n{teaser}" if headline else raw_text),
        authors=authors or [],
        categories=categories or [],
        flags=flags,
    )
