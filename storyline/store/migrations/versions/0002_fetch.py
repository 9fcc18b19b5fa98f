"""fetch: watched sources and the fetch log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Registers the fetch tables on the shared metadata, so a migrated database and the metadata
# compared against it agree even when nothing else imported the fetch package.
import storyline.fetch.tables
import storyline.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_settings",
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("full_text", sa.Boolean(), nullable=False),
        sa.Column("allow_private", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("added_at", storyline.store.schema.UTCDateTime(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("next_due_at", storyline.store.schema.UTCDateTime(), nullable=True),
        sa.Column("last_attempt_at", storyline.store.schema.UTCDateTime(), nullable=True),
        sa.Column("last_success_at", storyline.store.schema.UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", storyline.store.schema.UTCDateTime(), nullable=True),
        sa.Column("retry_after_at", storyline.store.schema.UTCDateTime(), nullable=True),
        sa.Column("fetch_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("source_id"),
    )
    with op.batch_alter_table("source_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_settings_next_due_at"), ["next_due_at"], unique=False
        )

    op.create_table(
        "fetch_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("at", storyline.store.schema.UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fetch_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fetch_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_fetch_log_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fetch_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fetch_log_source_id"))
        batch_op.drop_index(batch_op.f("ix_fetch_log_at"))
    op.drop_table("fetch_log")
    with op.batch_alter_table("source_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_settings_next_due_at"))
    op.drop_table("source_settings")
