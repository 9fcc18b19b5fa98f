"""Each source's health for the sources page and API: last success, last error, items per
day, and for watched sources the fetcher's view (health, schedule, run of failures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from storyline.fetch import registry
from storyline.serve.queries import item_time_col
from storyline.store import schema as t
from storyline.store.db import Store

_UTC = t.UTCDateTime()


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's health: when it last worked, its last error, how much it brings."""

    id: str
    name: str
    kind: str
    location: str
    created_at: datetime
    last_ingest_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    item_count: int
    last_item_at: datetime | None
    items_per_day: float
    # Watched sources only (``storyline sources add``): the fetcher's view of them.
    watched: bool = False
    health: str | None = None  # paused, new, ok, failing, down (failing for a day)
    url: str | None = None
    every: int | None = None
    paused: bool = False
    consecutive_failures: int = 0
    failing_since: datetime | None = None



def sources_health(store: Store, now: datetime | None = None) -> list[SourceHealth]:
    """Every source with its health and how many items a day it brought over its life."""
    now = now or datetime.now(UTC)
    with store.engine.connect() as conn:
        stats = {
            source_id: (int(n), first, last)
            for source_id, n, first, last in conn.execute(
                select(
                    t.items.c.source_id,
                    func.count(),
                    func.min(item_time_col),
                    func.max(item_time_col),
                ).group_by(t.items.c.source_id)
            )
        }
        rows = conn.execute(select(t.sources).order_by(t.sources.c.name)).all()
    watched = {status.source.id: status for status in registry.source_statuses(store, now)}
    out = []
    for r in rows:
        status = watched.get(r.id)
        watch: dict[str, Any] = {}
        if status is not None:
            w = status.source
            watch = {
                "watched": True,
                "health": status.health,
                "url": w.url,
                "every": w.every,
                "paused": w.paused,
                "consecutive_failures": w.consecutive_failures,
                "failing_since": w.failing_since,
                # The fetcher's record is the fresher one for a watched source.
                "last_ingest_at": w.last_attempt_at or r.last_ingest_at,
                "last_error": w.last_error if w.consecutive_failures else r.last_error,
            }
        n, first_raw, last_raw = stats.get(r.id, (0, None, None))
        first = _UTC.process_result_value(first_raw, store.engine.dialect)
        last = _UTC.process_result_value(last_raw, store.engine.dialect)
        days = max(1.0, ((last - first).total_seconds() / 86400) if first and last else 1.0)
        out.append(
            SourceHealth(
                id=r.id,
                name=r.name,
                kind=r.kind,
                location=r.location,
                created_at=r.created_at,
                last_success_at=r.last_success_at,
                item_count=n,
                last_item_at=last,
                items_per_day=round(n / days, 1),
                **{"last_ingest_at": r.last_ingest_at, "last_error": r.last_error, **watch},
            )
        )
    return out


