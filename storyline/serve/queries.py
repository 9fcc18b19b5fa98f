"""Read queries behind the pages and the API, beyond the shared ones in ``store/reads.py``.

Lists use keyset cursors (the sort key of the last row shown, not an offset), so a page
stays stable while ingest adds rows, and deep pages cost no more than the first. Stories
are listed by the time of their last update; a story that updates moves to the top, which
is what a front page should do.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Connection,
    and_,
    func,
    or_,
    select,
    true,
)

from storyline.store import reads, summaries
from storyline.store import schema as t
from storyline.store.db import Store
from storyline.store.reads import ItemView

# When an item counts for its story: published, else first seen (as store/db.py has it).
item_time_col = func.coalesce(t.items.c.published_at, t.items.c.first_seen_at)
_UTC = t.UTCDateTime()


class CursorError(ValueError):
    """A cursor that was not made by this server (or by another version of it)."""


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for a sort key."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The sort key inside a cursor; raises CursorError for anything malformed."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise CursorError("malformed cursor") from exc
    if not isinstance(values, list) or len(values) != size:
        raise CursorError("malformed cursor")
    return values


def _time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError as exc:
        raise CursorError("malformed cursor") from exc


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next page (None on the last)."""

    rows: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class StoryCard:
    """A story as the front page shows it."""

    id: str
    title: str
    teaser: str
    item_count: int
    duplicate_count: int
    source_count: int
    sources: list[str]
    countries: list[tuple[str, int]]
    first_seen: datetime
    last_seen: datetime
    per_day: list[tuple[date, int]]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An item of a story's timeline with the exact copies folded under it."""

    view: ItemView
    duplicates: list[ItemView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoryDetail:
    """A story page: the card, one page of its timeline, facts across it, its history."""

    card: StoryCard
    timeline: list[TimelineEntry]
    next_cursor: str | None
    facts: dict[str, list[tuple[str, int]]]
    aliases: list[str]
    events: list[dict[str, Any]]


def _cards(conn: Connection, rows: Sequence[Any]) -> list[StoryCard]:
    """Cards for story rows, from their summaries (one query; see store/summaries.py)."""
    found = summaries.read(conn, [r.id for r in rows])
    return [_card(r, found[r.id]) for r in rows]


def _card(row: Any, summary: summaries.Summary, with_sources: bool = True) -> StoryCard:
    return StoryCard(
        id=row.id,
        title=row.title,
        teaser=summary.teaser,
        item_count=row.item_count,
        duplicate_count=row.duplicate_count,
        source_count=row.source_count,
        sources=list(summary.sources) if with_sources else [],
        countries=list(summary.places),
        first_seen=row.first_seen_at,
        last_seen=row.last_seen_at,
        per_day=_fill_days(summary.per_day),
    )


def _fill_days(counts: dict[date, int], most: int = 60) -> list[tuple[date, int]]:
    """Daily counts with the empty days in between, the last ``most`` days of the story."""
    if not counts:
        return []
    last = max(counts)
    first = max(min(counts), last - timedelta(days=most - 1))
    days = (last - first).days + 1
    return [(first + timedelta(d), counts.get(first + timedelta(d), 0)) for d in range(days)]


def front_page(store: Store, limit: int = 30, cursor: str | None = None) -> Page[StoryCard]:
    """Stories, most recently updated first (bigger first among equals), a page at a time."""
    s = t.stories.c
    query = (
        select(t.stories)
        .order_by(s.last_seen_at.desc(), s.item_count.desc(), s.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        last_seen, count, story_id = decode_cursor(cursor, 3)
        at = _time(last_seen)
        if not isinstance(count, int):
            raise CursorError("malformed cursor")
        query = query.where(
            or_(
                s.last_seen_at < at,
                and_(s.last_seen_at == at, s.item_count < count),
                and_(s.last_seen_at == at, s.item_count == count, s.id < str(story_id)),
            )
        )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
        cards = _cards(conn, rows[:limit])
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    nxt = encode_cursor([last.last_seen_at, last.item_count, last.id]) if last else None
    return Page(cards, nxt)


def story_cards(
    store: Store, story_ids: Sequence[str], light: bool = False
) -> list[StoryCard]:
    """Cards for these stories, in the order given (unknown ids are left out).

    ``light`` cards hold only the story row (title, counts, times): no teaser, sources,
    countries or daily counts, which cost four aggregate queries over the stories' items.
    """
    if not story_ids:
        return []
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.stories).where(t.stories.c.id.in_(list(story_ids)))).all()
        cards = _light_cards(rows) if light else _cards(conn, rows)
    by_id = {c.id: c for c in cards}
    return [by_id[i] for i in story_ids if i in by_id]


def _light_cards(rows: Sequence[Any]) -> list[StoryCard]:
    return [
        StoryCard(
            id=r.id,
            title=r.title,
            teaser="",
            item_count=r.item_count,
            duplicate_count=r.duplicate_count,
            source_count=r.source_count,
            sources=[],
            countries=[],
            first_seen=r.first_seen_at,
            last_seen=r.last_seen_at,
            per_day=[],
        )
        for r in rows
    ]


def _view_rows(
    conn: Connection, condition: Any, order: Sequence[Any], limit: int, with_facts: bool = True
) -> list[tuple[int, ItemView]]:
    """Items matching a condition with their seq, source name, story link and facts.

    Two queries whatever the number of items: one for the items joined with their sources
    and links, one for the facts of all of them.
    """
    query = reads.item_query().where(condition).order_by(*order).limit(limit)
    return reads.item_view_rows(conn, query, with_facts)


def _views(conn: Connection, condition: Any, order: Sequence[Any], limit: int) -> list[ItemView]:
    return [view for _, view in _view_rows(conn, condition, order, limit)]


def items_page(
    store: Store,
    limit: int = 50,
    cursor: str | None = None,
    story_id: str | None = None,
    source_id: str | None = None,
    flagged: bool = False,
) -> Page[ItemView]:
    """Items, most recently stored first, optionally of one story or source, or only the
    listing lines whose split needs checking."""
    conditions: list[Any] = [reads.flagged_condition()] if flagged else []
    if story_id is not None:
        conditions.append(t.item_story.c.story_id == story_id)
    if source_id is not None:
        conditions.append(t.items.c.source_id == source_id)
    if cursor:
        (seq,) = decode_cursor(cursor, 1)
        if not isinstance(seq, int):
            raise CursorError("malformed cursor")
        conditions.append(t.items.c.seq < seq)
    with store.engine.connect() as conn:
        rows = _view_rows(conn, and_(true(), *conditions), [t.items.c.seq.desc()], limit + 1)
    nxt = encode_cursor([rows[limit - 1][0]]) if len(rows) > limit else None
    return Page([view for _, view in rows[:limit]], nxt)


def items_by_seq(store: Store, seqs: Sequence[int]) -> dict[int, ItemView]:
    """Items by their seq (as the search index returns them)."""
    if not seqs:
        return {}
    with store.engine.connect() as conn:
        out: dict[int, ItemView] = {}
        for start in range(0, len(seqs), 500):
            chunk = list(seqs[start : start + 500])
            out.update(_view_rows(conn, t.items.c.seq.in_(chunk), [t.items.c.seq], len(chunk)))
    return out


def story_detail(
    store: Store,
    story_id: str,
    limit: int = 100,
    cursor: str | None = None,
    with_sources: bool = True,
    with_item_facts: bool = True,
) -> StoryDetail | None:
    """A story page: newest items first (copies folded), facts, aliases and history.

    No pass over the story's items: the card and the fact counts come from the story's
    summary (kept by the write path, store/summaries.py), and the timeline page is one
    light ordered query (``limit`` + 1 ids, the keyset after ``cursor``), one for the copies
    of the items shown, and the whole items by id for the page only. ``with_sources=False``
    leaves the card's list of source names empty (a story page shows only their count);
    ``with_item_facts=False`` leaves the timeline's items without their facts (a story page
    shows the story's fact counts, not each item's) and saves a query.
    """
    link = t.item_story.join(t.items, t.items.c.id == t.item_story.c.item_id)
    with store.engine.connect() as conn:
        row = conn.execute(select(t.stories).where(t.stories.c.id == story_id)).first()
        if row is None:  # before the cursor: an unknown id is not found, whatever the cursor
            return None
        after: tuple[datetime, int] | None = None
        if cursor:
            at_text, cursor_seq = decode_cursor(cursor, 2)
            if not isinstance(cursor_seq, int):
                raise CursorError("malformed cursor")
            after = (_time(at_text), cursor_seq)
        summary = summaries.read(conn, [story_id])[story_id]
        query = (
            select(t.items.c.id, item_time_col.label("at"), t.items.c.seq)
            .select_from(link)
            .where(t.item_story.c.story_id == story_id)
            .where(t.items.c.duplicate_of.is_(None))
            .order_by(item_time_col.desc(), t.items.c.seq.desc())
            .limit(limit + 1)
        )
        if after is not None:
            query = query.where(
                or_(
                    item_time_col < after[0],
                    and_(item_time_col == after[0], t.items.c.seq < after[1]),
                )
            )
        originals = conn.execute(query).all()
        page = originals[:limit]
        shown = [str(r.id) for r in page]
        folded_ids: dict[str, list[str]] = {item_id: [] for item_id in shown}
        if shown and row.duplicate_count:  # no copies in the story: no query for them
            for copy_id, original in conn.execute(
                select(t.items.c.id, t.items.c.duplicate_of)
                .select_from(link)
                .where(t.item_story.c.story_id == story_id)
                .where(t.items.c.duplicate_of.in_(shown))
                .order_by(t.items.c.seq)
            ):
                folded_ids[original].append(copy_id)
        wanted = shown + [c for ids in folded_ids.values() for c in ids]
        views: dict[str, ItemView] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for _, view in _view_rows(
                conn, t.items.c.id.in_(chunk), [t.items.c.seq], len(chunk), with_item_facts
            ):
                views[view.item.id] = view
        aliases, events = reads.story_history(conn, story_id)
    facts = {kind: list(values) for kind, values in summary.facts.items()}
    facts["place"] = list(summary.places[:summaries.TOP_FACTS])
    timeline = [
        TimelineEntry(views[i], [views[c] for c in folded_ids[i] if c in views])
        for i in shown
        if i in views
    ]
    nxt = None
    if len(originals) > limit:
        last = page[-1]
        last_at = _UTC.process_result_value(last.at, conn.dialect)
        nxt = encode_cursor([last_at, int(last.seq)])
    return StoryDetail(_card(row, summary, with_sources), timeline, nxt, facts, aliases, events)


def item_view(store: Store, item_id: str) -> ItemView | None:
    """One item with its facts and story link."""
    with store.engine.connect() as conn:
        views = _views(conn, t.items.c.id == item_id, [t.items.c.seq], 1)
    return views[0] if views else None


def source_names(store: Store, source_ids: Sequence[str]) -> dict[str, str]:
    """Source id -> name for these sources only."""
    if not source_ids:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.sources.c.id, t.sources.c.name).where(t.sources.c.id.in_(list(source_ids)))
        )
        return {r.id: r.name for r in rows}


