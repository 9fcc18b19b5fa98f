"""The story grouper: each item joins the story it belongs to, or opens a new one, online.

One similarity combines what the item and a story share, each part in [0, 1]:

* ``embedding``: cosine of the item's static sentence embedding to the story's centroid,
  both centred on the running mean of the embeddings (see ``center_embeddings``);
* ``terms``: the IDF-weighted share of the item's (stemmed) words that the story's items
  use, each word counted by the fraction of the story's items that have it (document
  frequencies are learnt incrementally, so rare words weigh more as the stream goes on);
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
and a :class:`~storyline.group.events.StoryEvent` is recorded for the caller to drain. Whether
they have converged is a logistic model's call (:mod:`storyline.group.join`: centroid and
word-profile cosines, sizes, day gap, and member-to-member links), fitted on the tuning half
of the dev days; with no ``merge_weights`` the hand similarity and ``merge_threshold`` decide.

A story that drifts is split: at sizes 8, 16, 32, ... its recent members are cut in two
(:mod:`storyline.group.split`); if the two parts have too little in common, the later part
opens a new story and a "split" event lists the items that moved (``reason["items"]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from storyline.group.ann import CentroidIndex
from storyline.group.background import CorpusStats, load_background
from storyline.group.base import story_id_for
from storyline.group.embed import Embedder, FloatArray, StaticEmbedder
from storyline.group.events import StoryEvent
from storyline.group.features import (
    entities_of,
    grouping_text,
    item_day,
    item_language,
    surface_forms,
)
from storyline.group.join import Rows, candidate_features, pair_features, probabilities
from storyline.group.settings import GroupingSettings
from storyline.group.split import Member, drifted_part, split_story_id
from storyline.group.story import ItemFeatures as _Features
from storyline.group.story import Story as _Story
from storyline.group.story import explain, opening, profile_cosine
from storyline.model import Assignment, Item

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _State:
    """Everything a :class:`StoryGrouper` learns; kept apart from its parameters."""

    def __init__(self, embedder: Embedder, settings: GroupingSettings) -> None:
        self.embedder = embedder
        self.settings = settings
        self.stories: dict[int, _Story] = {}  # key -> active story
        self.by_id: dict[str, int] = {}  # story id -> key, for active stories
        self.aliases: dict[str, str] = {}  # merged story id -> the id it was merged into
        self.corpus = CorpusStats(
            embedder, load_background() if settings.background else None,
            settings.background_docs, settings.center_embeddings, settings.center_prior)
        self.next_key = 0
        self.today = -(10**9)
        self.index = CentroidIndex(embedder.dim)
        self.events: list[StoryEvent] = []
        self.cache: _Features | None = None  # the last item, so predict+learn embeds once
        # Raw embeddings of the batch announced by StoryGrouper.prefetch: item id -> (text, vec)
        self.prefetched: dict[str, tuple[str, FloatArray]] = {}
        # Called with each item's candidates and their join features (bench --trace-join).
        self.trace: Callable[[_Features, list[_Story], Rows], None] | None = None
        self.top_probability = 0.0  # the learned join's probability for the best candidate
        # Called with each pair of stories compared for a merge and their pair features.
        self.merge_trace: Callable[[_Story, _Story, Rows], None] | None = None

    # -- features -------------------------------------------------------------------------

    def features(self, item: Item) -> _Features:
        """The item's embedding, terms, entities and day (cached for the last item)."""
        if self.cache is not None and self.cache.id == item.id:
            return self.cache
        text = grouping_text(item, self.settings.teaser_words)
        ahead = self.prefetched.pop(item.id, None)
        raw = ahead[1] if ahead and ahead[0] == text else self.embedder.embed([text])[0]
        vec = self.corpus.centred(raw)
        language = item_language(item)
        # The embedder was distilled from an English model: on other languages its
        # similarities are high whatever the texts say, so they do not count there.
        embeds = language is None or language in self.settings.embedding_languages
        surfaces = surface_forms(text, language)
        feats = _Features(item.id, vec, frozenset(surfaces), entities_of(item),
                          item_day(item), embeds, raw, surfaces)
        self.cache = feats
        return feats

    # -- similarity -----------------------------------------------------------------------

    def scored(
        self, feats: _Features, stories: list[_Story], cosines: list[float],
        weighted: list[tuple[str, float]],
    ) -> list[tuple[float, _Story, dict[str, Any]]]:
        """Each candidate's item-to-story similarity and its parts, given the cosine of the
        item to each story's centroid and the item's words with their IDF.

        Everything that depends on the item alone (its total word weight, its entities'
        weights) is worked out once, not once per candidate: this loop runs for every
        candidate of every item and was one of the grouper's largest costs. The sums are taken in
        the same order as before, so every score is the same to the bit.
        """
        s = self.settings
        total = 0.0
        for _, weight in weighted:
            total += weight
        w_terms, w_entities = s.w_terms, s.w_entities
        decay, age_decay = s.decay_per_day, s.age_decay_per_day
        item_embeds, day, term_set = feats.embeds, feats.day, feats.terms
        # A country is shared by many unrelated items, a person or organisation rarely;
        # and the prior in the denominator keeps one shared name from counting as full
        # agreement, so entities confirm a match rather than make one.
        entities: list[tuple[str, float, bool]] = []
        entity_total = 0.0
        for entity in feats.entities:
            place = entity.startswith("place:")
            weight = s.place_weight if place else 1.0
            entity_total += weight
            entities.append((entity, weight, place))
        entity_denominator = entity_total + s.entity_prior
        out: list[tuple[float, _Story, dict[str, Any]]] = []
        for story, cosine in zip(stories, cosines, strict=True):
            emb = cosine if cosine > 0.0 else 0.0  # max(0.0, cosine)
            count = story.count
            story_terms = story.terms
            matched = rarest = 0.0
            shared: list[tuple[float, str]] = []
            # Most candidates share no word with the item: one set test in C spares the loop.
            if not story_terms.keys().isdisjoint(term_set):
                for word, weight in weighted:
                    have = story_terms.get(word)
                    if have:
                        product = weight * have
                        matched += product / count
                        shared.append((product, word))
                        if weight > rarest:
                            rarest = weight
            terms = matched / total if total else 0.0
            # story.embeds, inlined
            w_embedding = s.w_embedding if item_embeds and 2 * story.foreign <= count else 0.0
            value = w_embedding * emb + w_terms * terms
            weights = w_embedding + w_terms
            places: list[str] = []
            others: list[str] = []
            entity_score = 0.0
            if entities:
                hit = 0.0
                story_entities = story.entities
                for entity, weight, place in entities:
                    have = story_entities.get(entity)
                    if have:
                        hit += weight * have / count
                        (places if place else others).append(entity)
                entity_score = hit / entity_denominator
                value += w_entities * entity_score
                weights += w_entities
            similarity = value / weights if weights else 0.0
            gap = abs(day - story.last_day)
            age = max(0, day - story.first_day)
            similarity -= decay * gap + age_decay * age
            # Raw shared words and entities: only the winner's are sorted, in _explain.
            out.append((similarity, story, {
                "similarity": similarity,
                "embedding": emb,
                "term_score": terms,
                "entity_score": entity_score,
                "rarest": rarest,
                "shared": shared,
                "places": places,
                "entities": others,
            }))
        return out

    def story_similarity(self, a: _Story, b: _Story) -> float:
        """How alike two stories are: centroid cosine and cosine of their word profiles.

        A word profile weighs each word by IDF times the share of the story's items using it,
        so the words that define each story (the names in most of its headlines) dominate.
        """
        # Days between the two stories' spans, decayed as for an item.
        gap = max(0, max(a.first_day, b.first_day) - min(a.last_day, b.last_day))
        return self.content_similarity(a, b) - self.settings.decay_per_day * gap

    def content_similarity(self, a: _Story, b: _Story) -> float:
        """What two stories' items say in common, whatever their dates."""
        s = self.settings
        emb = float(a.centroid() @ b.centroid())
        terms = self.corpus.profile_cosine(a.terms, a.count, b.terms, b.count)
        w_embedding = s.w_embedding if a.embeds and b.embeds else 0.0
        return (w_embedding * emb + s.w_terms * terms) / (w_embedding + s.w_terms)

    # -- search ---------------------------------------------------------------------------

    def ranked(self, feats: _Features) -> list[tuple[float, _Story, dict[str, Any]]]:
        """Candidate stories with their scores, best first (ties by story key)."""
        keys = self.index.search(feats.vec, self.settings.candidates)
        stories = [self.stories[key] for key in keys if key in self.stories]
        ranked: list[tuple[float, _Story, dict[str, Any]]] = []
        if not stories:
            return ranked
        # All candidates' centroid cosines in one product, and each word's IDF once.
        # (np.array, not np.stack, and the norm as np.linalg.norm computes it along an axis:
        # the same numbers without those functions' checks, which cost more than the maths.)
        sums = np.array([story.vec_sum for story in stories])
        norms = np.sqrt(np.add.reduce(sums * sums, axis=1))
        cosines = (sums @ feats.vec) / np.where(norms > 0, norms, 1.0)
        idf = self.corpus.idf_of(feats.terms)
        weighted = [(word, idf[word]) for word in feats.terms]
        ranked = self.scored(feats, stories, cosines.tolist(), weighted)
        ranked.sort(key=lambda entry: (-entry[0], entry[1].key))
        if self.settings.join_weights or self.trace is not None:
            x = candidate_features(feats, [e[1] for e in ranked], [e[2] for e in ranked],
                                   max((w for _, w in weighted), default=0.0))
            if self.trace is not None:
                self.trace(feats, [e[1] for e in ranked], x)
            if self.settings.join_weights:
                # The hand similarity ranks (it finds the right story as often as the model);
                # the model decides whether the item joins the best one.
                probs = probabilities(x[:1], self.settings.join_weights).tolist()
                self.top_probability = probs[0]
        return ranked


    def predict(self, item: Item) -> tuple[Assignment, list[tuple[float, _Story, dict[str, Any]]]]:
        """Where the item would go, and the scored candidates."""
        feats = self.features(item)
        ranked = self.ranked(feats)
        s = self.settings
        if ranked and (self.top_probability >= s.join_probability if s.join_weights
                       else ranked[0][0] >= s.threshold and self._evidenced(ranked[0][2])):
            _, story, parts = ranked[0]
            explanation = explain(parts, len(ranked), self.settings.top_terms, feats.surfaces)
            sim = float(parts["similarity"])
            return Assignment(story.id, round(sim, 6), False, explanation), ranked
        best = float(ranked[0][2]["similarity"]) if ranked else 0.0
        closest = ranked[0][1].id if ranked else None
        unevidenced = (bool(ranked) and not s.join_weights and best >= s.threshold
                       and not self._evidenced(ranked[0][2]))
        explanation = opening(best, closest, s.threshold, len(ranked),
                              float(ranked[0][2]["embedding"]) if unevidenced else None)
        return Assignment(story_id_for(item.id), round(best, 6), True, explanation), ranked

    def _evidenced(self, parts: dict[str, Any]) -> bool:
        """Whether a match rests on more than the embedding, or on a close one."""
        return bool(parts["shared"] or parts["places"] or parts["entities"]
                    or parts["embedding"] >= self.settings.embedding_alone)

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
        # A given assignment replays a stored link: the store already holds the merges and
        # splits that followed it, so finding them again (or others, the replay's state not
        # being the live one) would make the grouper disagree with the store.
        given = assignment is not None
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
            self.remember(story, feats)
            story.foreign += not feats.embeds
            self.refresh(story)
            if story_id != assignment.story_id:
                assignment = Assignment(story_id, assignment.score, False, assignment.explanation)
        self.corpus.add(feats.terms, feats.raw, feats.embeds)
        if not assignment.is_new_story and ranked:
            self.maybe_merge(story, ranked, feats.day)
        if (not given and story.key in self.stories and story.count >= 4
                and story.count & (story.count - 1) == 0):
            # At sizes 4, 8, 16, ... the centroid has settled a little more: look for stories
            # it has converged with that no single item happened to match both of.
            centroid = story.centroid()
            keys = self.index.search(centroid, self.settings.merge_neighbours)
            near: list[tuple[float, _Story, dict[str, Any]]] = [
                (2.0, self.stories[k], {}) for k in keys if k in self.stories and k != story.key
            ]
            self.maybe_merge(story, near, feats.day)
            if story.key in self.stories:
                self.maybe_split(story, feats.day)
        return assignment

    def remember(self, story: _Story, feats: _Features) -> None:
        """Keep the item among the story's recent members (the ones a split can move)."""
        story.members.append(
            Member(feats.id, self.corpus.docs, feats.vec, feats.terms, feats.entities, feats.day)
        )
        if len(story.members) > self.settings.split_keep:
            del story.members[0]
        story.member_vecs = None

    def open(self, story_id: str, feats: _Features) -> _Story:
        """A new active story holding one item."""
        vec_sum = np.zeros_like(feats.vec)
        story = _Story(story_id, self.next_key, vec_sum, 0, feats.day, feats.day)
        self.next_key += 1
        story.add(feats.vec, feats.terms, feats.entities, feats.day)
        self.remember(story, feats)
        story.foreign = int(not feats.embeds)
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
            if sim < s.threshold or checked == s.merge_checks:
                break  # ranked best first; a few checks bound the cost of comparing profiles
            checked += 1
            together = self.converged(story, other, via_item=sim < 2.0)
            if together is None:
                continue
            older, younger = sorted((story, other), key=lambda st: (st.first_day, st.key))
            self.merge(older, younger, day, together)
            story = older

    def converged(self, a: _Story, b: _Story, via_item: bool) -> float | None:
        """The two stories' similarity if, compared as wholes, they are one (the similarity
        reaches ``merge_threshold``, or the learned merge decision says so when it has
        weights); None if they are not."""
        s = self.settings
        if not s.merge_weights and self.merge_trace is None:
            together = self.story_similarity(a, b)
            return together if together >= s.merge_threshold else None
        # story_similarity's parts, each computed once
        emb = float(a.centroid() @ b.centroid())
        terms = self.corpus.profile_cosine(a.terms, a.count, b.terms, b.count)
        w_embedding = s.w_embedding if a.embeds and b.embeds else 0.0
        gap = max(0, max(a.first_day, b.first_day) - min(a.last_day, b.last_day))
        together = ((w_embedding * emb + s.w_terms * terms) / (w_embedding + s.w_terms)
                    - s.decay_per_day * gap)
        ents = profile_cosine(_one, a.entities, a.count, b.entities, b.count)
        x = pair_features(a, b, emb, terms, ents, together, gap, via_item)
        if self.merge_trace is not None:
            self.merge_trace(a, b, x)
        if not s.merge_weights:
            same = together >= s.merge_threshold
        else:
            same = (together >= s.merge_floor
                    and float(probabilities(x, s.merge_weights)[0]) >= s.merge_probability)
        return together if same else None

    def merge(self, older: _Story, younger: _Story, day: int, similarity: float) -> None:
        """Fold ``younger`` into ``older``; the younger id becomes an alias."""
        older.vec_sum += younger.vec_sum
        older.count += younger.count
        older.foreign += younger.foreign
        older.first_day = min(older.first_day, younger.first_day)
        older.last_day = max(older.last_day, younger.last_day)
        for word, n in younger.terms.items():
            older.terms[word] = older.terms.get(word, 0) + n
        for entity, n in younger.entities.items():
            older.entities[entity] = older.entities.get(entity, 0) + n
        members = sorted(older.members + younger.members, key=lambda m: m.seq)
        older.set_members(members[-self.settings.split_keep :])
        self.drop(younger)
        self.aliases[younger.id] = older.id
        self.refresh(older)
        self.events.append(
            StoryEvent(
                "merge", older.id, (younger.id,), _EPOCH + timedelta(days=day),
                {"similarity": round(similarity, 6), "items": younger.count},
            )
        )

    def maybe_split(self, story: _Story, day: int) -> None:
        """Split off the story's drifted part, if its recent members form two apart."""
        s = self.settings
        members = story.members
        if not s.split_min_size or story.count < s.split_min_size or not story.embeds:
            return  # without a meaningful embedding the members cannot be clustered
        min_part = max(3, math.ceil(s.split_min_part * len(members)))
        labels = drifted_part(members, min_part)
        if labels is None:
            return
        moved = [m for m, flag in zip(members, labels, strict=True) if flag]
        kept = [m for m, flag in zip(members, labels, strict=True) if not flag]
        new_id = split_story_id(story.id, moved[0].item_id)
        if new_id in self.by_id or new_id in self.aliases:
            return
        part = self.gather(new_id, moved)
        rest = self.gather(story.id, kept)
        # Content only: two halves of a story running over days are not apart for that.
        similarity = self.content_similarity(part, rest)
        if similarity >= s.split_threshold:
            return
        for member in moved:
            story.remove(member)
        story.set_members(kept)
        story.last_day = max(m.day for m in kept)
        self.stories[part.key] = part
        self.by_id[part.id] = part.key
        part.indexed = part.centroid()
        self.index.put(part.key, part.indexed, fresh=True)
        self.refresh(story)
        self.events.append(
            StoryEvent(
                "split", story.id, (new_id,), _EPOCH + timedelta(days=day),
                {"similarity": round(similarity, 6), "items": [m.item_id for m in moved]},
            )
        )

    def gather(self, story_id: str, members: list[Member]) -> _Story:
        """A story of just ``members`` (keyed for the index, not yet in the active set)."""
        story = _Story(story_id, self.next_key, np.zeros_like(members[0].vec), 0,
                       members[0].day, members[0].day)
        self.next_key += 1
        for member in members:
            story.add(member.vec, member.terms, member.entities, member.day)
        story.set_members(list(members))
        return story

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


def _one(_: str) -> float:
    """Every entity weighs the same in an entity profile."""
    return 1.0


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

    def prefetch(self, items: Sequence[Item]) -> None:
        """Embed a batch of items that are about to be learnt or predicted one by one: one
        batch through the embedder costs a fraction of as many single texts (the tokenizer's
        fixed cost per call), and the vectors are the same. Replaces the previous batch."""
        state = self.state
        texts = [grouping_text(item, state.settings.teaser_words) for item in items]
        vecs = state.embedder.embed(texts)
        state.prefetched = {item.id: (text, vec)
                            for item, text, vec in zip(items, texts, vecs, strict=True)}

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
