"""The search language and the index's consistency with the database after a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from storyline.serve.search import Filters, SearchIndex, index_dir_for, index_new_items
from storyline.serve.search_query import And, Not, Or, Term, field_terms, parse, quote
from storyline.store import schema as t
from storyline.store.db import Store

from . import test_serve_support as support
from .test_serve_support import copy_db

# The shared fixture, made visible to this module.
sample_db = support.sample_db


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("floods", Term("floods")),
        ("imran khan", And((Term("imran"), Term("khan")))),
        ('"new york" OR ebola', Or((Term("new york", phrase=True), Term("ebola")))),
        ("a AND (b OR c) NOT d", And((Term("a"), Or((Term("b"), Term("c"))), Not(Term("d"))))),
        ('country:pk source:"El País" -video',
         And((Term("pk", "country"), Term("El País", "source", True), Not(Term("video"))))),
        ("Pakistan: floods", And((Term("Pakistan:"), Term("floods")))),
        ("lang:es", Term("es", "language")),
        ("", None),
        ("((", None),
        ("OR AND NOT", None),
        ('"unclosed', Term("unclosed", phrase=True)),
        (")))a((b", And((Term("a"), Term("b")))),
    ],
)
def test_parse(text: str, tree: object) -> None:
    assert parse(text) == tree


def test_field_terms_and_quote() -> None:
    assert field_terms(parse("country:PK x -country:IN"), "country") == ["PK"]
    assert quote("El País") == '"El País"' and quote("BBC") == "BBC"


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.items)).scalar_one())


def test_index_catches_up_after_a_crash_between_commits(sample_db: str, tmp_path: Path) -> None:
    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        index = SearchIndex(index_dir_for(store))
        total = _count(store)
        assert index.catch_up(store) == total
        assert index.max_seq() > 0 and index.num_docs() == total
        # "Crash" after the database commit, before the index commit: take the newest
        # 50 items out of the index only, as if their index commit never happened.
        writer = index.index.writer(heap_size=15_000_000, num_threads=1)
        mark = index.max_seq()
        for seq in range(mark - 49, mark + 1):
            writer.delete_documents_by_term("seq", seq)
        writer.commit()
        writer.wait_merging_threads()
        del writer
        index.index.reload()
        assert index.num_docs() == total - 50
        # A new process (the server starting, or the next ingest) repairs it from the mark.
        assert index_new_items(store) == 50
        assert SearchIndex(index_dir_for(store)).num_docs() == total
        assert index_new_items(store) == 0  # idempotent


def test_index_rebuilds_when_missing_or_outdated(sample_db: str, tmp_path: Path) -> None:
    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        folder = index_dir_for(store)
        assert index_new_items(store) == _count(store)
        (folder / "storyline-index.json").write_text('{"version": -1}', encoding="utf-8")
        assert index_new_items(store) == _count(store)  # thrown away and rebuilt
        shutil.rmtree(folder)
        assert index_new_items(store) == _count(store)


def test_search_reads_current_story_after_merge(sample_db: str, tmp_path: Path) -> None:
    """The index holds no story ids: results follow merges made after indexing."""
    from storyline.serve import results

    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        index = SearchIndex(index_dir_for(store))
        index.catch_up(store)
        page = results.search(store, index, "bolsonaro")
        first = page.groups[0].items[0].item.id
        with store.engine.begin() as conn:
            target = conn.execute(select(t.stories.c.id).order_by(t.stories.c.id).limit(1))
            target_id = target.scalar_one()
            conn.execute(
                t.item_story.update().where(t.item_story.c.item_id == first)
                .values(story_id=target_id)
            )
        again = results.search(store, index, "bolsonaro")
        assert any(g.story and g.story.id == target_id for g in again.groups)
        # and an item deleted from the database after indexing is simply left out
        with store.engine.begin() as conn:
            conn.execute(delete(t.facts).where(t.facts.c.item_id == first))
            conn.execute(delete(t.item_story).where(t.item_story.c.item_id == first))
            conn.execute(delete(t.items).where(t.items.c.id == first))
        assert results.search(store, index, "bolsonaro").total == page.total  # still indexed
        groups = results.search(store, index, "bolsonaro").groups
        shown = [v.item.id for g in groups for v in g.items]
        assert first not in shown
        assert index.search(None, Filters(country="BR"), lambda s: []).total > 0
