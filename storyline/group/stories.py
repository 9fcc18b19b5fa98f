"""The story grouper: each item joins the story it belongs to, or opens a new one, online.

One similarity combines what the item and a story share, each part in [0, 1]:

* ``embedding``: cosine of the item's static sentence embedding to the story's centroid;
* ``terms``: the IDF-weighted share of the item's words that the story's items use, each
  word counted by the fraction of the story's items that have it (document frequencies are
  learnt incrementally, so rare words weigh more as the stream goes on);
* ``entities``: the same share for the places, people and organisations from the
  understanding stage (``item.facts``); left out of the weighting for items without any.

The weighted mean is lowered by ``decay_per_day`` for every day between the item and the
story's last item, and by ``age_decay_per_day`` for every day since the story opened.

Candidates come from an approximate nearest-neighbour index (usearch HNSW) over the centroids
of *active* stories only: a story with no new item for ``window_days`` is evicted, so memory
and time per item stay flat as the archive grows. The index holds a snapshot of each centroid
and is refreshed only when the centroid has moved, because re-inserting costs ~0.2 ms.

When an item joins a story and another candidate story was nearly as close, the two stories
are compared as wholes; if they have converged they are merged, the younger into the older,
and a :class:`~storyline.group.events.StoryEvent` is recorded for the caller to drain.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from storyline.group.base import story_id_for
from storyline.group.embed import Embedder, FloatArray, StaticEmbedder
from storyline.group.events import StoryEvent
from storyline.model import Assignment, Item
from storyline.text.tokens import STOP_WORDS_BY_LANGUAGE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WORD = re.compile(r"[^\W_]+(?:['’.&-][^\W_]+)*", re.UNICODE)
# Function words carry no story; a short list, because IDF already discounts common words.
_STOPWORDS = frozenset(
    """a about after again against all also am an and any are as at be been before being
    but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just may me might more
    most my new no nor not now of off on once only or other our out over own s says said same
    she should so some such than that the their them then there these they this those through
    to too under until up very via was we were what when where which while who whom why will
    with would you your vs""".split()
)
_ENTITY_KINDS = frozenset({"place", "person", "org"})


@dataclass(frozen=True, slots=True)
class GroupingSettings:
    """The tunable numbers of :class:`StoryGrouper` (tuned on the first half of the dev days)."""

    # Defaults from a random search on the first 40,000 items of the dev stream (first ~10
    # days, all inside the tuning half); see docs/grouping.md.
    threshold: float = 0.333  # least similarity to join a story rather than open one
    w_embedding: float = 0.6
    w_terms: float = 0.403
    w_entities: float = 0.3
    # The dev set's stories almost never span days (its aggregator re-clusters daily), which
    # rewards a steep decay; on corpora with longer-running stories lower it.
    decay_per_day: float = 0.6  # per day since the story's last item
    age_decay_per_day: float = 0.002  # per day since the story opened
    window_days: int = 3  # stories idle for longer are evicted from the active set
    candidates: int = 16  # nearest stories rescored per item
    merge_threshold: float = 0.492  # story-to-story similarity above which two stories merge
    refresh_cosine: float = 0.97  # re-index a centroid once it moved below this cosine
    top_terms: int = 5  # shared terms kept in an explanation
    teaser_words: int = 0  # words of the teaser compared besides the headline
    embedding_languages: tuple[str, ...] = ("en",)  # languages the embedder understands
    place_weight: float = 0.5  # a shared place (a country) against a shared person or org
    entity_prior: float = 1.0  # pseudo-weight of unshared entities (see _State.score)


def item_day(item: Item) -> int:
    """The item's day (days since 1970-01-01 UTC); 0 for undated items."""
    when = item.published or item.first_seen
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH).days


def grouping_text(item: Item, teaser_words: int) -> str:
    """The headline and the opening of the teaser: the part of an item that names its event.

    Long teasers are mostly context (background, boilerplate of the publisher) shared with
    unrelated items; comparing them makes every story of one publisher look alike.
    """
    # A headline rarely runs past 16 words; a longer one is a listing line the splitter kept
    # whole, whose opening is the headline.
    headline = " ".join((item.headline or item.raw_text).split()[:16])
    if teaser_words <= 0 or not item.teaser:
        return headline
    return f"{headline} {' '.join(item.teaser.split()[:teaser_words])}"


