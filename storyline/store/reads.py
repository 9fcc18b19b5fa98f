"""Read queries over the store, shared by the CLI, the API and the web pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Text, and_, cast, func, select

from storyline.model import Assignment, Fact, Item, Story
from storyline.store import schema as t
from storyline.store.convert import row_to_fact, row_to_item
from storyline.store.db import Store


@dataclass(frozen=True, slots=True)
class StorySummary:
    """A story as listed: its counts and the names of its sources."""

    story: Story
    duplicate_count: int
    source_count: int
    sources: list[str]


@dataclass(frozen=True, slots=True)
class ItemView:
    """An item with its source's name and its link to a story."""

    item: Item
    source_name: str
    link: Assignment | None


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story with its items, oldest first, and its history."""

    summary: StorySummary
    items: list[ItemView]
    aliases: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _story(row: Any) -> Story:
    return Story(
        id=row["id"],
        title=row["title"],
        first_seen=row["first_seen_at"],
        last_seen=row["last_seen_at"],
        item_count=row["item_count"],
    )


def _sources_by_story(conn: Connection, story_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {sid: [] for sid in story_ids}
    if not story_ids:
        return out
    rows = conn.execute(
        select(t.item_story.c.story_id, t.sources.c.name)
        .select_from(
            t.item_story.join(t.items, t.items.c.id == t.item_story.c.item_id).join(
                t.sources, t.sources.c.id == t.items.c.source_id
            )
        )
        .where(t.item_story.c.story_id.in_(story_ids))
        .group_by(t.item_story.c.story_id, t.sources.c.name)
        .order_by(t.sources.c.name)
    )
    for story_id, name in rows:
        out[story_id].append(name)
    return out


def list_stories(store: Store, limit: int = 50, offset: int = 0) -> list[StorySummary]:
    """Stories, most recently updated first."""
    with store.engine.connect() as conn:
        rows = (
            conn.execute(
                select(t.stories)
                .order_by(
                    t.stories.c.last_seen_at.desc(), t.stories.c.item_count.desc(), t.stories.c.id
                )
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
        sources = _sources_by_story(conn, [r["id"] for r in rows])
    return [
        StorySummary(_story(r), r["duplicate_count"], r["source_count"], sources[r["id"]])
        for r in rows
    ]


def resolve_story_id(store: Store, story_id: str) -> str | None:
    """The current id of a story, following aliases left by merges; None if unknown."""
    with store.engine.connect() as conn:
        if conn.execute(select(t.stories.c.id).where(t.stories.c.id == story_id)).first():
            return story_id
        row = conn.execute(
            select(t.story_aliases.c.story_id).where(t.story_aliases.c.alias == story_id)
        ).first()
        return str(row[0]) if row else None


def item_view_rows(
    conn: Connection, query: Any, with_facts: bool = True
) -> list[tuple[int, ItemView]]:
    """Run an :func:`item_query` and read its rows as item views with their ``seq``.

    Two queries whatever the number of items: the items with their sources and links, then
    the facts of all of them (skipped with ``with_facts=False``: the items' facts are empty,
    for a caller that shows none).
    """
    rows = conn.execute(query).mappings().all()
    facts: dict[str, list[Fact]] = {}
    ids = [r["id"] for r in rows] if with_facts else []
    for start in range(0, len(ids), 500):
        for frow in conn.execute(
            select(t.facts)
            .where(t.facts.c.item_id.in_(ids[start : start + 500]))
            .order_by(t.facts.c.id)
        ).mappings():
            facts.setdefault(frow["item_id"], []).append(row_to_fact(frow))
    views = []
    for r in rows:
        link = None
        if r["story_id"] is not None:
            link = Assignment(r["story_id"], r["score"], False, dict(r["explanation"] or {}))
        view = ItemView(row_to_item(r, facts.get(r["id"], [])), r["source_name"], link)
        views.append((int(r["seq"]), view))
    return views


def _item_views(conn: Connection, query: Any) -> list[ItemView]:
    return [view for _, view in item_view_rows(conn, query)]


def item_query() -> Any:
    """Items joined with their source's name and their story link; add where/order/limit."""
    return select(
        t.items,
        t.sources.c.name.label("source_name"),
        t.item_story.c.story_id,
        t.item_story.c.score,
        t.item_story.c.explanation,
    ).select_from(
        t.items.join(t.sources, t.sources.c.id == t.items.c.source_id).outerjoin(
            t.item_story, t.item_story.c.item_id == t.items.c.id
        )
    )


