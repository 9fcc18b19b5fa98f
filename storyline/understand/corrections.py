"""Splits corrected by a user, applied after the splitter so a correction is never lost.

A correction is keyed by the hash of the listing line, so the same line in a later listing,
from any source, comes out as the user said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from storyline.ids import content_hash
from storyline.model import Item
from storyline.understand.split.component import FLAG_LOW_CONFIDENCE


@dataclass(frozen=True, slots=True)
class SplitCorrection:
    """The user's headline, teaser and kicker for one listing line."""

    headline: str
    teaser: str
    kicker: str | None = None


def line_key(raw_text: str) -> str:
    """The key a correction is stored under: the hash of the normalised line."""
    return content_hash(raw_text)


class CorrectionsComponent:
    """Applies stored corrections to listing lines the splitter has just split."""

    name = "split_corrections"
    requires: tuple[str, ...] = ("raw_text", "headline", "teaser")
    provides: tuple[str, ...] = ("headline", "teaser", "kicker", "split_confidence")

    def __init__(self, corrections: Mapping[str, SplitCorrection]) -> None:
        self.corrections = corrections

    def __call__(self, item: Item) -> Item:
        """Replace the split of a corrected line; other items pass unchanged."""
        if item.split_confidence is None or not self.corrections:
            return item  # not a listing line
        correction = self.corrections.get(line_key(item.raw_text))
        if correction is None:
            return item
        item.headline = correction.headline
        item.teaser = correction.teaser
        item.kicker = correction.kicker
        item.split_confidence = 1.0
        item.flags = [f for f in item.flags if f != FLAG_LOW_CONFIDENCE]
        item.flags.append("split: corrected by user")
        return item
