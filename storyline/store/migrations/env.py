"""Alembic environment: runs migrations on the connection the store hands over.

The store passes its open connection in ``config.attributes["connection"]``, so migrations run
inside the same engine configuration (WAL, foreign keys) as everything else.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storyline.fetch.tables
import storyline.serve.tables  # noqa: F401 - these modules add their tables to the metadata
from storyline.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # the alembic command line, for developers writing a new revision
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///storyline.db"
    with create_engine(url).connect() as conn:
        _run(conn)
