"""Tests of the listing adaptation (``split/adapt.py``) and of its use by the splitter."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.model import Item
from storyline.understand.split import SplitComponent, Splitter
from storyline.understand.split.adapt import (
    LENGTH_CLASSES,
    MAX_RATIO,
    adapt_to_listing,
    length_classes,
    length_prior,
)


def _flat_prior() -> np.ndarray:
    return np.full(LENGTH_CLASSES, 1.0 / LENGTH_CLASSES)


def test_length_classes_follow_the_candidate_layout() -> None:
    # Two lines: 3 cuts + "no cut", then 1 cut + "no cut".
    offsets = np.array([0, 4, 6])
    assert length_classes(offsets).tolist() == [1, 2, 3, 0, 1, 0]


def test_length_prior_counts_weighted_gold_lengths() -> None:
    prior = length_prior([(1, 5), (1, 6), (4, 5)], [1.0, 1.0, 2.0])
    assert abs(prior.sum() - 1.0) < 1e-12
    # Two lines cut after 2 tokens (weight 2) and one headline-only line (weight 2).
    assert prior[2] > 0.45 and prior[0] > 0.45
    assert prior[7] > 0.0  # every class stays possible


def test_consistent_listing_moves_an_ambiguous_line() -> None:
    # Nine lines clearly cut after 2 tokens; the tenth is torn between 2 and 5 tokens and
    # leans to 5. In a listing whose headlines are 2 tokens long, 2 wins.
    rows = 7  # 6 cuts + "no cut"
    clear = np.array([0.02, 0.9, 0.02, 0.02, 0.02, 0.01, 0.01])
    torn = np.array([0.02, 0.42, 0.02, 0.02, 0.48, 0.02, 0.02])
    probs = np.concatenate([clear] * 9 + [torn])
    offsets = np.arange(0, 10 * rows + 1, rows)
    adjusted = adapt_to_listing(probs, offsets, _flat_prior())
    line_sums = np.add.reduceat(adjusted, offsets[:-1])
    assert np.allclose(line_sums, 1.0)
    last = adjusted[-rows:]
    assert int(np.argmax(torn)) == 4 and int(np.argmax(last)) == 1


def test_one_line_alone_hardly_moves() -> None:
    torn = np.array([0.02, 0.42, 0.02, 0.02, 0.48, 0.02, 0.02])
    adjusted = adapt_to_listing(torn, np.array([0, 7]), _flat_prior())
    assert int(np.argmax(adjusted)) == 4
    assert np.abs(adjusted - torn).max() < 0.05


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.floats(min_value=1e-6, max_value=1.0), min_size=2, max_size=12),
                min_size=1, max_size=30))
def test_adaptation_is_bounded(lines: list[list[float]]) -> None:
    # Whatever the listing, each line still sums to one, and no cut's odds against another
    # of the same line move by more than the bounded ratio can explain (MAX_RATIO squared).
    probs = np.concatenate([np.array(line) / sum(line) for line in lines])
    offsets = np.cumsum([0] + [len(line) for line in lines])
    adjusted = adapt_to_listing(probs, offsets, length_prior([(0, 2)] * 3, [1.0] * 3))
    for start, end in itertools.pairwise(offsets):
        before, after = probs[start:end], adjusted[start:end]
        assert abs(after.sum() - 1.0) < 1e-9
        odds = (after / after[0]) / (before / before[0])
        assert odds.max() <= MAX_RATIO**2 * (1 + 1e-9)
        assert odds.min() >= MAX_RATIO**-2 * (1 - 1e-9)


def test_shipped_model_carries_a_length_prior() -> None:
    prior = Splitter.load().scorer.length_prior
    assert prior is not None and prior.shape == (LENGTH_CLASSES,)
    assert abs(prior.sum() - 1.0) < 1e-9
    # Most training headlines run 5-12 tokens.
    assert prior[5:13].sum() > 0.6


def test_component_adapts_each_source_on_its_own() -> None:
    # Lines of two sources in one pipeline batch are split as two listings: a source's
    # splits are the same whether or not another source's lines share the batch.
    splitter = Splitter.load()
    a = ["Floods hit Sindh Heavy rain fell across the province on Monday, officials said.",
         "Peru elects a new president Congress voted late on Sunday after a week of protests."]
    b = ["Markets rally as central bank holds rates steady for a third month Stocks rose "
         "sharply in early trading as investors welcomed the decision."] * 5
    items = [Item(id=f"a{i}", source_id="a", raw_text=line) for i, line in enumerate(a)]
    items += [Item(id=f"b{i}", source_id="b", raw_text=line) for i, line in enumerate(b)]
    piped = list(SplitComponent(splitter).pipe(items))
    alone = splitter.split_many(a)
    assert [(i.headline, i.teaser) for i in piped[:2]] == [(r.headline, r.teaser) for r in alone]
    assert [i.split_confidence for i in piped[:2]] == [r.confidence for r in alone]
