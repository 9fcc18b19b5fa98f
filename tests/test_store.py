from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storyline.group.events import StoryEvent
from storyline.model import Assignment, Fact, Item, Source
from storyline.store import reads
from storyline.store.db import Store, database_url
from storyline.store.schema import metadata

T0 = datetime(2020, 11, 17, 8, tzinfo=UTC)
SOURCE = Source("src1", "Paper", "file", "/tmp/paper.txt")


def make_item(n: int, hours: int = 0, **extra: object) -> Item:
    return Item(
        id=f"i{n:016d}",
        source_id="src1",
        raw_text=f"Headline {n} teaser {n}",
        headline=f"Headline {n}",
        teaser=f"teaser {n}",
        published=T0 + timedelta(hours=hours),
        first_seen=T0,
        content_hash=f"h{n}",
        **extra,  # type: ignore[arg-type]
    )


def test_database_url(monkeypatch: object) -> None:
    assert database_url("x.db") == "sqlite:///x.db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_migrations_match_the_schema_and_use_wal(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_reopening_keeps_data(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as s:
        s.save_source(SOURCE, T0)
        s.write_batch([make_item(1)], [Assignment("s1", 1.0, True)])
    with Store.open(tmp_path / "a.db") as s:
        assert s.count("items") == 1
        assert s.existing_item_ids(["i0000000000000001", "nope"]) == {"i0000000000000001"}


def test_write_batch_derives_story_counts_and_times(store: Store) -> None:
    store.save_source(SOURCE, T0)
    fact = Fact("place", "PE", "Peru", "headline", 0, 4, "places", 0.9, {"region": ""})
    items = [make_item(1), make_item(2, hours=5, facts=[fact]), make_item(3, hours=2)]
    items[2].duplicate_of = items[0].id
    store.write_batch(
        items,
        [
            Assignment("s1", 1.0, True),
            Assignment("s1", 0.5, False),
            Assignment("s1", 1.0, False, {"duplicate_of": items[0].id}),
        ],
    )
    view = reads.get_story(store, "s1")
    assert view is not None
    assert view.summary.story.item_count == 2
    assert view.summary.duplicate_count == 1
    assert view.summary.source_count == 1
    assert view.summary.story.first_seen == T0
    assert view.summary.story.last_seen == T0 + timedelta(hours=5)
    assert [v.item.id for v in view.items] == [items[0].id, items[2].id, items[1].id]
    stored = reads.get_item(store, items[1].id)
    assert stored is not None and stored.item.facts == [fact]
    assert stored.link is not None and stored.link.score == 0.5


def test_failed_batch_writes_nothing(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch([make_item(1)], [Assignment("s1", 1.0, True)])
    with pytest.raises(IntegrityError):
        store.write_batch(
            [make_item(2), make_item(1)],
            [Assignment("s2", 1.0, True), Assignment("s2", 1.0, False)],
        )
    assert store.count("items") == 1
    assert store.count("stories") == 1


def test_replay_links_returns_active_stories_in_order(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch(
        [make_item(1), make_item(2, hours=1)],
        [Assignment("s1", 1.0, True), Assignment("s1", 0.7, False)],
    )
    store.write_batch([make_item(3, hours=24 * 30)], [Assignment("s3", 1.0, True)])
    replayed = list(store.replay_links(T0 - timedelta(days=1), T0 + timedelta(days=2)))
    assert [(i.id, a.story_id) for i, a in replayed] == [
        ("i0000000000000001", "s1"),
        ("i0000000000000002", "s1"),
    ]


def test_story_alias_resolves(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch([make_item(1)], [Assignment("s1", 1.0, True)])
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO story_aliases (alias, story_id) VALUES ('sold', 's1')"))
    view = reads.get_story(store, "sold")
    assert view is not None and view.summary.story.id == "s1" and view.aliases == ["sold"]


def test_merge_event_moves_items_keeps_alias_and_history(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch([make_item(1), make_item(2, hours=1)],
                      [Assignment("s1", 1.0, True), Assignment("s2", 1.0, True)])
    merge = StoryEvent("merge", "s1", ("s2",), T0 + timedelta(hours=2), {"similarity": 0.6})
    store.write_batch([make_item(3, hours=2)], [Assignment("s1", 0.8, False)], [merge])
    assert reads.resolve_story_id(store, "s2") == "s1"
    view = reads.get_story(store, "s2")
    assert view is not None and view.summary.story.id == "s1"
    assert view.summary.story.item_count == 3
    assert view.aliases == ["s2"]
    assert [e["kind"] for e in view.events] == ["merge"]
    assert view.events[0]["other_ids"] == ["s2"]
    assert store.count("stories") == 1
    # a later merge of s1 into s0 re-points the old alias too: no chains
    store.write_batch([make_item(4, hours=3)], [Assignment("s0", 1.0, True)],
                      [StoryEvent("merge", "s0", ("s1",), T0 + timedelta(hours=3))])
    assert reads.resolve_story_id(store, "s2") == "s0"
    final = reads.get_story(store, "s0")
    assert final is not None and final.summary.story.item_count == 4
    assert sorted(final.aliases) == ["s1", "s2"]
    assert [e["kind"] for e in final.events] == ["merge", "merge"]


def test_split_event_moves_drifted_items_and_copies_to_a_new_story(store: Store) -> None:
    store.save_source(SOURCE, T0)
    items = [make_item(n, hours=n) for n in range(1, 5)]
    copy = make_item(9, hours=5)
    copy.duplicate_of = items[3].id
    store.write_batch(
        [*items, copy],
        [Assignment("s1", 1.0, True)] + [Assignment("s1", 0.5, False)] * 3
        + [Assignment("s1", 1.0, False, {"duplicate_of": items[3].id})],
    )
    split = StoryEvent("split", "s1", ("s1b",), T0 + timedelta(hours=6),
                       {"similarity": 0.3, "items": [items[2].id, items[3].id]})
    # the item that triggers the split already names the new story
    store.write_batch([make_item(5, hours=6)], [Assignment("s1b", 0.7, False)], [split])
    old = reads.get_story(store, "s1")
    new = reads.get_story(store, "s1b")
    assert old is not None and new is not None
    assert [v.item.id for v in old.items] == [items[0].id, items[1].id]
    assert {v.item.id for v in new.items} == {items[2].id, items[3].id, copy.id,
                                              "i0000000000000005"}
    assert new.summary.story.title == items[2].headline
    assert new.summary.story.item_count == 3 and new.summary.duplicate_count == 1
    assert new.summary.story.first_seen == T0 + timedelta(hours=3)
    assert [e["kind"] for e in old.events] == ["split"]
    assert [e["kind"] for e in new.events] == ["split-from"]