def story_history(conn: Connection, story_id: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A story's old ids (aliases left by merges) and its merge/split events, oldest first."""
    aliases = [
        str(r[0])
        for r in conn.execute(
            select(t.story_aliases.c.alias).where(t.story_aliases.c.story_id == story_id)
        )
    ]
    events = [
        dict(r)
        for r in conn.execute(
            select(t.story_events)
            .where(t.story_events.c.story_id == story_id)
            .order_by(t.story_events.c.id)
        ).mappings()
    ]
    return aliases, events


def get_story(store: Store, story_id: str) -> StoryView | None:
    """One story (by its id or an old alias) with its items and history."""
    current = resolve_story_id(store, story_id)
    if current is None:
        return None
    member_time = func.coalesce(t.items.c.published_at, t.items.c.first_seen_at)
    with store.engine.connect() as conn:
        row = conn.execute(select(t.stories).where(t.stories.c.id == current)).mappings().one()
        items = _item_views(
            conn,
            item_query()
            .where(t.item_story.c.story_id == current)
            .order_by(member_time, t.items.c.seq),
        )
        aliases, events = story_history(conn, current)
        sources = _sources_by_story(conn, [current])[current]
    summary = StorySummary(_story(row), row["duplicate_count"], row["source_count"], sources)
    return StoryView(summary, items, aliases, events)


def flagged_condition() -> Any:
    """Items that are listing lines the splitter was unsure of (flagged, not yet corrected)."""
    return and_(
        t.items.c.split_confidence.is_not(None),
        cast(t.items.c.flags, Text).like("%low confidence%"),
    )


def list_items(
    store: Store,
    limit: int = 50,
    offset: int = 0,
    story_id: str | None = None,
    source: str | None = None,
    flagged: bool = False,
) -> list[ItemView]:
    """Items, newest first, optionally of one story, one source (id or name), or flagged."""
    member_time = func.coalesce(t.items.c.published_at, t.items.c.first_seen_at)
    query = item_query().order_by(member_time.desc(), t.items.c.seq.desc())
    if story_id is not None:
        query = query.where(t.item_story.c.story_id == story_id)
    if source is not None:
        query = query.where((t.sources.c.id == source) | (t.sources.c.name == source))
    if flagged:
        query = query.where(flagged_condition())
    with store.engine.connect() as conn:
        return _item_views(conn, query.limit(limit).offset(offset))


def get_item(store: Store, item_id: str) -> ItemView | None:
    """One item with its facts and story link."""
    with store.engine.connect() as conn:
        views = _item_views(conn, item_query().where(t.items.c.id == item_id))
    return views[0] if views else None


def iter_items(store: Store, batch: int = 1000) -> Iterator[ItemView]:
    """Every item in insertion order, in batches, for export."""
    last = 0
    while True:
        with store.engine.connect() as conn:
            seqs = [
                r[0]
                for r in conn.execute(
                    select(t.items.c.seq)
                    .where(t.items.c.seq > last)
                    .order_by(t.items.c.seq)
                    .limit(batch)
                )
            ]
            if not seqs:
                return
            views = _item_views(
                conn,
                item_query()
                .where(t.items.c.seq.between(seqs[0], seqs[-1]))
                .order_by(t.items.c.seq),
            )
        yield from views
        last = seqs[-1]
