"""Pydantic models of the API's responses: they document the API in its OpenAPI schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CountryCount(BaseModel):
    """A country (ISO 3166 alpha-2) and how many of the story's items mention it."""

    code: str
    items: int


class DayCount(BaseModel):
    """Items of a story published on one day."""

    day: str
    items: int


class StoryOut(BaseModel):
    """A story as listed on the front page."""

    id: str
    title: str
    teaser: str
    item_count: int = Field(description="Items in the story, exact copies not counted")
    duplicate_count: int
    source_count: int
    sources: list[str]
    countries: list[CountryCount]
    first_seen: str
    last_seen: str
    items_per_day: list[DayCount]


class StoryPage(BaseModel):
    """A page of stories; pass ``next_cursor`` as ``cursor`` for the next one."""

    stories: list[StoryOut]
    next_cursor: str | None


class FactOut(BaseModel):
    """One extracted fact, with the characters and the component it came from."""

    kind: str
    value: str
    surface: str
    field: str
    start: int
    end: int
    component: str
    confidence: float
    extra: dict[str, Any]


class ItemOut(BaseModel):
    """An item with every field, its facts, its story and why it is in the story."""

    id: str
    source_id: str
    source_name: str
    raw_text: str
    headline: str
    teaser: str
    body: str
    url: str | None
    canonical_url: str | None
    published: str | None
    published_estimated: bool
    first_seen: str | None
    kicker: str | None
    media_type: str
    language: str | None
    truncated: bool
    content_hash: str
    authors: list[str]
    categories: list[str]
    facts: list[FactOut]
    flags: list[str]
    split_confidence: float | None
    duplicate_of: str | None
    story_id: str | None
    story_score: float | None
    explanation: dict[str, Any] | None


class ItemPage(BaseModel):
    """A page of items; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[ItemOut]
    next_cursor: str | None


class TimelineItem(ItemOut):
    """An item of a story's timeline with its exact copies."""

    duplicates: list[ItemOut]


class ValueCount(BaseModel):
    """A value found in a story's items and how many items mention it."""

    value: str
    items: int


class StoryDetailOut(StoryOut):
    """A story with a page of its timeline (newest first), facts and merge/split history."""

    facts: dict[str, list[ValueCount]]
    aliases: list[str]
    events: list[dict[str, Any]]
    timeline: list[TimelineItem]
    next_cursor: str | None


class SourceOut(BaseModel):
    """A source and its health."""

    id: str
    name: str
    kind: str
    location: str
    created_at: str
    last_ingest_at: str | None
    last_success_at: str | None
    last_error: str | None
    item_count: int
    last_item_at: str | None
    items_per_day: float
    watched: bool = Field(description="watched by the fetcher (storyline sources add)")
    health: str | None = Field(
        description="watched sources: paused, new, ok, failing or down (failing for a day)"
    )
    url: str | None = Field(description="watched sources: the URL fetched")
    every: int | None = Field(description="watched sources: seconds between fetches")
    paused: bool
    consecutive_failures: int
    failing_since: str | None


class WatchedSourceIn(BaseModel):
    """A URL to watch, as ``storyline sources add`` takes it (watched as given: no feed
    discovery, so adding never makes the server fetch anything)."""

    url: str = Field(min_length=1, max_length=2000, description="http(s) feed or page URL")
    name: str | None = Field(default=None, max_length=200, description="default: the host")
    every: str | int = Field(
        default="15m", description="seconds, or 30s / 15m / 2h / 1d; at least one minute"
    )
    full_text: bool = Field(default=False, description="fetch each new item's page")
    allow_private: bool = Field(
        default=False,
        description="may resolve to loopback or private addresses: refused (403) unless "
        "the server allows private sources",
    )


class WatchedSourceOut(BaseModel):
    """A watched source: what is fetched, how often, and its health."""

    id: str
    name: str
    url: str
    every: int = Field(description="seconds between fetches")
    full_text: bool
    allow_private: bool
    paused: bool
    health: str = Field(description="paused, new, ok, failing, or down (failing for a day)")
    added_at: str
    last_attempt_at: str | None
    last_success_at: str | None
    last_error: str | None
    consecutive_failures: int
    failing_since: str | None
    new: bool = Field(description="true when this call started watching it")


class FacetValue(BaseModel):
    """A facet value, its label and how many matching items have it."""

    value: str
    label: str
    count: int


class SearchGroup(BaseModel):
    """A story of the results (None for an item without one) and its matching items."""

    story: StoryOut | None
    items: list[ItemOut]


class SearchOut(BaseModel):
    """Search results grouped by story, with facets over every matching item."""

    query: str
    total: int
    groups: list[SearchGroup]
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None


class SplitIn(BaseModel):
    """A user's split of a listing line: where the headline ends (and, if wanted, the rest)."""

    headline: str = Field(min_length=1, max_length=5000, description="words of the line")
    teaser: str | None = Field(
        default=None, max_length=5000, description="default: the rest of the line"
    )
    kicker: str | None = Field(default=None, max_length=200)


class SavedSearchIn(BaseModel):
    """A search to save, so that it has a feed."""

    query: str = Field(min_length=1, max_length=1000)
    name: str = Field(default="", max_length=200)


class SavedSearchOut(BaseModel):
    """A saved search with its feed addresses."""

    id: str
    name: str
    query: str
    created_at: str
    feeds: dict[str, str]


class InputReportOut(BaseModel):
    """What happened to a posted input."""

    location: str
    source: str
    format: str
    new: int
    duplicate: int
    rejected: int
    warnings: list[str]
    errors: list[str]


class IngestOut(BaseModel):
    """The result of an ingest through the API."""

    new: int
    duplicate: int
    failed: int
    inputs: list[InputReportOut]
    indexed: int = Field(description="Items added to the search index right away")