def membership_of_seqs(store: Store, seqs: Sequence[int]) -> dict[int, str | None]:
    """For each stored item given by seq, its current story (None for an item without one).

    Seqs no longer in the database are left out. One light query per 900 seqs: no item
    fields, no facts.
    """
    out: dict[int, str | None] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(seqs), 900):
            chunk = list(seqs[start : start + 900])
            for seq, story_id in conn.execute(
                select(t.items.c.seq, t.item_story.c.story_id)
                .select_from(
                    t.items.outerjoin(t.item_story, t.item_story.c.item_id == t.items.c.id)
                )
                .where(t.items.c.seq.in_(chunk))
            ):
                out[int(seq)] = story_id
    return out


def sources_by_name(store: Store) -> dict[str, str]:
    """Source id -> name, for facets and the search language's ``source:``."""
    with store.engine.connect() as conn:
        return {r.id: r.name for r in conn.execute(select(t.sources.c.id, t.sources.c.name))}


def stories_of_seqs(store: Store, seqs: Sequence[int]) -> dict[int, str]:
    """The current story of each item given by seq."""
    out: dict[int, str] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(seqs), 900):
            chunk = list(seqs[start : start + 900])
            for seq, story_id in conn.execute(
                select(t.items.c.seq, t.item_story.c.story_id)
                .select_from(t.items.join(t.item_story, t.item_story.c.item_id == t.items.c.id))
                .where(t.items.c.seq.in_(chunk))
            ):
                out[int(seq)] = story_id
    return out
