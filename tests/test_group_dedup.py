"""Exact and near duplicate detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storyline.group.dedup import DuplicateDetector, normalise, simhash
from storyline.model import Item

DAY = datetime(2024, 3, 1, tzinfo=UTC)


def _item(n: int, headline: str, teaser: str = "", days: int = 0) -> Item:
    return Item(f"i{n:012d}", "src", headline, headline, teaser,
                published=DAY + timedelta(days=days))


def test_normalise_folds_case_punctuation_and_ellipsis() -> None:
    assert normalise("Fed RAISES rates!  ...") == normalise("fed raises rates")


def test_simhash_is_stable() -> None:
    assert simhash(["fed", "raises", "rates"]) == simhash(["fed", "raises", "rates"])
    assert simhash(["fed", "raises", "rates"]) != simhash(["apple", "unveils", "phone"])


def test_exact_and_near_copies_point_at_the_original() -> None:
    detector = DuplicateDetector()
    original = _item(1, "Mt. Gox Seeks US Court Protection During Japan Bankruptcy (2)")
    assert detector.check(original) is None
    detector.add(original)
    copy = _item(2, "mt gox seeks us court protection during japan bankruptcy (2)...")
    assert detector.check(copy) == original.id
    near = _item(3, "Mt. Gox Seeks US Court Protection During Japan Bankruptcy")
    assert detector.check(near) == original.id


def test_different_headlines_are_not_duplicates() -> None:
    detector = DuplicateDetector()
    detector.add(_item(1, "Apple unveils a new iPhone with a bigger screen"))
    assert detector.check(_item(2, "Samsung sues Apple over the design of its new phone")) is None
    assert detector.check(_item(3, "Apple")) is None  # too short to call a near copy


def test_copies_outside_the_window_are_new_items() -> None:
    detector = DuplicateDetector(window_days=2)
    first = _item(1, "Stock Market News for Today")
    detector.add(first)
    assert detector.check(_item(2, "Stock Market News for Today", days=1)) == first.id
    later = _item(3, "Stock Market News for Today", days=9)
    assert detector.check(later) is None
    detector.add(later)
    assert detector.check(_item(4, "Stock Market News for Today", days=10)) == later.id


def test_capacity_bounds_memory() -> None:
    detector = DuplicateDetector(capacity=10)
    for n in range(50):
        detector.add(_item(n, f"headline number {n} about something else entirely"))
    assert len(detector) == 10
    assert detector.check(_item(99, "headline number 1 about something else entirely")) is None
