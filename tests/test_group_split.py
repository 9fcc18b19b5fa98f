"""Splitting a story that drifted: the later part opens a new story and the event lists the
items that moved, so the store can move their links."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from storyline.group.embed import HashingEmbedder
from storyline.group.split import split_story_id, two_means
from storyline.group.stories import GroupingSettings, StoryGrouper
from storyline.model import Assignment, Item

DAY = datetime(2024, 5, 1, tzinfo=UTC)
VOLCANO = [
    "Volcano erupts on Iceland coast",
    "Iceland volcano eruption forces evacuation",
    "Ash cloud from Iceland volcano grounds flights",
    "Iceland volcano lava reaches the sea",
]
FOOTBALL = [
    "Madrid win the cup final after extra time",
    "Cup final goal settles Madrid derby",
    "Madrid fans celebrate cup final victory",
    "Coach praises players after cup final win",
]


def _item(n: int, text: str) -> Item:
    return Item(f"i{n:012d}", "src", text, text, published=DAY)


def _eager() -> StoryGrouper:
    """A grouper that puts every item in the first story, so the story drifts."""
    settings = GroupingSettings(threshold=-1.0, embedding_alone=-1.0, merge_threshold=2.0)
    return StoryGrouper(settings, HashingEmbedder())


def test_a_drifted_story_splits_and_the_event_lists_the_moved_items() -> None:
    grouper = _eager()
    items = [_item(n, t) for n, t in enumerate(VOLCANO + FOOTBALL)]
    assigned = [grouper.learn_one(item) for item in items]
    first = assigned[0].story_id
    assert {a.story_id for a in assigned} == {first}
    events = grouper.drain_events()
    assert [e.kind for e in events] == ["split"]
    event = events[0]
    assert event.story_id == first  # the older part keeps the id
    assert event.other_ids == (split_story_id(first, items[4].id),)
    assert event.reason["items"] == [item.id for item in items[4:]]
    assert event.reason["similarity"] < grouper.state.settings.split_threshold
    assert grouper.active_stories == 2
    # The new story is a real story now: the next item on it can join it.
    where = grouper.predict_one(_item(99, "Madrid cup final parade"))
    assert where.story_id in {first, event.other_ids[0]}


def test_a_coherent_story_does_not_split() -> None:
    grouper = _eager()
    texts = [f"{t} update {n}" for n, t in enumerate(VOLCANO * 2)]
    for n, text in enumerate(texts):
        grouper.learn_one(_item(n, text))
    assert grouper.drain_events() == []


def test_replayed_links_do_not_split() -> None:
    # A replay gives each stored link: the store already holds the splits that followed.
    grouper = _eager()
    story = "s000000000000"
    for n, text in enumerate(VOLCANO + FOOTBALL):
        grouper.learn_one(_item(n, text), Assignment(story, 1.0, n == 0))
    assert grouper.drain_events() == []


def test_splits_can_be_turned_off() -> None:
    grouper = StoryGrouper(
        GroupingSettings(threshold=-1.0, merge_threshold=2.0, split_min_size=0),
        HashingEmbedder(),
    )
    for n, text in enumerate(VOLCANO + FOOTBALL):
        grouper.learn_one(_item(n, text))
    assert grouper.drain_events() == []


def test_two_means_separates_two_directions_deterministically() -> None:
    rng = np.random.default_rng(0)
    a = np.eye(8, dtype=np.float32)[0] + 0.05 * rng.standard_normal((5, 8)).astype(np.float32)
    b = np.eye(8, dtype=np.float32)[1] + 0.05 * rng.standard_normal((4, 8)).astype(np.float32)
    vecs = np.vstack([a, b])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    labels = two_means(vecs)
    assert len(set(labels[:5])) == 1 and len(set(labels[5:])) == 1
    assert labels[0] != labels[5]
    assert np.array_equal(labels, two_means(vecs))


def test_replayed_links_do_not_merge() -> None:
    # Two stored stories of the same event stay two: the store did not merge them.
    grouper = StoryGrouper(GroupingSettings(threshold=0.05, merge_threshold=0.1),
                           HashingEmbedder())
    for n, text in enumerate(VOLCANO * 2):
        story = f"s00000000000{n % 2}"
        grouper.learn_one(_item(n, text), Assignment(story, 1.0, n < 2))
    assert grouper.drain_events() == []
    assert grouper.active_stories == 2