def terms_of(text: str, language: str | None = None) -> frozenset[str]:
    """The content words of a text: lower case, possessives dropped, no function words (of
    English, and of the item's language when it is another)."""
    stop = _STOPWORDS
    if language and language != "en":
        stop = stop | STOP_WORDS_BY_LANGUAGE.get(language, frozenset())
    words = set()
    for match in _WORD.finditer(text.casefold()):
        word = match.group()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) > 1 and word not in stop:
            words.add(word)
    return frozenset(words)


def item_language(item: Item) -> str | None:
    """The item's language: as detected, else the detector's uncertain guess, else None."""
    if item.language:
        return item.language
    guesses = [f.value for f in item.facts if f.kind == "language" and f.value]
    return guesses[0] if guesses else None


def entities_of(item: Item) -> frozenset[str]:
    """Places, people and organisations from the understanding stage, as ``kind:value``."""
    return frozenset(f"{f.kind}:{f.value}" for f in item.facts if f.kind in _ENTITY_KINDS)


@dataclass(slots=True)
class _Story:
    """What the grouper keeps of an active story."""

    id: str
    key: int  # the story's key in the ANN index
    vec_sum: FloatArray
    count: int
    first_day: int
    last_day: int
    terms: dict[str, int] = field(default_factory=dict)  # word -> items of the story with it
    entities: dict[str, int] = field(default_factory=dict)
    indexed: FloatArray | None = None  # the centroid as it stands in the index
    embeds: bool = True  # every item's embedding means something (see _Features.embeds)

    def centroid(self) -> FloatArray:
        """The unit mean of the members' embeddings."""
        norm = float(np.linalg.norm(self.vec_sum))
        return self.vec_sum / norm if norm else self.vec_sum

    def add(self, vec: FloatArray, terms: Iterable[str], entities: Iterable[str], day: int) -> None:
        """Count one more item in."""
        self.vec_sum += vec
        self.count += 1
        self.last_day = max(self.last_day, day)
        self.first_day = min(self.first_day, day)
        for word in terms:
            self.terms[word] = self.terms.get(word, 0) + 1
        for entity in entities:
            self.entities[entity] = self.entities.get(entity, 0) + 1


@dataclass(slots=True)
class _Features:
    """An item as the grouper reads it."""

    id: str
    vec: FloatArray
    terms: frozenset[str]
    entities: frozenset[str]
    day: int
    embeds: bool = True  # whether the embedding means something for this item's language


