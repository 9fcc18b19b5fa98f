"""The learned join and merge decisions: the logistic fit, the features, and the settings."""

from __future__ import annotations

import numpy as np

from storyline.group.embed import HashingEmbedder
from storyline.group.join import (
    FEATURES,
    PAIR_FEATURES,
    fit_logistic,
    pair_features,
    probabilities,
)
from storyline.group.split import Member
from storyline.group.stories import GroupingSettings, StoryGrouper
from storyline.group.story import Story
from storyline.model import Item


def test_fit_logistic_recovers_the_sign_and_scale() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2)) * np.array([1.0, 10.0])
    z = 2.0 * x[:, 0] - 0.1 * x[:, 1] + 0.5
    y = (rng.random(4000) < 1 / (1 + np.exp(-z))).astype(np.float64)
    weights = fit_logistic(x, y, l2=0.0)
    assert abs(weights[0] - 0.5) < 0.2
    assert abs(weights[1] - 2.0) < 0.3
    assert abs(weights[2] + 0.1) < 0.03
    p = probabilities(x, weights)
    assert p.shape == (4000,) and float(p.min()) >= 0.0 and float(p.max()) <= 1.0


def _story(key: int, vecs: np.ndarray, words: list[str]) -> Story:
    story = Story(f"s{key}", key, np.zeros(vecs.shape[1], dtype=np.float32), 0, 0, 0)
    members = []
    for n, vec in enumerate(vecs):
        story.add(vec, words, (), 0)
        members.append(Member(f"i{key}{n}", n, vec, frozenset(words), frozenset(), 0))
    story.set_members(members)
    return story


def test_pair_features_see_overlapping_members() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(6, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    a = _story(0, base[:3], ["easter"])
    b = _story(1, base[3:], ["friday"])
    c = _story(2, base[:3].copy(), ["easter"])  # the same members as a
    apart = pair_features(a, b, 0.1, 0.0, 0.0, 0.1, 0, True)[0]
    same = pair_features(a, c, 1.0, 1.0, 0.0, 1.0, 0, True)[0]
    assert apart.shape == same.shape == (len(PAIR_FEATURES),)
    link = PAIR_FEATURES.index("nn_link")
    assert same[link] > 0.99 > apart[link]
    assert same[PAIR_FEATURES.index("log_small")] == np.log1p(3)


def _items() -> list[Item]:
    texts = ["volcano erupts in iceland", "iceland volcano erupts again", "ash cloud over iceland",
             "central bank raises rates", "bank raises interest rates", "rates rise at bank"]
    return [Item(f"i{n:04d}", "src", t, t) for n, t in enumerate(texts)]


def test_without_learned_weights_the_hand_rules_decide() -> None:
    hand = GroupingSettings(threshold=0.2, merge_weights=())
    grouper = StoryGrouper(hand, HashingEmbedder())
    ids = [grouper.learn_one(item).story_id for item in _items()]
    assert ids[0] == ids[1] and ids[3] == ids[4]
    assert grouper.settings is hand  # stored unchanged


def test_a_learned_join_decides_on_the_best_candidate() -> None:
    # An intercept only: a probability of ~1 joins whatever comes first, ~0 never joins.
    zeros = (0.0,) * len(FEATURES)
    always = StoryGrouper(GroupingSettings(join_weights=(20.0, *zeros)), HashingEmbedder())
    never = StoryGrouper(GroupingSettings(join_weights=(-20.0, *zeros)), HashingEmbedder())
    joined = {always.learn_one(item).story_id for item in _items()}
    alone = {never.learn_one(item).story_id for item in _items()}
    assert len(joined) == 1
    assert len(alone) == len(_items())


def test_a_learned_merge_that_always_says_no_never_merges() -> None:
    zeros = (0.0,) * len(PAIR_FEATURES)
    settings = GroupingSettings(threshold=0.0, merge_weights=(-20.0, *zeros))
    grouper = StoryGrouper(settings, HashingEmbedder())
    events = []
    for n, item in enumerate(_items() * 3):
        grouper.learn_one(Item(f"{item.id}-{n}", "src", item.raw_text, item.headline))
        events += grouper.drain_events()
    assert not [e for e in events if e.kind == "merge"]
