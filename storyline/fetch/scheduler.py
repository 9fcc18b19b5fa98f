"""When each source is due, how failures back off, and what a fetch does to a source's health.

A healthy source is due ``every`` seconds after its last attempt. A failing one backs off
exponentially (with jitter, capped at six hours, never sooner than its own interval) so that a
dead server is not hammered, and a ``Retry-After`` is always honoured. Failures are recorded,
never hidden: the source keeps its place, its consecutive failures and the time the failures
began, from which the CLI and the sources page flag a source failing for a day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from storyline.fetch.fetcher import NOT_MODIFIED, FetchResult
from storyline.fetch.registry import WatchedSource, row_to_source, select_watched
from storyline.fetch.tables import fetch_log, source_settings
from storyline.store.db import Store

MAX_BACKOFF = timedelta(hours=6)
LOG_DAYS = 30  # fetch_log rows older than this are pruned: enough for items per day and why


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a fetch pass did to one source, as recorded."""

    source_id: str
    ok: bool
    status: int | None
    items_new: int
    error: str | None
    duration: float


def due_sources(store: Store, now: datetime, *, due_only: bool = True) -> list[WatchedSource]:
    """Sources to fetch now, the most overdue first; paused sources never are."""
    query = select_watched().where(source_settings.c.paused.is_(False))
    if due_only:
        query = query.where(
            or_(source_settings.c.next_due_at.is_(None), source_settings.c.next_due_at <= now)
        )
    query = query.order_by(source_settings.c.next_due_at, source_settings.c.source_id)
    with store.engine.connect() as conn:
        return [row_to_source(r) for r in conn.execute(query).mappings()]


def next_wake(store: Store, now: datetime) -> datetime | None:
    """When the next source falls due (None when nothing is watched)."""
    with store.engine.connect() as conn:
        value = conn.execute(
            select(source_settings.c.next_due_at)
            .where(source_settings.c.paused.is_(False))
            .order_by(source_settings.c.next_due_at)
            .limit(1)
        ).scalar()
    if not isinstance(value, datetime):
        return None
    return max(value, now)


def backoff(source: WatchedSource, failures: int, rng: random.Random) -> timedelta:
    """Delay before the next try after ``failures`` consecutive failures."""
    base = timedelta(seconds=source.every) * (2 ** max(failures - 1, 0))
    capped = min(base, max(MAX_BACKOFF, timedelta(seconds=source.every)))
    # Jitter spreads out sources that failed together (one host down takes many with it).
    jittered: timedelta = capped * rng.uniform(0.8, 1.0)
    return jittered


def record_fetch(
    store: Store,
    source: WatchedSource,
    result: FetchResult,
    now: datetime,
    *,
    items_new: int = 0,
    parse_error: str | None = None,
    rng: random.Random | None = None,
) -> Outcome:
    """Record one fetch: validators, next due time, health, a fetch-log row.

    Called only after the source's items are committed, so a crash in between costs a
    refetch (whose items are already stored and skipped), never a lost item.
    """
    rng = rng or random.Random()
    error = parse_error or (None if result.ok else result.error)
    ok = error is None
    values: dict[str, object] = {
        "last_attempt_at": now,
        "last_status": result.status,
        "fetch_count": source.fetch_count + 1,
    }
    retry_at = None
    if result.retry_after is not None:
        retry_at = now + timedelta(seconds=result.retry_after)
    values["retry_after_at"] = retry_at
    if ok:
        values.update(
            last_success_at=now,
            last_error=None,
            consecutive_failures=0,
            failing_since=None,
            next_due_at=now + timedelta(seconds=source.every),
        )
        if result.outcome != NOT_MODIFIED or result.etag or result.last_modified:
            values.update(etag=result.etag, last_modified=result.last_modified)
    else:
        failures = source.consecutive_failures + 1
        due = now + backoff(source, failures, rng)
        if retry_at is not None:
            due = max(due, retry_at)
        values.update(
            last_error=error,
            consecutive_failures=failures,
            failing_since=source.failing_since or now,
            next_due_at=due,
        )
        if parse_error is not None:
            # The body changed but could not be read: fetch it whole next time.
            values.update(etag=None, last_modified=None)
    with store.engine.begin() as conn:
        conn.execute(
            source_settings.update()
            .where(source_settings.c.source_id == source.id)
            .values(**values)
        )
        conn.execute(
            fetch_log.insert().values(
                source_id=source.id,
                at=now,
                status=result.status,
                outcome=result.outcome if ok else "error",
                items_new=items_new,
                error=error,
                duration=result.duration,
            )
        )
    store.record_source_result(source.id, now, error)
    return Outcome(source.id, ok, result.status, items_new, error, result.duration)


def prune_log(store: Store, now: datetime, days: int = LOG_DAYS) -> int:
    """Drop fetch-log rows older than ``days``; returns how many went."""
    with store.engine.begin() as conn:
        result = conn.execute(fetch_log.delete().where(fetch_log.c.at < now - timedelta(days=days)))
        return int(result.rowcount or 0)
