"""The store: one write path for items, facts, stories and links, over SQLAlchemy Core.

SQLite (one file, WAL) by default; any SQLAlchemy URL, such as ``postgresql+psycopg://...``,
switches the backend without touching the pipeline. The schema is brought up to date with
alembic every time a store is opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from storyline.group.events import StoryEvent
from storyline.model import Assignment, Item, Source
from storyline.store import schema as t
from storyline.store import summaries
from storyline.store.convert import fact_rows, item_row, row_to_fact, row_to_item
from storyline.understand.corrections import SplitCorrection, line_key

DEFAULT_DB = "storyline.db"


def database_url(db: str | os.PathLike[str] | None) -> str:
    """An SQLAlchemy URL from a path or URL; None means ``$STORYLINE_DB``, else ./storyline.db."""
    text = str(db) if db is not None else os.environ.get("STORYLINE_DB", DEFAULT_DB)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    # WAL lets a reader (the web server) run while an ingest writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _migrate(conn: Connection) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storyline.store") / "migrations"))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one batch write changed."""

    items: int
    stories_touched: int


class Store:
    """The database behind storyline. Open it with :meth:`open`; close it when done."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None) -> Store:
        """Open (creating and migrating if needed) the database at a path or URL."""
        url = make_url(database_url(db))
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        if url.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        with engine.begin() as conn:
            _migrate(conn)
        return cls(engine)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources ---------------------------------------------------------------------------

    def save_source(self, source: Source, at: datetime) -> None:
        """Record a source if it is new."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.sources.c.id).where(t.sources.c.id == source.id))
            if exists.first() is None:
                conn.execute(
                    t.sources.insert().values(
                        id=source.id,
                        name=source.name,
                        kind=source.kind,
                        location=source.location,
                        created_at=at,
                    )
                )

    def record_source_result(self, source_id: str, at: datetime, error: str | None) -> None:
        """Note the outcome of reading a source: its health, shown by the CLI and pages."""
        values: dict[str, Any] = {"last_ingest_at": at, "last_error": error}
        if error is None:
            values["last_success_at"] = at
        with self.engine.begin() as conn:
            conn.execute(t.sources.update().where(t.sources.c.id == source_id).values(**values))

    # -- items -----------------------------------------------------------------------------

    def existing_item_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these item ids are already stored."""
        found: set[str] = set()
        id_list = list(ids)
        with self.engine.connect() as conn:
            for chunk in _chunks(id_list, 500):
                rows = conn.execute(select(t.items.c.id).where(t.items.c.id.in_(chunk)))
                found.update(r[0] for r in rows)
        return found

    def originals_by_content_hash(self, hashes: Iterable[str]) -> dict[str, str]:
        """For each content hash already stored, the id of the first item that had it."""
        found: dict[str, str] = {}
        hash_list = list(hashes)
        with self.engine.connect() as conn:
            for chunk in _chunks(hash_list, 500):
                rows = conn.execute(
                    select(t.items.c.content_hash, t.items.c.id)
                    .where(t.items.c.content_hash.in_(chunk))
                    .where(t.items.c.duplicate_of.is_(None))
                    .order_by(t.items.c.seq)
                )
                for content_hash, item_id in rows:
                    found.setdefault(content_hash, item_id)
        return found

    def stories_of(self, item_ids: Sequence[str]) -> dict[str, str]:
        """The story of each of these items that is linked to one."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(item_ids), 500):
                rows = conn.execute(
                    select(t.item_story.c.item_id, t.item_story.c.story_id).where(
                        t.item_story.c.item_id.in_(chunk)
                    )
                )
                found.update((item_id, story_id) for item_id, story_id in rows)
        return found

    def write_batch(
        self,
        items: Sequence[Item],
        assignments: Sequence[Assignment],
        events: Sequence[StoryEvent] = (),
    ) -> WriteResult:
        """Store items with their facts and story links, apply the grouper's merge events, and
        refresh the stories they touch.

        One transaction: a batch is stored whole or not at all, so an interrupted run never
        leaves an item without its story.
        """
        if len(items) != len(assignments):
            raise ValueError("every item needs exactly one assignment")
        if not items:
            return WriteResult(0, 0)
        touched: dict[str, Item] = {}
        with self.engine.begin() as conn:
            conn.execute(t.items.insert(), [item_row(item) for item in items])
            fact_values = [row for item in items for row in fact_rows(item)]
            if fact_values:
                conn.execute(t.facts.insert(), fact_values)
            for item, a in zip(items, assignments, strict=True):
                if a.is_new_story and a.story_id not in touched:
                    exists = conn.execute(
                        select(t.stories.c.id).where(t.stories.c.id == a.story_id)
                    ).first()
                    if exists is None:
                        when = item_time(item)
                        conn.execute(
                            t.stories.insert().values(
                                id=a.story_id,
                                title=item.headline or item.raw_text[:200],
                                first_seen_at=when,
                                last_seen_at=when,
                                item_count=0,
                                duplicate_count=0,
                                source_count=0,
                            )
                        )
                touched.setdefault(a.story_id, item)
            # A split opens its new story in the grouper, and later items of this batch may
            # already be linked to it: it must exist before the links do.
            by_id = {item.id: item for item in items}
            for event in events:
                if event.kind == "split":
                    for new_id in event.other_ids:
                        _ensure_story(conn, new_id, _split_title(conn, event, by_id))
            # Links after stories: the link's story must exist first.
            conn.execute(
                t.item_story.insert(),
                [
                    {
                        "item_id": item.id,
                        "story_id": a.story_id,
                        "score": a.score,
                        "explanation": a.explanation,
                    }
                    for item, a in zip(items, assignments, strict=True)
                ],
            )
            for event in events:
                touched.update(dict.fromkeys(apply_event(conn, event), items[0]))
            current = {row[0] for row in conn.execute(
                select(t.stories.c.id).where(t.stories.c.id.in_(list(touched))))}
            for story_id in touched:
                if story_id in current:
                    refresh_story(conn, story_id, summary=False)
            # Summaries of all touched stories at once: a few grouped queries, not per story.
            summaries.refresh(conn, [s for s in touched if s in current])
        return WriteResult(len(items), len(touched))

    def replay_links(self, since: datetime, until: datetime) -> Iterator[tuple[Item, Assignment]]:
        """Stored items of stories active in ``[since, until]``, with their links, oldest first.

        The grouper's state is rebuilt from this at the start of a run, so it always agrees with
        what is stored, whatever happened to an earlier process.
        """
        active = (
            select(t.stories.c.id)
            .where(t.stories.c.last_seen_at >= since)
            .where(t.stories.c.first_seen_at <= until)
        )
        query = (
            select(t.items, t.item_story.c.story_id, t.item_story.c.score)
            .join(t.item_story, t.item_story.c.item_id == t.items.c.id)
            .where(t.item_story.c.story_id.in_(active))
            .where(t.items.c.duplicate_of.is_(None))
            .order_by(t.items.c.seq)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            facts_by_item = self._facts_for(conn, [r["id"] for r in rows])
        for row in rows:
            item = row_to_item(row, facts_by_item.get(row["id"], []))
            yield item, Assignment(story_id=row["story_id"], score=row["score"], is_new_story=False)

    def _facts_for(self, conn: Connection, item_ids: Sequence[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for chunk in _chunks(list(item_ids), 500):
            rows = conn.execute(
                select(t.facts).where(t.facts.c.item_id.in_(chunk)).order_by(t.facts.c.id)
            ).mappings()
            for row in rows:
                out.setdefault(row["item_id"], []).append(row_to_fact(row))
        return out

    # -- corrections -----------------------------------------------------------------------

    def split_corrections(self) -> dict[str, SplitCorrection]:
        """Every stored split correction, by line key."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.split_corrections)).mappings().all()
        return {
            r["line_hash"]: SplitCorrection(r["headline"], r["teaser"], r["kicker"]) for r in rows
        }

    def correct_split(self, item_id: str, correction: SplitCorrection, at: datetime) -> bool:
        """Apply a user's split to a stored item and keep it for later ingests of the line."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(t.items.c.raw_text, t.items.c.flags).where(t.items.c.id == item_id)
            ).first()
            if row is None:
                return False
            raw_text, flags = row
            key = line_key(raw_text)
            conn.execute(t.split_corrections.delete().where(t.split_corrections.c.line_hash == key))
            conn.execute(
                t.split_corrections.insert().values(
                    line_hash=key,
                    raw_text=raw_text,
                    headline=correction.headline,
                    teaser=correction.teaser,
                    kicker=correction.kicker,
                    created_at=at,
                )
            )
            kept = [f for f in (flags or []) if not f.startswith("split:")]
            conn.execute(
                t.items.update()
                .where(t.items.c.id == item_id)
                .values(
                    headline=correction.headline,
                    teaser=correction.teaser,
                    kicker=correction.kicker,
                    split_confidence=1.0,
                    flags=[*kept, "split: corrected by user"],
                )
            )
            # The story's teaser may be this item's (or rank by its headline): recompute it.
            linked = conn.execute(
                select(t.item_story.c.story_id).where(t.item_story.c.item_id == item_id)
            ).first()
            if linked is not None:
                summaries.refresh(conn, [str(linked[0])])
        return True

    def count(self, table: str) -> int:
        """Number of rows in one of the store's tables."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(t.metadata.tables[table])
                ).scalar_one()
            )


def item_time(item: Item) -> datetime:
    """The time an item counts at for its story: its publication, else when it was first seen."""
    when = item.published or item.first_seen
    if when is None:
        raise ValueError(f"item {item.id} has neither a publication nor a first-seen time")
    return when


def apply_event(conn: Connection, event: StoryEvent) -> list[str]:
    """Record a merge or split in a story's history; for a merge, move the merged stories'
    items to the surviving story and keep their ids as aliases. Returns the stories touched."""
    conn.execute(
        t.story_events.insert().values(
            story_id=event.story_id,
            kind=event.kind,
            other_ids=list(event.other_ids),
            at=event.at,
            reason=event.reason,
        )
    )
    if event.kind == "split":
        return _apply_split(conn, event)
    merged = [sid for sid in event.other_ids if sid != event.story_id]
    conn.execute(
        t.story_events.update()
        .where(t.story_events.c.story_id.in_(merged))
        .values(story_id=event.story_id)
    )
    conn.execute(
        t.item_story.update()
        .where(t.item_story.c.story_id.in_(merged))
        .values(story_id=event.story_id)
    )
    # Aliases that pointed at a merged story now point at the survivor: no chains to follow.
    conn.execute(
        t.story_aliases.update()
        .where(t.story_aliases.c.story_id.in_(merged))
        .values(story_id=event.story_id)
    )
    known = {r[0] for r in conn.execute(
        select(t.story_aliases.c.alias).where(t.story_aliases.c.alias.in_(merged)))}
    new_aliases = [{"alias": sid, "story_id": event.story_id} for sid in merged if sid not in known]
    if new_aliases:
        conn.execute(t.story_aliases.insert(), new_aliases)
    conn.execute(t.story_summaries.delete().where(t.story_summaries.c.story_id.in_(merged)))
    conn.execute(t.stories.delete().where(t.stories.c.id.in_(merged)))
    return [event.story_id]


def _ensure_story(conn: Connection, story_id: str, title: str) -> None:
    if conn.execute(select(t.stories.c.id).where(t.stories.c.id == story_id)).first() is None:
        placeholder = datetime(1970, 1, 1)
        conn.execute(
            t.stories.insert().values(
                id=story_id, title=title, first_seen_at=placeholder, last_seen_at=placeholder,
                item_count=0, duplicate_count=0, source_count=0,
            )
        )


def _split_title(conn: Connection, event: StoryEvent, batch: dict[str, Item]) -> str:
    """The headline of the earliest item that moves to the new story."""
    moved = [str(i) for i in event.reason.get("items", [])]
    for item_id in moved:
        if item_id in batch:
            return batch[item_id].headline or batch[item_id].raw_text[:200]
    row = conn.execute(
        select(t.items.c.headline).where(t.items.c.id.in_(moved)).order_by(t.items.c.seq)
    ).first()
    return str(row[0]) if row else ""


def _apply_split(conn: Connection, event: StoryEvent) -> list[str]:
    """Move the drifted items (and their stored copies) to the new story; note it both ways."""
    moved = [str(i) for i in event.reason.get("items", [])]
    old = _current_story_id(conn, event.story_id)
    for new_id in event.other_ids:
        copies = select(t.items.c.id).where(t.items.c.duplicate_of.in_(moved))
        conn.execute(
            t.item_story.update()
            .where(t.item_story.c.story_id == old)
            .where(t.item_story.c.item_id.in_(moved) | t.item_story.c.item_id.in_(copies))
            .values(story_id=new_id)
        )
        conn.execute(
            t.story_events.insert().values(
                story_id=new_id, kind="split-from", other_ids=[old], at=event.at,
                reason={k: v for k, v in event.reason.items() if k != "items"},
            )
        )
    touched = [old, *event.other_ids]
    # A story left with no item (everything drifted) is removed rather than kept empty.
    for story_id in touched:
        links = select(func.count()).select_from(t.item_story)
        linked = conn.execute(links.where(t.item_story.c.story_id == story_id)).scalar_one()
        if not linked:
            conn.execute(
                t.story_summaries.delete().where(t.story_summaries.c.story_id == story_id)
            )
            conn.execute(t.stories.delete().where(t.stories.c.id == story_id))
    return touched


def _current_story_id(conn: Connection, story_id: str) -> str:
    row = conn.execute(
        select(t.story_aliases.c.story_id).where(t.story_aliases.c.alias == story_id)
    ).first()
    return str(row[0]) if row else story_id


def refresh_story(conn: Connection, story_id: str, summary: bool = True) -> None:
    """Recompute a story's counts and times from its links: derived, so they cannot drift.

    With ``summary`` its summary (store/summaries.py) is recomputed too; ``write_batch``
    passes False and recomputes the summaries of all the stories it touched at once.
    """
    member_time = func.coalesce(t.items.c.published_at, t.items.c.first_seen_at)
    stats = conn.execute(
        select(
            func.count().filter(t.items.c.duplicate_of.is_(None)),
            func.count().filter(t.items.c.duplicate_of.is_not(None)),
            func.count(t.items.c.source_id.distinct()),
            func.min(member_time),
            func.max(member_time),
        )
        .select_from(t.item_story.join(t.items, t.items.c.id == t.item_story.c.item_id))
        .where(t.item_story.c.story_id == story_id)
    ).one()
    originals, duplicates, n_sources, first, last = stats
    first_value = t.UTCDateTime().process_result_value(first, conn.dialect)
    last_value = t.UTCDateTime().process_result_value(last, conn.dialect)
    conn.execute(
        t.stories.update()
        .where(t.stories.c.id == story_id)
        .values(
            item_count=originals,
            duplicate_count=duplicates,
            source_count=n_sources,
            first_seen_at=first_value,
            last_seen_at=last_value,
        )
    )
    if summary:
        summaries.refresh(conn, [story_id])


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
