"""Per-story summaries: what a story page or a story card shows about all of a story's items.

A story's teaser, sources, places, daily counts and fact counts take a pass over every item
of the story. Worked out on each request, sixteen new story pages at once queued for one
GIL (docs/serve.md). The write path (``Store.write_batch``, ``refresh_story``, merges,
splits and split corrections) therefore recomputes the summary of every story it touches,
from the story's links in a few grouped queries, and the readers read one row.

Recomputed from the links rather than updated incrementally: merges, splits and copies
then cannot make a summary drift from what a pass over the items would give. Readers fall
back to computing a missing summary on the fly (a database written around the store, such
as the bench's bulk build, has none), so a summary is an optimisation, never a source of
truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, select

from storyline.store import schema as t

# When an item counts for its story: published, else first seen (as store/db.py has it).
_ITEM_TIME = func.coalesce(t.items.c.published_at, t.items.c.first_seen_at)
# Fact kinds a story page counts; places are also the story card's countries.
FACT_KINDS = ("place", "person", "org", "date")
# How many values of each kind a story page lists.
TOP_FACTS = 30
# Bound parameters per query: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Summary:
    """What a story's items add up to, as the story page and the story cards show it."""

    teaser: str
    sources: list[str]
    places: list[tuple[str, int]]
    per_day: dict[date, int]
    facts: dict[str, list[tuple[str, int]]]


def compute(conn: Connection, story_ids: Sequence[str]) -> dict[str, Summary]:
    """The summaries of these stories, worked out from their links (three grouped queries
    per 500 stories). Unknown ids get empty summaries."""
    out: dict[str, Summary] = {}
    for start in range(0, len(story_ids), _CHUNK):
        out.update(_compute_chunk(conn, list(story_ids[start : start + _CHUNK])))
    return out


def _compute_chunk(conn: Connection, ids: list[str]) -> dict[str, Summary]:
    link = t.item_story.join(t.items, t.items.c.id == t.item_story.c.item_id)
    # Sources (copies counted) and daily counts (copies not counted) in one pass, grouped by
    # day and source name (two sources of one name count as one, as the pages always had it).
    day = func.substr(cast(_ITEM_TIME, String), 1, 10)
    by_source: dict[str, dict[str, int]] = {i: {} for i in ids}
    per_day: dict[str, dict[date, int]] = {i: {} for i in ids}
    for story_id, day_text, name, n_all, n_originals in conn.execute(
        select(
            t.item_story.c.story_id,
            day,
            t.sources.c.name,
            func.count(),
            func.count().filter(t.items.c.duplicate_of.is_(None)),
        )
        .select_from(link.join(t.sources, t.sources.c.id == t.items.c.source_id))
        .where(t.item_story.c.story_id.in_(ids))
        .group_by(t.item_story.c.story_id, day, t.sources.c.name)
    ):
        counts = by_source[story_id]
        counts[name] = counts.get(name, 0) + int(n_all)
        if n_originals:
            when = date.fromisoformat(str(day_text))
            per_day[story_id][when] = per_day[story_id].get(when, 0) + int(n_originals)
    facts, places = _facts(conn, ids)
    teasers = _teasers(conn, ids)
    return {
        i: Summary(
            teaser=teasers.get(i, ""),
            sources=[n for n, _ in sorted(by_source[i].items(), key=lambda nc: (-nc[1], nc[0]))],
            places=places[i],
            per_day=per_day[i],
            facts=facts[i],
        )
        for i in ids
    }


