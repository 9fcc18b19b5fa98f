"""Search results grouped by story, and the filtered front page, over the index and the store.

The index finds matching items (by relevance, or newest first for filters); the database
then says which story each belongs to *now*, so merges and splits made after an item was
indexed are always reflected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storyline.serve import queries
from storyline.serve.graphics import country_name
from storyline.serve.search import Filters, SearchIndex, SourceResolver
from storyline.serve.search_query import parse
from storyline.store.db import Store
from storyline.store.reads import ItemView

# How many matching items one search ranks before grouping them into stories.
RANKED_HITS = 500
# How many matching items, newest first, a filtered front page considers.
FILTER_HITS = 3000


@dataclass(frozen=True, slots=True)
class Group:
    """One story of a result page and its matching items, best first."""

    story: queries.StoryCard | None
    items: list[ItemView]


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of search results grouped by story, with facet counts."""

    total: int
    groups: list[Group]
    # field -> [(value, label, count)]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    next_cursor: str | None = None


def source_resolver(store: Store) -> SourceResolver:
    """Source ids for what a user typed after ``source:``: an id, a name, or part of a name.

    The names are read on the first use only: most searches name no source, and a store can
    hold thousands of them.
    """
    loaded: dict[str, str] = {}

    def resolve(text: str) -> list[str]:
        if not loaded:
            loaded.update(queries.sources_by_name(store))
        names = loaded
        wanted = text.casefold().strip()
        exact = [sid for sid, name in names.items() if wanted in (sid, name.casefold())]
        if exact:
            return exact
        return [sid for sid, name in names.items() if wanted and wanted in name.casefold()]

    return resolve


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    (offset,) = queries.decode_cursor(cursor, 1)
    if not isinstance(offset, int) or offset < 0:
        raise queries.CursorError("malformed cursor")
    return offset


def search(
    store: Store,
    index: SearchIndex,
    text: str,
    filters: Filters | None = None,
    cursor: str | None = None,
    groups_per_page: int = 10,
    items_per_group: int = 3,
    light: bool = False,
) -> SearchPage:
    """Items matching a query, grouped by their story in order of each story's best match.

    The ranked hits are grouped with one light query (seq -> current story); whole items are
    read only for the ones shown. ``light`` cards carry only the story row (what the search
    page shows), without the aggregates of the front page.
    """
    filters = filters or Filters()
    node = parse(text)
    if node is None and not filters.any():
        return SearchPage(0, [])
    hits = index.search(node, filters, source_resolver(store), limit=RANKED_HITS)
    membership = queries.membership_of_seqs(store, hits.seqs)
    ordered: dict[str, list[int]] = {}
    for seq in hits.seqs:
        if seq not in membership:  # removed from the database since it was indexed
            continue
        story_id = membership[seq]
        ordered.setdefault(story_id or f"item:{seq}", []).append(seq)
    start = _offset(cursor)
    keys = list(ordered)[start : start + groups_per_page]
    shown = [seq for k in keys for seq in ordered[k][:items_per_group]]
    views = queries.items_by_seq(store, shown)
    story_ids = [k for k in keys if ":" not in k]
    cards = {c.id: c for c in queries.story_cards(store, story_ids, light=light)}
    groups = [
        Group(cards.get(k), [views[s] for s in ordered[k][:items_per_group] if s in views])
        for k in keys
    ]
    more = start + groups_per_page < len(ordered)
    source_ids = [v for v, _ in hits.facets.get("source", [])]
    names = queries.source_names(store, source_ids)
    facets: dict[str, list[tuple[str, str, int]]] = {}
    for name, buckets in hits.facets.items():
        facets[name] = [(v, _label(name, v, names), n) for v, n in buckets]
    nxt = queries.encode_cursor([start + groups_per_page]) if more else None
    return SearchPage(hits.total, groups, facets, nxt)


def _label(field_name: str, value: str, names: dict[str, str]) -> str:
    if field_name == "source":
        return names.get(value, value)
    if field_name == "country":
        return country_name(value)
    return value


def filtered_stories(
    store: Store,
    index: SearchIndex,
    filters: Filters,
    cursor: str | None = None,
    limit: int = 30,
) -> queries.Page[queries.StoryCard]:
    """Stories with items matching the filters, ordered by their newest matching item."""
    hits = index.search(None, filters, source_resolver(store), FILTER_HITS, by_time=True,
                        facets=False)
    story_of = queries.stories_of_seqs(store, hits.seqs)
    order: dict[str, None] = {}
    for seq in hits.seqs:
        story_id = story_of.get(seq)
        if story_id is not None:
            order.setdefault(story_id, None)
    start = _offset(cursor)
    ids = list(order)[start : start + limit]
    nxt = queries.encode_cursor([start + limit]) if start + limit < len(order) else None
    return queries.Page(queries.story_cards(store, ids), nxt)


def search_items(
    store: Store,
    index: SearchIndex,
    text: str,
    filters: Filters | None = None,
    limit: int = 50,
) -> list[ItemView]:
    """Matching items, newest first, for feeds of a search and exports."""
    filters = filters or Filters()
    node = parse(text)
    hits = index.search(node, filters, source_resolver(store), limit=limit, by_time=True,
                        facets=False)
    views = queries.items_by_seq(store, hits.seqs)
    return [views[s] for s in hits.seqs if s in views]
