"""The online-learner contract, checked on every grouper (after river's estimator checks).

Each grouper must: clone to an untrained grouper with equal parameters; survive pickling with
the same later answers; give the same assignments for the same input order; honour a given
assignment; and never move an item to another story unless a merge event says so.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storyline.group.base import Grouper, clone, constructor_params, story_id_for
from storyline.group.embed import HashingEmbedder
from storyline.group.stories import GroupingSettings, StoryGrouper
from storyline.model import Assignment, Fact, Item

FIXTURE = Path(__file__).parent / "fixtures" / "uci_slice.jsonl"


def _factories() -> list[Any]:
    """Every grouper class, as a zero-argument factory with an id."""
    factories: list[Any] = [
        pytest.param(
            lambda: StoryGrouper(GroupingSettings(threshold=0.2), HashingEmbedder()),
            id="story-hashing",
        ),
        pytest.param(lambda: StoryGrouper(), id="story-static"),
        pytest.param(
            lambda: StoryGrouper(GroupingSettings(threshold=0.3, merge_threshold=0.35),
                                 HashingEmbedder(32)),
            id="story-eager-merge",
        ),
    ]
    try:
        from storyline.group.tfidf import TfidfGrouper
    except ImportError:
        pass
    else:
        factories.append(pytest.param(TfidfGrouper, id="tfidf"))
    return factories


FACTORIES = _factories()


def _items(count: int = 240) -> list[Item]:
    """Real headlines from the committed slice, with day dates and some made-up places."""
    items = []
    with FIXTURE.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if n >= count:
                break
            row = json.loads(line)
            facts = [Fact("place", "GB")] if "uk inflation" in row["title"].lower() else []
            items.append(
                Item(
                    id=item_id(n),
                    source_id=row["publisher"],
                    raw_text=row["title"],
                    headline=row["title"],
                    published=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=row["day"]),
                    facts=facts,
                )
            )
    return items


def item_id(n: int) -> str:
    """Ids as the store makes them: hash-like, so the story ids derived from them differ."""
    return "i" + hashlib.blake2b(str(n).encode(), digest_size=8).hexdigest()


def _learn(grouper: Any, items: list[Item]) -> list[Assignment]:
    return [grouper.learn_one(item) for item in items]


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return _items()


@pytest.mark.parametrize("factory", FACTORIES)
def test_is_a_grouper(factory: Callable[[], Any]) -> None:
    assert isinstance(factory(), Grouper)


@pytest.mark.parametrize("factory", FACTORIES)
def test_clone_has_equal_params_and_no_state(
    factory: Callable[[], Any], items: list[Item]
) -> None:
    grouper = factory()
    _learn(grouper, items[:80])
    twin = clone(grouper)
    assert type(twin) is type(grouper)
    assert constructor_params(twin) == constructor_params(grouper)
    fresh = factory()
    assert [twin.predict_one(i) for i in items[80:100]] == [
        fresh.predict_one(i) for i in items[80:100]
    ]


@pytest.mark.parametrize("factory", FACTORIES)
def test_predict_does_not_learn(factory: Callable[[], Any], items: list[Item]) -> None:
    grouper = factory()
    _learn(grouper, items[:60])
    before = [grouper.predict_one(i) for i in items[60:90]]
    again = [grouper.predict_one(i) for i in items[60:90]]
    assert before == again


@pytest.mark.parametrize("factory", FACTORIES)
def test_pickle_round_trip_gives_same_later_answers(
    factory: Callable[[], Any], items: list[Item]
) -> None:
    grouper = factory()
    _learn(grouper, items[:120])
    copy = pickle.loads(pickle.dumps(grouper))
    assert _learn(copy, items[120:]) == _learn(grouper, items[120:])


@pytest.mark.parametrize("factory", FACTORIES)
def test_same_order_same_assignments(factory: Callable[[], Any], items: list[Item]) -> None:
    assert _learn(factory(), items) == _learn(factory(), items)


@pytest.mark.parametrize("factory", FACTORIES)
def test_given_assignment_is_honoured(factory: Callable[[], Any], items: list[Item]) -> None:
    grouper = factory()
    first = grouper.learn_one(items[0])
    forced = Assignment(story_id_for("iforcedstory00"), 1.0, True)
    got = grouper.learn_one(items[1], forced)
    assert got.story_id == forced.story_id
    # The forced story now exists: an item forced into the first one lands there too.
    again = grouper.learn_one(items[2], Assignment(first.story_id, 1.0, False))
    assert again.story_id == first.story_id


@pytest.mark.parametrize("factory", FACTORIES)
def test_story_ids_stable_unless_merged(factory: Callable[[], Any], items: list[Item]) -> None:
    grouper = factory()
    assigned = _learn(grouper, items)
    assert any(not a.is_new_story for a in assigned)  # the check below must see joins
    for item, assignment in zip(items, assigned, strict=True):
        if assignment.is_new_story:
            assert assignment.story_id == story_id_for(item.id)
    drain = getattr(grouper, "drain_events", None)
    aliases: dict[str, str] = {}
    if drain is not None:
        for event in drain():
            if event.kind != "merge":
                continue  # a split's new id is a story of its own, not an alias of the old
            for old in event.other_ids:
                aliases[old] = event.story_id
    resolve = getattr(grouper, "resolve", None)
    if resolve is None:
        return

    def follow(story_id: str) -> str:
        while story_id in aliases:
            story_id = aliases[story_id]
        return story_id

    for assignment in assigned:
        assert resolve(assignment.story_id) == follow(assignment.story_id)


def test_explanation_has_the_promised_keys(items: list[Item]) -> None:
    grouper = StoryGrouper(GroupingSettings(threshold=0.2), HashingEmbedder())
    assigned = _learn(grouper, items)
    joined = [a for a in assigned if not a.is_new_story]
    assert joined
    for assignment in assigned:
        if assignment.is_new_story:  # an opening says how close the nearest story came
            assert set(assignment.explanation) - {"embedding_only"} == {
                "opened", "similarity", "closest", "threshold", "candidates"
            }
            e = assignment.explanation
            assert e["similarity"] < 0.2 or "embedding_only" in e
            continue
        assert set(assignment.explanation) == {
            "similarity", "embedding", "terms", "places", "entities", "candidates"
        }
    assert any(a.explanation["terms"] for a in joined)
    assert any(a.explanation["places"] == ["GB"] for a in joined)


def test_merge_keeps_the_older_id_and_records_an_event() -> None:
    grouper = StoryGrouper(GroupingSettings(threshold=0.9, merge_threshold=0.5),
                           HashingEmbedder(64))
    day = datetime(2024, 5, 1, tzinfo=UTC)
    texts = ["Volcano erupts on Iceland coast", "Iceland volcano eruption forces evacuation"]
    first = grouper.learn_one(Item("i000000000001", "a", texts[0], texts[0], published=day))
    second = grouper.learn_one(Item("i000000000002", "b", texts[1], texts[1], published=day))
    assert first.is_new_story and second.is_new_story
    # A threshold the next item passes for both stories lets the grouper see them converge.
    grouper.settings = GroupingSettings(threshold=0.05, merge_threshold=0.2)
    grouper.state.settings = grouper.settings
    text = "Iceland volcano erupts again on the coast, evacuation ordered"
    grouper.learn_one(Item("i000000000003", "c", text, text, published=day))
    events = grouper.drain_events()
    assert [e.kind for e in events] == ["merge"]
    assert events[0].story_id == first.story_id
    assert events[0].other_ids == (second.story_id,)
    assert grouper.resolve(second.story_id) == first.story_id
    assert grouper.drain_events() == []


def test_idle_stories_are_evicted() -> None:
    grouper = StoryGrouper(GroupingSettings(window_days=2), HashingEmbedder())
    start = datetime(2024, 5, 1, tzinfo=UTC)
    for n in range(10):
        text = f"story number {n} about topic {n * 7}"
        when = start + timedelta(days=n)
        grouper.learn_one(Item(f"i{n:012d}", "s", text, text, published=when))
    assert grouper.active_stories <= 3


def _run(grouper: StoryGrouper, items: list[Item], batch: int) -> list[Assignment]:
    out = []
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        if batch > 1:
            grouper.prefetch(chunk)
        out.extend(grouper.learn_one(item) for item in chunk)
    return out


def test_prefetch_changes_nothing_but_speed() -> None:
    # Embedding a batch ahead must give the vectors embedding one text at a time gives, to
    # the bit, with the shipped model: the same assignments, scores and explanations.
    items = _items()
    alone = _run(StoryGrouper(), items, 1)
    ahead = _run(StoryGrouper(), _items(), 64)
    assert [(a.story_id, a.score, a.explanation) for a in ahead] == [
        (a.story_id, a.score, a.explanation) for a in alone
    ]
    # An item whose text changed after the prefetch is embedded anew, not from the batch.
    grouper = StoryGrouper()
    grouper.prefetch(items[:2])
    changed = Item(id=items[0].id, source_id="s", raw_text="x", headline="Volcano erupts in Chile",
                   published=items[0].published)
    vec = grouper.state.features(changed).raw
    assert vec is not None
    assert float(vec @ grouper.state.embedder.embed(["Volcano erupts in Chile"])[0]) > 0.999
