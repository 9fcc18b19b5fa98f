"""What the grouper keeps of an active story and of an item, and helpers comparing them."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storyline.group.embed import FloatArray
from storyline.group.split import Member


@dataclass(slots=True)
class Story:
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
    foreign: int = 0  # items in a language the embedder does not know (see ItemFeatures.embeds)
    members: list[Member] = field(default_factory=list)  # the most recent, for splits
    member_vecs: FloatArray | None = None  # the members' embeddings stacked; None when stale

    @property
    def embeds(self) -> bool:
        """The centroid means something: most items are in an embedding language. (Not all:
        one English headline misread as German must not switch a whole story's embedding off.)
        """
        return 2 * self.foreign <= self.count

    def member_matrix(self) -> FloatArray:
        """The recent members' embeddings as rows (cached until the members change)."""
        if self.member_vecs is None:
            # np.array rather than np.stack: the same matrix, without np.stack's checks
            self.member_vecs = np.array([m.vec for m in self.members])
        return self.member_vecs

    def set_members(self, members: list[Member]) -> None:
        """Replace the recent members (and drop the stacked copy of their embeddings)."""
        self.members = members
        self.member_vecs = None

    def centroid(self) -> FloatArray:
        """The unit mean of the members' embeddings."""
        # np.linalg.norm of a vector is the square root of its float32 dot product (the same
        # value); called directly, it costs a third as much.
        norm = float(np.sqrt(self.vec_sum.dot(self.vec_sum)))
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

    def remove(self, member: Member) -> None:
        """Count one item out (the inverse of :meth:`add`, days aside)."""
        self.vec_sum -= member.vec
        self.count -= 1
        for counts, keys in ((self.terms, member.terms), (self.entities, member.entities)):
            for key in keys:
                left = counts.get(key, 0) - 1
                if left > 0:
                    counts[key] = left
                else:
                    counts.pop(key, None)


@dataclass(slots=True)
class ItemFeatures:
    """An item as the grouper reads it."""

    id: str
    vec: FloatArray  # unit length; centred on the running mean when the settings say so
    terms: frozenset[str]
    entities: frozenset[str]
    day: int
    embeds: bool = True  # whether the embedding means something for this item's language
    raw: FloatArray | None = None  # the embedder's own vector, for the running mean
    surfaces: dict[str, str] = field(default_factory=dict)  # term -> the word as written


def profile_cosine(
    idf: Callable[[str], float], a: dict[str, int], a_count: int, b: dict[str, int], b_count: int
) -> float:
    """Cosine of two stories' IDF-weighted word-share vectors."""
    weights = {word: idf(word) * n / a_count for word, n in a.items()}
    norm_a = sum(weight * weight for weight in weights.values())
    dot = norm_b = 0.0
    for word, n in b.items():
        weight = idf(word) * n / b_count
        norm_b += weight * weight
        other = weights.get(word)
        if other is not None:
            dot += other * weight
    return dot / math.sqrt(norm_a * norm_b) if norm_a and norm_b else 0.0


def explain(
    parts: dict[str, Any], candidates: int, top_terms: int, surfaces: dict[str, str]
) -> dict[str, Any]:
    """The explanation kept with an item→story link: the score, its embedding part, the
    shared words that weigh most (as the item writes them), and the shared places and other
    entities."""
    shared = sorted(parts["shared"], key=lambda pair: (-pair[0], pair[1]))
    return {
        "similarity": round(float(parts["similarity"]), 6),
        "embedding": round(float(parts["embedding"]), 6),
        "terms": [surfaces.get(word, word) for _, word in shared[:top_terms]],
        "places": sorted(e.split(":", 1)[1] for e in parts["places"]),
        "entities": sorted(e.split(":", 1)[1] for e in parts["entities"]),
        "candidates": candidates,
    }


def opening(best: float, closest: str | None, threshold: float, candidates: int,
            embedding_only: float | None = None) -> dict[str, Any]:
    """The explanation kept with the link of an item that opened a story: how close the
    nearest story came and the bar it missed, so "why is this alone?" has an answer too.
    ``embedding_only`` is the embedding cosine when the nearest story passed the threshold
    on the embedding alone, too weakly to join on it (``GroupingSettings.embedding_alone``).
    """
    out: dict[str, Any] = {
        "opened": True,
        "similarity": round(best, 6),
        "closest": closest,
        "threshold": round(threshold, 6),
        "candidates": candidates,
    }
    if embedding_only is not None:
        out["embedding_only"] = round(embedding_only, 6)
    return out


def describe_opening(explanation: dict[str, Any]) -> str:
    """One line for an opening explanation (see :func:`opening`), for the CLI and web UI."""
    closest = explanation.get("closest")
    if not closest:
        return "opened the story: no active story to compare with"
    if explanation.get("embedding_only") is not None:
        return (
            f"opened the story: the closest story, {closest}, scored "
            f"{float(explanation.get('similarity', 0.0)):.3f} but shares no word, place or "
            f"name with it, and their embeddings alone ("
            f"{float(explanation['embedding_only']):.3f}) are not close enough"
        )
    return (
        f"opened the story: the closest story, {closest}, scored "
        f"{float(explanation.get('similarity', 0.0)):.3f}, below "
        f"{float(explanation.get('threshold', 0.0)):.3f}"
    )
