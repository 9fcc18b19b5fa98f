"""The fetcher's tables, defined on the shared metadata so one migration check covers them.

``source_settings`` holds what the user asked for (URL, interval, full text, private addresses,
paused) and what the fetcher learnt (validators for conditional GET, when the source is due,
its health); ``fetch_log`` keeps one row per attempt, for items-per-day figures and for seeing
why a source fails. Both hang off the ``sources`` table the ingest already fills.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text

from storyline.store.schema import UTCDateTime, metadata

source_settings = Table(
    "source_settings",
    metadata,
    Column("source_id", String(32), ForeignKey("sources.id"), primary_key=True),
    Column("url", Text, nullable=False),
    Column("every_seconds", Integer, nullable=False),
    Column("full_text", Boolean, nullable=False, default=False),
    Column("allow_private", Boolean, nullable=False, default=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("added_at", UTCDateTime, nullable=False),
    # Validators from the last full response, sent back for a conditional GET.
    Column("etag", Text),
    Column("last_modified", Text),
    Column("next_due_at", UTCDateTime, index=True),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    # When the current run of failures began: a source failing for a day is flagged.
    Column("failing_since", UTCDateTime),
    Column("retry_after_at", UTCDateTime),
    Column("fetch_count", Integer, nullable=False, default=0),
)

fetch_log = Table(
    "fetch_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(32), ForeignKey("sources.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("status", Integer),
    Column("outcome", String(16), nullable=False),
    Column("items_new", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("duration", Float, nullable=False, default=0.0),
)