class _Index:
    """usearch HNSW over story centroids (inner product on unit vectors), keyed by story key."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.removed = 0
        self.index = self._new()

    def _new(self) -> Any:
        from usearch.index import Index  # the optional heavy import happens on first use

        return Index(ndim=self.dim, metric="ip", dtype="f32", connectivity=16,
                     expansion_add=64, expansion_search=64)

    def __len__(self) -> int:
        return len(self.index)

    def put(self, key: int, vec: FloatArray, fresh: bool) -> None:
        """Insert or replace the vector of ``key``."""
        if not fresh:
            self.index.remove(key)
            self.removed += 1
        self.index.add(key, vec, threads=1)

    def remove(self, key: int) -> None:
        """Forget ``key``."""
        self.index.remove(key)
        self.removed += 1

    def rebuild(self, entries: list[tuple[int, FloatArray]]) -> None:
        """A fresh index of ``entries``: usearch keeps removed slots until rebuilt."""
        self.index = self._new()
        self.removed = 0
        if entries:
            keys = np.array([key for key, _ in entries], dtype=np.uint64)
            self.index.add(keys, np.stack([vec for _, vec in entries]), threads=1)

    def search(self, vec: FloatArray, count: int) -> list[int]:
        """Keys of up to ``count`` nearest centroids."""
        if not len(self.index):
            return []
        matches = self.index.search(vec, count, threads=1)
        return [int(key) for key in matches.keys]

    def __getstate__(self) -> dict[str, Any]:
        return {"dim": self.dim, "removed": self.removed, "blob": bytes(self.index.save())}

    def __setstate__(self, state: dict[str, Any]) -> None:
        from usearch.index import Index

        self.dim = state["dim"]
        self.removed = state["removed"]
        self.index = Index.restore(state["blob"])
        if self.index is None:  # an empty index saves as a header only
            self.index = self._new()


class _State:
    """Everything a :class:`StoryGrouper` learns; kept apart from its parameters."""

    def __init__(self, embedder: Embedder, settings: GroupingSettings) -> None:
        self.embedder = embedder
        self.settings = settings
        self.stories: dict[int, _Story] = {}  # key -> active story
        self.by_id: dict[str, int] = {}  # story id -> key, for active stories
        self.aliases: dict[str, str] = {}  # merged story id -> the id it was merged into
        self.df: dict[str, int] = {}
        self.docs = 0
        self.next_key = 0
        self.today = -(10**9)
        self.index = _Index(embedder.dim)
        self.events: list[StoryEvent] = []
        self.cache: _Features | None = None  # the last item, so predict+learn embeds once

    # -- features -------------------------------------------------------------------------

    def features(self, item: Item) -> _Features:
        """The item's embedding, terms, entities and day (cached for the last item)."""
        if self.cache is not None and self.cache.id == item.id:
            return self.cache
        text = grouping_text(item, self.settings.teaser_words)
        vec = self.embedder.embed([text])[0]
        language = item_language(item)
        # The embedder was distilled from an English model: on other languages its
        # similarities are high whatever the texts say, so they do not count there.
        embeds = language is None or language in self.settings.embedding_languages
        feats = _Features(item.id, vec, terms_of(text, language), entities_of(item),
                          item_day(item), embeds)
        self.cache = feats
        return feats

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency over the items learnt so far."""
        return math.log((self.docs + 1) / (self.df.get(word, 0) + 1)) + 1.0

    # -- similarity -----------------------------------------------------------------------

    def score(self, feats: _Features, story: _Story, centroid: FloatArray) -> dict[str, Any]:
        """The item-to-story similarity and its parts."""
        s = self.settings
        emb = max(0.0, float(feats.vec @ centroid))
        total = matched = 0.0
        shared: list[tuple[float, str]] = []
        for word in feats.terms:
            weight = self.idf(word)
            total += weight
            have = story.terms.get(word)
            if have:
                matched += weight * have / story.count
                shared.append((weight * have, word))
        terms = matched / total if total else 0.0
        w_embedding = s.w_embedding if feats.embeds and story.embeds else 0.0
        value = w_embedding * emb + s.w_terms * terms
        weights = w_embedding + s.w_terms
        places: list[str] = []
        others: list[str] = []
        if feats.entities:
            # A country is shared by many unrelated items, a person or organisation rarely;
            # and the prior in the denominator keeps one shared name from counting as full
            # agreement, so entities confirm a match rather than make one.
            hit = total_weight = 0.0
            for entity in feats.entities:
                weight = s.place_weight if entity.startswith("place:") else 1.0
                total_weight += weight
                have = story.entities.get(entity)
                if have:
                    hit += weight * have / story.count
                    (places if entity.startswith("place:") else others).append(entity)
            value += s.w_entities * hit / (total_weight + s.entity_prior)
            weights += s.w_entities
        similarity = value / weights if weights else 0.0
        gap = abs(feats.day - story.last_day)
        age = max(0, feats.day - story.first_day)
        similarity -= s.decay_per_day * gap + s.age_decay_per_day * age
        shared.sort(key=lambda pair: (-pair[0], pair[1]))
        return {
            "similarity": similarity,
            "embedding": emb,
            "term_score": terms,
            "terms": [word for _, word in shared[: s.top_terms]],
            "places": sorted(e.split(":", 1)[1] for e in places),
            "entities": sorted(e.split(":", 1)[1] for e in others),
        }

    def story_similarity(self, a: _Story, b: _Story) -> float:
        """How alike two stories are: centroid cosine and cosine of their word profiles.

        A word profile weighs each word by IDF times the share of the story's items using it,
        so the words that define each story (the names in most of its headlines) dominate.
        """
        s = self.settings
        emb = float(a.centroid() @ b.centroid())
        terms = _profile_cosine(self, a.terms, a.count, b.terms, b.count)
        w_embedding = s.w_embedding if a.embeds and b.embeds else 0.0
        # Days between the two stories' spans, decayed as for an item.
        gap = max(0, max(a.first_day, b.first_day) - min(a.last_day, b.last_day))
        return (w_embedding * emb + s.w_terms * terms) / (
            w_embedding + s.w_terms
        ) - s.decay_per_day * gap

    # -- search ---------------------------------------------------------------------------

    def ranked(self, feats: _Features) -> list[tuple[float, _Story, dict[str, Any]]]:
        """Candidate stories with their scores, best first (ties by story key)."""
        keys = self.index.search(feats.vec, self.settings.candidates)
        ranked = []
        for key in keys:
            story = self.stories.get(key)
            if story is None:
                continue
            parts = self.score(feats, story, story.centroid())
            ranked.append((parts["similarity"], story, parts))
        ranked.sort(key=lambda entry: (-entry[0], entry[1].key))
        return ranked

    def predict(self, item: Item) -> tuple[Assignment, list[tuple[float, _Story, dict[str, Any]]]]:
        """Where the item would go, and the scored candidates."""
        feats = self.features(item)
        ranked = self.ranked(feats)
        if ranked and ranked[0][0] >= self.settings.threshold:
            sim, story, parts = ranked[0]
            explanation = _explain(parts, len(ranked))
            return Assignment(story.id, round(sim, 6), False, explanation), ranked
        best = ranked[0][0] if ranked else 0.0
        explanation = {
            "similarity": round(best, 6), "embedding": 0.0, "terms": [], "places": [],
            "entities": [], "candidates": len(ranked),
        }
        return Assignment(story_id_for(item.id), round(best, 6), True, explanation), ranked

    # -- learning -------------------------------------------------------------------------

    def resolve(self, story_id: str) -> str:
        """The current id of a story, following merges."""
        seen = 0
        while story_id in self.aliases and seen < 1000:
            story_id = self.aliases[story_id]
            seen += 1
        return story_id

    def learn(self, item: Item, assignment: Assignment | None) -> Assignment:
        """Add the item at ``assignment`` (or where it fits best) and update the stories."""
        feats = self.features(item)
        self.advance(feats.day)
        ranked: list[tuple[float, _Story, dict[str, Any]]] = []
        if assignment is None:
            assignment, ranked = self.predict(item)
        story_id = self.resolve(assignment.story_id)
        key = self.by_id.get(story_id)
        if key is None:
            story = self.open(story_id, feats)
            if not assignment.is_new_story or assignment.story_id != story_id:
                assignment = Assignment(story_id, assignment.score, True, assignment.explanation)
        else:
            story = self.stories[key]
            story.add(feats.vec, feats.terms, feats.entities, feats.day)
            story.embeds = story.embeds and feats.embeds
            self.refresh(story)
            if story_id != assignment.story_id:
                assignment = Assignment(story_id, assignment.score, False, assignment.explanation)
        for word in feats.terms:
            self.df[word] = self.df.get(word, 0) + 1
        self.docs += 1
        if not assignment.is_new_story and ranked:
            self.maybe_merge(story, ranked, feats.day)
        if story.key in self.stories and story.count >= 4 and story.count & (story.count - 1) == 0:
            # At sizes 4, 8, 16, ... the centroid has settled a little more: look for stories
            # it has converged with that no single item happened to match both of.
            centroid = story.centroid()
            keys = self.index.search(centroid, 4)
            near: list[tuple[float, _Story, dict[str, Any]]] = [
                (2.0, self.stories[k], {}) for k in keys if k in self.stories and k != story.key
            ]
            self.maybe_merge(story, near, feats.day)
        return assignment

    def open(self, story_id: str, feats: _Features) -> _Story:
        """A new active story holding one item."""
        vec_sum = np.zeros_like(feats.vec)
        story = _Story(story_id, self.next_key, vec_sum, 0, feats.day, feats.day)
        self.next_key += 1
        story.add(feats.vec, feats.terms, feats.entities, feats.day)
        story.embeds = feats.embeds
        self.stories[story.key] = story
        self.by_id[story_id] = story.key
        story.indexed = story.centroid()
        self.index.put(story.key, story.indexed, fresh=True)
        return story

    def refresh(self, story: _Story) -> None:
        """Re-index the story's centroid if it moved far enough from its indexed snapshot."""
        centroid = story.centroid()
        if story.indexed is None or float(centroid @ story.indexed) < self.settings.refresh_cosine:
            self.index.put(story.key, centroid, fresh=story.indexed is None)
            story.indexed = centroid

    def maybe_merge(
        self, story: _Story, ranked: list[tuple[float, _Story, dict[str, Any]]], day: int
    ) -> None:
        """Merge ``story`` with candidates the item also matched, if the stories converged."""
        s = self.settings
        checked = 0
        for sim, other, _ in ranked:
            if other.key == story.key or other.key not in self.stories:
                continue
            if sim < s.threshold or checked == 2:
                break  # ranked best first; two checks bound the cost of comparing profiles
            checked += 1
            together = self.story_similarity(story, other)
            if together < s.merge_threshold:
                continue
            older, younger = sorted((story, other), key=lambda st: (st.first_day, st.key))
            self.merge(older, younger, day, together)
            story = older

    def merge(self, older: _Story, younger: _Story, day: int, similarity: float) -> None:
        """Fold ``younger`` into ``older``; the younger id becomes an alias."""
        older.vec_sum += younger.vec_sum
        older.count += younger.count
        older.embeds = older.embeds and younger.embeds
        older.first_day = min(older.first_day, younger.first_day)
        older.last_day = max(older.last_day, younger.last_day)
        for word, n in younger.terms.items():
            older.terms[word] = older.terms.get(word, 0) + n
        for entity, n in younger.entities.items():
            older.entities[entity] = older.entities.get(entity, 0) + n
        self.drop(younger)
        self.aliases[younger.id] = older.id
        self.refresh(older)
        self.events.append(
            StoryEvent(
                "merge", older.id, (younger.id,), _EPOCH + timedelta(days=day),
                {"similarity": round(similarity, 6), "items": younger.count},
            )
        )

    def drop(self, story: _Story) -> None:
        """Remove a story from the active set and the index."""
        del self.stories[story.key]
        del self.by_id[story.id]
        self.index.remove(story.key)

    def advance(self, day: int) -> None:
        """On a new day, evict stories idle for longer than the window."""
        if day <= self.today:
            return
        self.today = day
        horizon = day - self.settings.window_days
        for story in [st for st in self.stories.values() if st.last_day < horizon]:
            self.drop(story)
        if self.index.removed > max(1024, len(self.stories)):
            self.index.rebuild(
                [(key, st.indexed) for key, st in sorted(self.stories.items())
                 if st.indexed is not None]
            )


