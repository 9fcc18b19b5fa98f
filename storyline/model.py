"""The data that flows through the pipeline: sources, items, facts, stories and links.

Plain dataclasses, no I/O: every stage (ingest, understand, group, store, serve) speaks them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class MediaType(StrEnum):
    """What an item is, as far as its listing or feed tells."""

    TEXT = "text"
    AUDIO = "audio"
    VIDEO = "video"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class Source:
    """Where items come from: a file, a URL or standard input."""

    id: str
    name: str
    kind: str  # "file", "url" or "stdin"
    location: str


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing learnt about an item, with where it came from.

    ``field`` and ``start``/``end`` point at the characters of the item that support the fact;
    ``component`` names the pipeline step that found it.
    """

    kind: str  # "place", "person", "org", "date", "language", ...
    value: str  # normalised value: ISO country code, canonical name, ISO date, language code
    surface: str = ""  # the text as it stands in the item
    field: str = ""  # "headline", "teaser", "body", "kicker", ...
    start: int = -1
    end: int = -1
    component: str = ""
    confidence: float = 1.0
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(slots=True)
class Item:
    """One news item: a feed entry, a line of a listing, a row of a table.

    ``published_estimated`` is true when ``published`` is not the publisher's own date but the
    ingest time or a date the user gave for a whole listing.
    """

    id: str
    source_id: str
    raw_text: str
    headline: str = ""
    teaser: str = ""
    body: str = ""
    url: str | None = None
    canonical_url: str | None = None
    published: datetime | None = None
    published_estimated: bool = False
    first_seen: datetime | None = None
    kicker: str | None = None
    media_type: MediaType = MediaType.TEXT
    language: str | None = None
    truncated: bool = False
    content_hash: str = ""
    authors: list[str] = dataclasses.field(default_factory=list)
    categories: list[str] = dataclasses.field(default_factory=list)
    facts: list[Fact] = dataclasses.field(default_factory=list)
    # Per-item notes from the pipeline ("split: low confidence", "component X failed: ...").
    flags: list[str] = dataclasses.field(default_factory=list)
    split_confidence: float | None = None
    duplicate_of: str | None = None

    @property
    def text(self) -> str:
        """Headline and teaser as one text, the unit most components read."""
        return f"{self.headline}\n{self.teaser}".strip()


@dataclass(frozen=True, slots=True)
class Story:
    """A group of items about one developing event. ``id`` never changes once given."""

    id: str
    title: str
    first_seen: datetime
    last_seen: datetime
    item_count: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """The grouper's answer for one item: which story, how sure, and why."""

    story_id: str
    score: float
    is_new_story: bool
    explanation: dict[str, Any] = dataclasses.field(default_factory=dict)
