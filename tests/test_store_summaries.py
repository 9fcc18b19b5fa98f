"""Story summaries (store/summaries.py) stay equal to a pass over the story's items.

Each test changes stories through the write path (ingest, merge, split, re-ingest, a split
correction) and compares every stored summary with a plain-Python reference worked out from
the items, their facts and their links.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select

from storyline.group.events import StoryEvent
from storyline.ingestion import IngestSettings, ingest
from storyline.model import Assignment, Fact, Item, Source
from storyline.store import reads, summaries
from storyline.store import schema as t
from storyline.store.convert import fact_rows, item_row
from storyline.store.db import Store, database_url
from storyline.understand.corrections import SplitCorrection

from .conftest import EXAMPLES, NOW
from .test_store import SOURCE, T0, make_item

OTHER = Source("src2", "Other paper", "file", "/tmp/other.txt")


def _fact(kind: str, value: str) -> Fact:
    return Fact(kind, value, value, "headline", 0, 1, "test", 0.9, {})


def reference(store: Store, story_id: str) -> summaries.Summary:
    """What the story page used to work out on every request, from the items themselves."""
    view = reads.get_story(store, story_id)
    assert view is not None
    with store.engine.connect() as conn:
        seq = {row.id: row.seq for row in conn.execute(select(t.items.c.id, t.items.c.seq))}
    title = view.summary.story.title
    with_teaser = [v.item for v in view.items if v.item.teaser]
    first = min(with_teaser, key=lambda i: (i.headline != title, seq[i.id]), default=None)
    sources = Counter(v.source_name for v in view.items)
    days = Counter(
        (v.item.published or v.item.first_seen).date()  # type: ignore[union-attr]
        for v in view.items
        if v.item.duplicate_of is None
    )
    mentions: Counter[tuple[str, str]] = Counter()
    for v in view.items:
        mentions.update({(f.kind, f.value) for f in v.item.facts if f.value})
    ranked = sorted(mentions.items(), key=lambda kv: (-kv[1], kv[0][1]))
    facts = {
        kind: [(value, n) for (k, value), n in ranked if k == kind][: summaries.TOP_FACTS]
        for kind in summaries.FACT_KINDS
    }
    facts["date"].sort()
    return summaries.Summary(
        teaser=first.teaser if first else "",
        sources=[name for name, _ in sorted(sources.items(), key=lambda nc: (-nc[1], nc[0]))],
        places=[(value, n) for (k, value), n in ranked if k == "place"],
        per_day=dict(days),
        facts=facts,
    )


def assert_summaries_right(store: Store) -> None:
    """Every story has a stored summary equal to the reference, and no other summary exists."""
    with store.engine.connect() as conn:
        story_ids = sorted(conn.execute(select(t.stories.c.id)).scalars())
        stored = {row.story_id: summaries.from_row(row)
                  for row in conn.execute(select(t.story_summaries))}
    assert sorted(stored) == story_ids
    for story_id in story_ids:
        assert stored[story_id] == reference(store, story_id), story_id


def test_summary_after_ingest_and_new_items(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.save_source(OTHER, T0)
    first = make_item(1, facts=[_fact("place", "PE"), _fact("person", "Ana")])
    store.write_batch([first, make_item(2, hours=30, facts=[_fact("place", "PE")])],
                      [Assignment("s1", 1.0, True), Assignment("s1", 0.8, False)])
    assert_summaries_right(store)
    with store.engine.connect() as conn:
        summary = summaries.read(conn, ["s1"])["s1"]
    assert summary.teaser == "teaser 1" and summary.places == [("PE", 2)]
    assert summary.per_day == {T0.date(): 1, (T0 + timedelta(hours=30)).date(): 1}
    # Later items from another source, one a copy: sources count it, the days do not.
    copy = replace(make_item(3, hours=50, duplicate_of=first.id,
                             facts=[_fact("org", "UN"), _fact("date", "2020-11-01")]),
                   source_id="src2")
    store.write_batch([copy, replace(make_item(4, hours=51), teaser="")],
                      [Assignment("s1", 1.0, False), Assignment("s1", 0.7, False)])
    assert_summaries_right(store)
    with store.engine.connect() as conn:
        summary = summaries.read(conn, ["s1"])["s1"]
    assert summary.sources == ["Paper", "Other paper"]
    assert sum(summary.per_day.values()) == 3
    assert summary.facts["org"] == [("UN", 1)] and summary.facts["date"] == [("2020-11-01", 1)]


def test_summary_after_merges(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch(
        [make_item(1, facts=[_fact("place", "BR")]), make_item(2, hours=1)],
        [Assignment("s1", 1.0, True), Assignment("s2", 1.0, True)],
    )
    merge = StoryEvent("merge", "s1", ("s2",), T0 + timedelta(hours=2), {"similarity": 0.6})
    store.write_batch([make_item(3, hours=2, facts=[_fact("place", "BR")])],
                      [Assignment("s1", 0.8, False)], [merge])
    assert_summaries_right(store)
    store.write_batch([make_item(4, hours=3)], [Assignment("s0", 1.0, True)],
                      [StoryEvent("merge", "s0", ("s1",), T0 + timedelta(hours=3))])
    assert_summaries_right(store)
    with store.engine.connect() as conn:
        assert summaries.read(conn, ["s0"])["s0"].places == [("BR", 2)]


def test_summary_after_split_with_copies(store: Store) -> None:
    store.save_source(SOURCE, T0)
    items = [make_item(n, hours=n, facts=[_fact("place", "US" if n < 3 else "CN")])
             for n in range(1, 5)]
    copy = make_item(9, hours=5, duplicate_of=items[3].id)
    store.write_batch(
        [*items, copy],
        [Assignment("s1", 1.0, True)] + [Assignment("s1", 0.5, False)] * 3
        + [Assignment("s1", 1.0, False, {"duplicate_of": items[3].id})],
    )
    assert_summaries_right(store)
    split = StoryEvent("split", "s1", ("s1b",), T0 + timedelta(hours=6),
                       {"similarity": 0.3, "items": [items[2].id, items[3].id]})
    store.write_batch([make_item(5, hours=6)], [Assignment("s1b", 0.7, False)], [split])
    assert_summaries_right(store)
    with store.engine.connect() as conn:
        found = summaries.read(conn, ["s1", "s1b"])
    assert found["s1"].places == [("US", 2)] and found["s1b"].places == [("CN", 2)]
    assert found["s1b"].teaser == items[2].teaser  # the new story's title is item 3's


def test_summary_after_a_split_that_empties_the_story(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch([make_item(1), make_item(2, hours=1)],
                      [Assignment("s1", 1.0, True), Assignment("s1", 0.9, False)])
    split = StoryEvent("split", "s1", ("s2",), T0 + timedelta(hours=2),
                       {"items": ["i0000000000000001", "i0000000000000002"]})
    store.write_batch([make_item(3, hours=2)], [Assignment("s2", 0.9, False)], [split])
    assert store.count("stories") == 1
    assert_summaries_right(store)


def test_summary_follows_a_split_correction(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch([make_item(1), make_item(2, hours=1)],
                      [Assignment("s1", 1.0, True), Assignment("s1", 0.9, False)])
    fixed = SplitCorrection("Headline 1", "a better teaser", None)
    assert store.correct_split("i0000000000000001", fixed, T0)
    assert_summaries_right(store)
    with store.engine.connect() as conn:
        assert summaries.read(conn, ["s1"])["s1"].teaser == "a better teaser"


def test_summaries_after_ingest_and_re_ingest(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(EXAMPLES.rglob("*"))
             if p.is_file() and p.suffix.lower() not in (".md", ".license")
             and not p.name.upper().startswith(("README", "LICENSE", "SOURCES"))]
    settings = IngestSettings(date=datetime(2020, 11, 17, tzinfo=UTC))
    with Store.open(tmp_path / "s.db") as store:
        ingest(store, files[: len(files) // 2], settings, now=NOW)
        assert_summaries_right(store)
        ingest(store, files, settings, now=NOW)  # half of it again, and the rest
        assert_summaries_right(store)
        with store.engine.connect() as conn:
            before = list(conn.execute(select(t.story_summaries).order_by("story_id")))
        ingest(store, files, settings, now=NOW)  # nothing new: nothing changes
        with store.engine.connect() as conn:
            after = list(conn.execute(select(t.story_summaries).order_by("story_id")))
        assert after == before and len(after) == store.count("stories") > 1


def test_migration_backfills_existing_stories(tmp_path: Path) -> None:
    """A database at revision 0003 with stories gets their summaries when opened."""
    url = database_url(tmp_path / "old.db")
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg = Config()
        migrations = resources.files("storyline.store") / "migrations"
        cfg.set_main_option("script_location", str(migrations))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    engine.dispose()
    old = Store(create_engine(url))  # the write path, minus the summaries table
    old.save_source(SOURCE, T0)
    with old.engine.begin() as conn:
        items: list[Item] = [make_item(1, facts=[_fact("place", "FR")]), make_item(2, hours=3)]
        conn.execute(t.items.insert(), [item_row(i) for i in items])
        conn.execute(t.facts.insert(), [r for i in items for r in fact_rows(i)])
        conn.execute(t.stories.insert().values(
            id="s1", title="Headline 1", first_seen_at=T0, last_seen_at=T0, item_count=2,
            duplicate_count=0, source_count=1))
        conn.execute(t.item_story.insert(), [
            {"item_id": i.id, "story_id": "s1", "score": 1.0, "explanation": {}} for i in items])
    old.close()
    with Store.open(tmp_path / "old.db") as store:
        assert store.count("story_summaries") == 1
        assert_summaries_right(store)


def test_a_missing_summary_is_computed_on_the_fly(store: Store) -> None:
    store.save_source(SOURCE, T0)
    store.write_batch([make_item(1, facts=[_fact("place", "PE")])], [Assignment("s1", 1.0, True)])
    with store.engine.begin() as conn:
        conn.execute(t.story_summaries.delete())
    with store.engine.connect() as conn:
        assert summaries.read(conn, ["s1"])["s1"] == reference(store, "s1")
