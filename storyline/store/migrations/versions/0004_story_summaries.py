"""store: per-story summaries kept by the write path, backfilled for existing stories

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storyline.store import summaries

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The table as this revision creates it: the backfill writes through this definition, not
# the live schema module, so a later revision that changes the table cannot break this one.
_summaries = sa.table(
    "story_summaries",
    sa.column("story_id", sa.String(32)),
    sa.column("teaser", sa.Text()),
    sa.column("sources", sa.JSON()),
    sa.column("places", sa.JSON()),
    sa.column("per_day", sa.JSON()),
    sa.column("facts", sa.JSON()),
)
_stories = sa.table("stories", sa.column("id", sa.String(32)))


def upgrade() -> None:
    op.create_table(
        "story_summaries",
        sa.Column("story_id", sa.String(length=32), nullable=False),
        sa.Column("teaser", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("per_day", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"]),
        sa.PrimaryKeyConstraint("story_id"),
    )
    # Backfill every existing story, 500 at a time (grouped queries over their links).
    conn = op.get_bind()
    ids = [str(r[0]) for r in conn.execute(sa.select(_stories.c.id).order_by(_stories.c.id))]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        computed = summaries.compute(conn, chunk)
        conn.execute(
            _summaries.insert(), [summaries.to_row(i, computed[i]) for i in chunk]
        )


def downgrade() -> None:
    op.drop_table("story_summaries")
