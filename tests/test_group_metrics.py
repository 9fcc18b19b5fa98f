"""B-cubed and pairwise scores against hand-computed values."""

from __future__ import annotations

import pytest

from storyline.group.metrics import bcubed, pairwise


def test_perfect_clustering() -> None:
    gold = ["a", "a", "b", "c", "c", "c"]
    pred = [1, 1, 2, 3, 3, 3]
    assert bcubed(pred, gold).f1 == pytest.approx(1.0)
    assert pairwise(pred, gold).f1 == pytest.approx(1.0)


def test_hand_computed_example() -> None:
    gold = ["a", "a", "a", "b", "b"]
    pred = [1, 1, 2, 2, 2]
    scores = bcubed(pred, gold)
    # Items 1-2: P 1, R 2/3; item 3: P 1/3, R 1/3; items 4-5: P 2/3, R 1.
    assert scores.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert scores.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    pairs = pairwise(pred, gold)
    # Predicted pairs: (1,2), (3,4), (3,5), (4,5); gold pairs: (1,2), (1,3), (2,3), (4,5).
    assert pairs.precision == pytest.approx(2 / 4)
    assert pairs.recall == pytest.approx(2 / 4)


def test_all_singletons_and_all_in_one() -> None:
    gold = ["a", "a", "b", "b"]
    singles = bcubed([1, 2, 3, 4], gold)
    assert singles.precision == pytest.approx(1.0)
    assert singles.recall == pytest.approx(0.5)
    lump = bcubed([0, 0, 0, 0], gold)
    assert lump.precision == pytest.approx(0.5)
    assert lump.recall == pytest.approx(1.0)


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError):
        bcubed([1], ["a", "b"])


def test_empty() -> None:
    assert bcubed([], []).f1 == 0.0