def _facts(
    conn: Connection, ids: list[str]
) -> tuple[dict[str, dict[str, list[tuple[str, int]]]], dict[str, list[tuple[str, int]]]]:
    """Per story: how many items (copies counted) mention each value of each kind, most
    first, 30 of each (dates then in date order); and every place."""
    facts: dict[str, dict[str, list[tuple[str, int]]]] = {
        i: {kind: [] for kind in FACT_KINDS} for i in ids
    }
    places: dict[str, list[tuple[str, int]]] = {i: [] for i in ids}
    count = func.count(t.facts.c.item_id.distinct())
    for story_id, kind, value, n in conn.execute(
        select(t.item_story.c.story_id, t.facts.c.kind, t.facts.c.value, count)
        .select_from(t.item_story.join(t.facts, t.facts.c.item_id == t.item_story.c.item_id))
        .where(t.item_story.c.story_id.in_(ids))
        .where(t.facts.c.kind.in_(FACT_KINDS))
        .where(t.facts.c.value != "")
        .group_by(t.item_story.c.story_id, t.facts.c.kind, t.facts.c.value)
        .order_by(t.item_story.c.story_id, count.desc(), t.facts.c.value)
    ):
        if kind == "place":
            places[story_id].append((value, int(n)))
        shown = facts[story_id][kind]
        if len(shown) < TOP_FACTS:
            shown.append((value, int(n)))
    for by_kind in facts.values():
        by_kind["date"].sort()
    return facts, places


def _teasers(conn: Connection, ids: list[str]) -> dict[str, str]:
    """The teaser of the item whose headline is the story's title (the opening item), so
    that title and teaser belong together; else that of the first item that has one."""
    is_title = case((t.items.c.headline == t.stories.c.title, 0), else_=1)
    ranked = (
        select(
            t.item_story.c.story_id,
            t.items.c.teaser,
            func.row_number()
            .over(partition_by=t.item_story.c.story_id, order_by=(is_title, t.items.c.seq))
            .label("rank"),
        )
        .select_from(
            t.item_story.join(t.items, t.items.c.id == t.item_story.c.item_id).join(
                t.stories, t.stories.c.id == t.item_story.c.story_id
            )
        )
        .where(t.item_story.c.story_id.in_(ids))
        .where(t.items.c.teaser != "")
        .subquery()
    )
    return {
        str(story_id): str(teaser)
        for story_id, teaser in conn.execute(
            select(ranked.c.story_id, ranked.c.teaser).where(ranked.c.rank == 1)
        )
    }


def to_row(story_id: str, summary: Summary) -> dict[str, Any]:
    """A ``story_summaries`` row (JSON lists: the same on every backend)."""
    return {
        "story_id": story_id,
        "teaser": summary.teaser,
        "sources": summary.sources,
        "places": [[code, n] for code, n in summary.places],
        "per_day": [[day.isoformat(), n] for day, n in sorted(summary.per_day.items())],
        "facts": {kind: [[v, n] for v, n in values] for kind, values in summary.facts.items()},
    }


def from_row(row: Any) -> Summary:
    """A summary from a ``story_summaries`` row."""
    facts = row.facts or {}
    return Summary(
        teaser=row.teaser,
        sources=[str(name) for name in row.sources],
        places=[(str(code), int(n)) for code, n in row.places],
        per_day={date.fromisoformat(day): int(n) for day, n in row.per_day},
        facts={
            kind: [(str(v), int(n)) for v, n in facts.get(kind, [])] for kind in FACT_KINDS
        },
    )


def refresh(conn: Connection, story_ids: Iterable[str]) -> None:
    """Recompute and store the summaries of these stories (inside the caller's transaction).

    Ids of stories that no longer exist lose their summary.
    """
    ids = sorted(set(story_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(t.story_summaries.delete().where(t.story_summaries.c.story_id.in_(chunk)))
        existing = [
            str(r[0]) for r in conn.execute(select(t.stories.c.id).where(t.stories.c.id.in_(chunk)))
        ]
        if existing:
            summaries = compute(conn, existing)
            conn.execute(
                t.story_summaries.insert(), [to_row(i, summaries[i]) for i in existing]
            )


def read(conn: Connection, story_ids: Sequence[str]) -> dict[str, Summary]:
    """The stored summaries of these stories; one missing (a database written around the
    store) is computed on the fly, not stored: readers do not write."""
    out: dict[str, Summary] = {}
    for start in range(0, len(story_ids), _CHUNK):
        chunk = list(story_ids[start : start + _CHUNK])
        for row in conn.execute(
            select(t.story_summaries).where(t.story_summaries.c.story_id.in_(chunk))
        ):
            out[row.story_id] = from_row(row)
    missing = [i for i in story_ids if i not in out]
    if missing:
        out.update(compute(conn, missing))
    return out