def _profile_cosine(
    state: _State, a: dict[str, int], a_count: int, b: dict[str, int], b_count: int
) -> float:
    """Cosine of two stories' IDF-weighted word-share vectors."""
    dot = norm_a = norm_b = 0.0
    for word, n in a.items():
        weight = state.idf(word) * n / a_count
        norm_a += weight * weight
        other = b.get(word)
        if other:
            dot += weight * state.idf(word) * other / b_count
    for word, n in b.items():
        weight = state.idf(word) * n / b_count
        norm_b += weight * weight
    return dot / math.sqrt(norm_a * norm_b) if norm_a and norm_b else 0.0


def _explain(parts: dict[str, Any], candidates: int) -> dict[str, Any]:
    """The explanation kept with an item→story link."""
    return {
        "similarity": round(float(parts["similarity"]), 6),
        "embedding": round(float(parts["embedding"]), 6),
        "terms": list(parts["terms"]),
        "places": list(parts["places"]),
        "entities": list(parts["entities"]),
        "candidates": candidates,
    }


class StoryGrouper:
    """Groups items into stories online (see the module docstring for how).

    ``embedder`` defaults to the shipped :class:`~storyline.group.embed.StaticEmbedder`,
    created on first use; ``settings`` holds every tunable number.
    """

    def __init__(
        self, settings: GroupingSettings | None = None, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._state: _State | None = None

    @property
    def state(self) -> _State:
        """The learnt state, created on first use."""
        if self._state is None:
            embedder = self.embedder if self.embedder is not None else StaticEmbedder()
            self._state = _State(embedder, self.settings or GroupingSettings())
        return self._state

    def predict_one(self, item: Item) -> Assignment:
        """The story the item would join (or the new one it would open), without learning."""
        return self.state.predict(item)[0]

    def learn_one(self, item: Item, assignment: Assignment | None = None) -> Assignment:
        """Add the item to the state, at ``assignment`` if given, and return where it went."""
        return self.state.learn(item, assignment)

    def drain_events(self) -> list[StoryEvent]:
        """The merge and split events since the last call, oldest first."""
        events, self.state.events = self.state.events, []
        return events

    def resolve(self, story_id: str) -> str:
        """The current id of a story whose id may since have become an alias."""
        return self.state.resolve(story_id)

    @property
    def active_stories(self) -> int:
        """How many stories are in the active set."""
        return len(self.state.stories)
