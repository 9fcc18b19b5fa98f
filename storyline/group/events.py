"""History events of stories: merges and splits, as the grouper records them.

A merge keeps the older story's id and turns the younger's into an alias of it; a split opens
a new story from part of an old one. The store writes these events to a story's history, and
keeps the aliases so old links and URLs still resolve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class StoryEvent:
    """One change to the set of stories.

    ``kind`` "merge": ``other_ids`` were folded into ``story_id`` and are now its aliases.
    ``kind`` "split": ``other_ids`` (one id) was opened from ``story_id``, which keeps its id;
    ``reason["items"]`` lists the ids of the items that moved to it (possibly including the
    item just learnt, whose assignment still names ``story_id``).
    ``at`` is the date of the item that triggered the change; ``reason`` holds the scores
    (``reason["similarity"]``: of the two stories for a merge, of the two parts for a split).
    """

    kind: Literal["merge", "split"]
    story_id: str
    other_ids: tuple[str, ...]
    at: datetime
    reason: dict[str, Any] = field(default_factory=dict)
