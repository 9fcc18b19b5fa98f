"""The splitter as a pipeline component (see ``storyline/understand/pipeline.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from storyline.model import Item, MediaType
from storyline.understand.split.splitter import ListingSplit, Splitter
from storyline.understand.split.tags import is_truncated, normalise, peel_prefix, trailing_media

FLAG_LOW_CONFIDENCE = "split: low confidence"


class SplitComponent:
    """Fills headline, teaser, kicker, media type and truncation from a listing line.

    Listing lines (``item.headline == ""``) are split by the model. Feed items already have a
    headline: only a leading media tag and a clear kicker are peeled from it, and the teaser is
    checked for an ellipsis; their ``split_confidence`` stays None (nothing was guessed).
    """

    name = "split"
    requires: tuple[str, ...] = ("raw_text",)
    provides: tuple[str, ...] = (
        "headline",
        "teaser",
        "kicker",
        "media_type",
        "truncated",
        "split_confidence",
    )

    def __init__(self, splitter: Splitter | None = None, threshold: float | None = None) -> None:
        """``splitter`` defaults to the shipped model; ``threshold`` is the confidence under
        which a line is kept whole and flagged for the user to check (default: the one stored
        in the model, calibrated with it)."""
        self.splitter = splitter
        self.threshold = threshold

    def _get_splitter(self) -> Splitter:
        # Loaded on first use, not at construction, so building a pipeline stays cheap.
        if self.splitter is None:
            self.splitter = Splitter.load()
        return self.splitter

    def __call__(self, item: Item) -> Item:
        """Split a listing line, or tidy a feed item's headline; returns the same item."""
        if item.headline == "":
            return self._split_listing_line(item)
        return self._tidy_feed_item(item)

    def pipe(self, items: Iterable[Item]) -> Iterator[Item]:
        """Like calling the component on each item, but the listing lines of the batch are
        split together (``Splitter.split_many``), several times faster, and the lines of
        each source as one listing: the splitter adapts to the headline lengths of each
        source's lines (``split/adapt.py``)."""
        batch = list(items)
        listing = [item for item in batch if item.headline == ""]
        splits = iter(self._configured().split_listings(
            [item.raw_text for item in listing], [item.source_id for item in listing]))
        for item in batch:
            yield self._apply(item, next(splits)) if item.headline == "" else \
                self._tidy_feed_item(item)

    def _configured(self) -> Splitter:
        splitter = self._get_splitter()
        if self.threshold is not None and splitter.threshold != self.threshold:
            splitter = Splitter(splitter.scorer, self.threshold)
            self.splitter = splitter
        return splitter

    def _split_listing_line(self, item: Item) -> Item:
        return self._apply(item, self._configured().split(item.raw_text))

    @staticmethod
    def _apply(item: Item, result: ListingSplit) -> Item:
        item.headline = result.headline
        item.teaser = result.teaser
        if result.kicker is not None:
            item.kicker = result.kicker
        if result.media_type is not MediaType.TEXT:
            item.media_type = result.media_type
        item.truncated = item.truncated or result.truncated
        item.split_confidence = result.confidence
        if result.flagged and FLAG_LOW_CONFIDENCE not in item.flags:
            item.flags.append(FLAG_LOW_CONFIDENCE)
        return item

    @staticmethod
    def _tidy_feed_item(item: Item) -> Item:
        headline = normalise(item.headline)
        # A feed's own kicker wins; then only peel what the headline clearly announces.
        prefix = peel_prefix(headline)
        if prefix.rest != headline:
            if item.kicker is None and prefix.kicker is not None:
                item.kicker = prefix.kicker
                item.headline = prefix.rest
            elif prefix.kicker is None:
                item.headline = prefix.rest
            if item.media_type is MediaType.TEXT:
                item.media_type = prefix.media_type
        if item.media_type is MediaType.TEXT:
            item.media_type = trailing_media(item.headline)
        if is_truncated(item.teaser):
            item.truncated = True
        return item
