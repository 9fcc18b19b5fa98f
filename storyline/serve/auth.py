"""API tokens: created by ``storyline token create``, kept only as sha256 hashes.

Writes through the API always need a token; reads need one when the server is configured so.
A token is accepted as ``Authorization: Bearer ...``; the pages also accept it from the
cookie set by the login form, and feeds from ``?token=`` because feed readers cannot send
headers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from storyline.serve import tables
from storyline.store.db import Store

TOKEN_PREFIX = "sl_"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    id: str
    name: str
    can_write: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    store: Store, name: str, can_write: bool = True, now: datetime | None = None
) -> tuple[str, str]:
    """Create a token; returns (id, token). The token is shown once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(6)
    with store.engine.begin() as conn:
        conn.execute(
            tables.api_tokens.insert().values(
                id=token_id,
                name=name,
                token_hash=hash_token(token),
                can_write=can_write,
                created_at=now or datetime.now(UTC),
            )
        )
    return token_id, token


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token, newest first, revoked ones included."""
    c = tables.api_tokens.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                c.id, c.name, c.can_write, c.created_at, c.last_used_at, c.revoked_at
            ).order_by(c.created_at.desc(), c.id)
        ).all()
    return [TokenInfo(*row) for row in rows]


def revoke_token(store: Store, token_id: str, now: datetime | None = None) -> bool:
    """Revoke a token by id; False when there is no such active token."""
    c = tables.api_tokens.c
    with store.engine.begin() as conn:
        result = conn.execute(
            tables.api_tokens.update()
            .where(c.id == token_id)
            .where(c.revoked_at.is_(None))
            .values(revoked_at=now or datetime.now(UTC))
        )
    return bool(result.rowcount)


def check_token(store: Store, token: str | None, need_write: bool) -> bool:
    """True when a token is valid (not revoked) and allows what is asked."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return False
    digest = hash_token(token)
    c = tables.api_tokens.c
    with store.engine.connect() as conn:
        row = conn.execute(
            select(c.id, c.token_hash, c.can_write, c.revoked_at).where(c.token_hash == digest)
        ).first()
    if row is None or row.revoked_at is not None:
        return False
    # The lookup is by hash already; compare again in constant time for good measure.
    if not hmac.compare_digest(row.token_hash, digest):
        return False
    return bool(row.can_write) or not need_write


def touch_token(store: Store, token: str, now: datetime | None = None) -> None:
    """Record a write made with a token (reads are not recorded: they would cost a write)."""
    c = tables.api_tokens.c
    with store.engine.begin() as conn:
        conn.execute(
            tables.api_tokens.update()
            .where(c.token_hash == hash_token(token))
            .values(last_used_at=now or datetime.now(UTC))
        )
