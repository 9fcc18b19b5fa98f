"""Headline/teaser splitting for run-on listing lines.

``Splitter.load().split(line)`` returns a :class:`ListingSplit`; :class:`SplitComponent` runs
it as a pipeline step. See ``docs/splitter.md`` for how it works and how to retrain it.
"""

from storyline.understand.split.component import SplitComponent
from storyline.understand.split.splitter import ListingSplit, Splitter
from storyline.understand.split.tags import normalise

__all__ = ["ListingSplit", "SplitComponent", "Splitter", "normalise"]
