"""Tables owned by the server: API tokens and saved searches.

They are added to the store's one ``metadata`` object, so the schema/migration consistency
check covers them; migration ``0003`` creates them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, String, Table, Text

from storyline.store.schema import UTCDateTime, metadata

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    # Only the sha256 of a token is kept: a copied database does not leak working tokens.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("can_write", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

saved_searches = Table(
    "saved_searches",
    metadata,
    # A hash of the normalised query: saving the same search twice gives the same feed URL.
    Column("id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
