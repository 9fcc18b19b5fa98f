"""A single-pass TF-IDF story grouper: the simple, dependable baseline.

Each item is a sublinear TF-IDF vector over its headline (weighted up) and teaser, with
document frequencies learned online. It joins the active story whose centroid it is most
similar to, helped by the names (places, people, organisations) they share, if that
similarity clears a threshold; otherwise it opens a new story. Stories not updated within the
window stop taking items, which keeps the cost per item flat.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from storyline.group.base import story_id_for
from storyline.model import Assignment, Item
from storyline.text.tokens import capitalised_names, words

_NAME_KINDS = frozenset({"place", "person", "org"})


def item_names(item: Item) -> set[str]:
    """Names an item mentions: the understand stage's entities, else capitalised runs.

    A two-word name also counts by its last word, so "Martin Vizcarra" meets "Vizcarra".
    """
    names = {f.value.casefold() for f in item.facts if f.kind in _NAME_KINDS and f.value}
    if not names:
        names = capitalised_names(f"{item.headline}\n{item.teaser}")
        if item.kicker:
            names.add(item.kicker.casefold())
    surnames = {parts[-1] for parts in (n.split() for n in names) if len(parts) == 2}
    return names | surnames


@dataclass(slots=True)
class _Story:
    centroid: dict[str, float]
    names: Counter[str]
    size: int
    last_seen: datetime


@dataclass(slots=True)
class _State:
    doc_freq: Counter[str] = field(default_factory=Counter)
    docs: int = 0
    stories: dict[str, _Story] = field(default_factory=dict)
    postings: dict[str, set[str]] = field(default_factory=dict)
    newest: datetime | None = None
    since_eviction: int = 0


class TfidfGrouper:
    """Online TF-IDF grouping with a name bonus and a time window (see module docstring)."""

    def __init__(
        self,
        threshold: float = 0.25,
        window_days: float = 3.0,
        headline_weight: float = 2.0,
        name_weight: float = 0.1,
        max_name_bonus: float = 0.2,
        teaser_tokens: int = 40,
    ) -> None:
        self.threshold = threshold
        self.window_days = window_days
        self.headline_weight = headline_weight
        self.name_weight = name_weight
        self.max_name_bonus = max_name_bonus
        self.teaser_tokens = teaser_tokens
        self._state = _State()

    # -- representation ---------------------------------------------------------------------

    def _idf(self, term: str) -> float:
        state = self._state
        return math.log((state.docs + 1) / (state.doc_freq.get(term, 0) + 1)) + 1.0

    def _term_counts(self, item: Item) -> dict[str, float]:
        counts: dict[str, float] = {}
        for token in words(item.headline, item.language):
            counts[token] = counts.get(token, 0.0) + self.headline_weight
        # Only the teaser's opening counts: long teasers are mostly context shared with
        # unrelated items, and drag stories towards each other.
        for token in words(item.teaser, item.language)[: self.teaser_tokens]:
            counts[token] = counts.get(token, 0.0) + 1.0
        return counts

    def _vector(self, counts: dict[str, float]) -> dict[str, float]:
        vector = {t: (1.0 + math.log(c)) * self._idf(t) for t, c in counts.items() if c > 0}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}

    # -- prediction ---------------------------------------------------------------------------

    def _active(self, story: _Story, when: datetime | None) -> bool:
        if when is None:
            return True
        return abs((when - story.last_seen).total_seconds()) <= self.window_days * 86400

    def predict_one(self, item: Item) -> Assignment:
        """The best active story for the item if it clears the threshold, else a new story."""
        state = self._state
        vector = self._vector(self._term_counts(item))
        names = item_names(item)
        when = item.published or item.first_seen
        candidates = set().union(*(state.postings.get(t, set()) for t in vector))
        best: tuple[float, str, dict[str, object]] | None = None
        for story_id in sorted(candidates):
            story = state.stories[story_id]
            if not self._active(story, when):
                continue
            norm = math.sqrt(sum(v * v for v in story.centroid.values())) or 1.0
            contributions = {
                t: w * story.centroid[t] / norm for t, w in vector.items() if t in story.centroid
            }
            cosine = sum(contributions.values())
            shared = sorted(n for n in names if n in story.names)
            bonus = min(self.max_name_bonus, self.name_weight * len(shared)) if cosine > 0 else 0.0
            score = cosine + bonus
            if best is None or score > best[0]:
                top_terms = sorted(contributions, key=lambda t: (-contributions[t], t))[:8]
                best = (
                    score,
                    story_id,
                    {"cosine": round(cosine, 4), "terms": top_terms, "names": shared},
                )
        if best is not None and best[0] >= self.threshold:
            score, story_id, why = best
            explanation = {"similarity": round(score, 4), **why, "candidates": len(candidates)}
            return Assignment(story_id, score, is_new_story=False, explanation=explanation)
        explanation = {
            "similarity": round(best[0], 4) if best else 0.0,
            "reason": "no active story similar enough",
            "threshold": self.threshold,
            "candidates": len(candidates),
        }
        return Assignment(story_id_for(item.id), 1.0, is_new_story=True, explanation=explanation)

    # -- learning -----------------------------------------------------------------------------

    def learn_one(self, item: Item, assignment: Assignment | None = None) -> Assignment:
        """Add the item to its story (``assignment`` if given) and update term statistics."""
        if assignment is None:
            assignment = self.predict_one(item)
        state = self._state
        counts = self._term_counts(item)
        vector = self._vector(counts)
        when = item.published or item.first_seen
        story = state.stories.get(assignment.story_id)
        if story is None:
            story = _Story(centroid={}, names=Counter(), size=0, last_seen=when or datetime.min)
            state.stories[assignment.story_id] = story
        for term, weight in vector.items():
            story.centroid[term] = story.centroid.get(term, 0.0) + weight
            state.postings.setdefault(term, set()).add(assignment.story_id)
        story.names.update(item_names(item))
        story.size += 1
        if when is not None:
            story.last_seen = max(story.last_seen, when) if story.size > 1 else when
            state.newest = when if state.newest is None else max(state.newest, when)
        state.doc_freq.update(counts.keys())
        state.docs += 1
        state.since_eviction += 1
        if state.since_eviction >= 1000:
            self._evict()
        return assignment

    def _evict(self) -> None:
        """Forget stories that can no longer take items, so memory follows the window."""
        state = self._state
        state.since_eviction = 0
        if state.newest is None:
            return
        horizon = self.window_days * 86400 * 2
        stale = [
            sid
            for sid, s in state.stories.items()
            if (state.newest - s.last_seen).total_seconds() > horizon
        ]
        for sid in stale:
            for term in state.stories.pop(sid).centroid:
                posting = state.postings.get(term)
                if posting is not None:
                    posting.discard(sid)
                    if not posting:
                        del state.postings[term]
