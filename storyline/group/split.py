"""Finding the drifted part of a story: two clusters among its recent members.

A story grows one item at a time, each matched against the story as it then stood, so a
story can drift: "Ukraine gas talks" slides into "Ukraine election", one item at a time, each
close enough to the last few. At set sizes the grouper looks at the story's recent members as
a whole: :func:`two_means` cuts their embeddings in two, and the story is split when the
two parts are each big enough and have too little in common (see
``StoryGrouper``'s ``split_threshold``). The part whose members arrived earlier keeps the
story's id; the other opens a new story, with an id from :func:`split_story_id`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from storyline.group.embed import FloatArray

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Member:
    """What a story keeps of one of its recent items, to be able to split it later."""

    item_id: str
    seq: int  # arrival order in the grouper, so merged member lists stay in order
    vec: FloatArray
    terms: frozenset[str]
    entities: frozenset[str]
    day: int


def two_means(vecs: FloatArray, iterations: int = 8) -> BoolArray:
    """Cut unit row vectors in two by spherical 2-means; True marks the second cluster.

    Seeded deterministically, so replays agree: the least typical row (lowest cosine to the
    mean) and the row least like it, the two ends of the widest spread.
    """
    mean = vecs.mean(axis=0)
    first = int(np.argmin(vecs @ mean))
    second = int(np.argmin(vecs @ vecs[first]))
    a, b = vecs[first], vecs[second]
    labels = np.zeros(len(vecs), dtype=bool)
    for _ in range(iterations):
        new: BoolArray = np.greater(vecs @ b, vecs @ a)
        if not new.any() or new.all():
            return new
        if np.array_equal(new, labels):
            break
        labels = new
        a, b = vecs[~labels].mean(axis=0), vecs[labels].mean(axis=0)
    return labels


def drifted_part(members: list[Member], min_part: int) -> BoolArray | None:
    """Which members form the later of two clusters, or None when there are not two.

    ``min_part`` is the fewest members each part must have: a cluster of one or two items is
    an outlier, not a drift, and moving it would only make noise in the story's history.
    """
    vecs = np.stack([m.vec for m in members]).astype(np.float32)
    labels = two_means(vecs)
    moved = int(labels.sum())
    if moved < min_part or len(members) - moved < min_part:
        return None
    order = np.arange(len(members), dtype=np.float64)
    # The part that arrived later on average is the one that drifted away.
    if order[labels].mean() < order[~labels].mean():
        labels = ~labels
    return labels


def split_story_id(story_id: str, item_id: str) -> str:
    """The id of the story split off ``story_id``, starting at ``item_id``.

    Derived from both, so a replay gives the same id, and never the id the item would open a
    story with (that id may already be an alias of an earlier merge).
    """
    digest = hashlib.blake2b(f"split:{story_id}:{item_id}".encode(), digest_size=6).hexdigest()
    return "s" + digest
