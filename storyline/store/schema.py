"""Tables, in SQLAlchemy Core, so SQLite and PostgreSQL share one definition.

The migrations in ``migrations/versions`` create exactly these tables; a test checks that the
migrated database matches this metadata, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as aware UTC, on every backend.

    SQLite keeps no time zone; normalising on the way in makes ordering and comparison agree
    between SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to naive UTC before writing."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach UTC after reading."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("location", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_ingest_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
)

items = Table(
    "items",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("source_id", String(32), ForeignKey("sources.id"), nullable=False, index=True),
    Column("url", Text),
    Column("canonical_url", Text),
    Column("published_at", UTCDateTime, index=True),
    Column("published_estimated", Boolean, nullable=False, default=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("headline", Text, nullable=False),
    Column("teaser", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("kicker", Text),
    Column("media_type", String(16), nullable=False),
    Column("language", String(8)),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("raw_text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("authors", JSON, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("split_confidence", Float),
    Column("duplicate_of", String(32)),
)

stories = Table(
    "stories",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", Text, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False, index=True),
    Column("item_count", Integer, nullable=False),
    Column("duplicate_count", Integer, nullable=False, default=0),
    Column("source_count", Integer, nullable=False),
)

item_story = Table(
    "item_story",
    metadata,
    Column("item_id", String(32), ForeignKey("items.id"), primary_key=True),
    Column("story_id", String(32), ForeignKey("stories.id"), nullable=False, index=True),
    Column("score", Float, nullable=False),
    Column("explanation", JSON, nullable=False),
)

facts = Table(
    "facts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(32), ForeignKey("items.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Column("surface", Text, nullable=False),
    Column("field", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("component", String(32), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("extra", JSON, nullable=False),
    Index("ix_facts_kind_value", "kind", "value"),
)

# Derived from a story's links by the write path (store/summaries.py): what the story page
# and the story cards show about all of a story's items, so that they read one row.
story_summaries = Table(
    "story_summaries",
    metadata,
    Column("story_id", String(32), ForeignKey("stories.id"), primary_key=True),
    Column("teaser", Text, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("places", JSON, nullable=False),
    Column("per_day", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
)

story_aliases = Table(
    "story_aliases",
    metadata,
    Column("alias", String(32), primary_key=True),
    Column("story_id", String(32), nullable=False, index=True),
)

story_events = Table(
    "story_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("story_id", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("other_ids", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", JSON, nullable=False),
)

split_corrections = Table(
    "split_corrections",
    metadata,
    Column("line_hash", String(64), primary_key=True),
    Column("raw_text", Text, nullable=False),
    Column("headline", Text, nullable=False),
    Column("teaser", Text, nullable=False),
    Column("kicker", Text),
    Column("created_at", UTCDateTime, nullable=False),
)
