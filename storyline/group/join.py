"""Learned decisions: whether two stories compared as wholes are one (the merge, in use), and
whether an item joins its best candidate story (the join, off by default).

Both are logistic models over a few features, fitted by ``bench/group.py --fit-merge`` /
``--fit-join`` on rows from replaying the tuning half of the dev days only (``--trace-join``).
A merge row is a pair of stories ``maybe_merge`` compared, positive when the majority gold
stories of their recent members agree; a join row is an item and its best candidate by
similarity, positive when most of the candidate's recent members share the item's gold story.
The merge's strongest evidence is member to member (:func:`pair_features`' ``nn_link``): two
stories are one when each item of one has a close twin in the other. See docs/grouping.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from storyline.group.story import ItemFeatures, Story

Rows = npt.NDArray[np.float64]

# The columns of :func:`candidate_features`, in order.
FEATURES: tuple[str, ...] = (
    "embedding",  # cosine of the item to the centroid (0 when either does not embed)
    "embeds",  # 1 when both the item and the story embed
    "terms",  # IDF-weighted share of the item's words the story uses
    "entities",  # the entity share (as in the similarity)
    "has_entities",  # 1 when the item has entities
    "member_max",  # cosine of the item to its nearest recent member of the story
    "rarest_shared",  # IDF of the rarest shared word over the IDF of the item's rarest word
    "log_size",  # log(1 + items in the story)
    "gap_days",  # days since the story's last item
    "is_top",  # 1 for the best candidate by similarity
    "margin",  # similarity minus the best other candidate's
    "similarity",  # the hand-weighted similarity, decay included
    "log_words",  # log(1 + the item's content words)
    "emb_x_terms",  # embedding × terms
)


def candidate_features(
    feats: ItemFeatures, stories: Sequence[Story], parts: Sequence[dict[str, Any]],
    max_idf: float,
) -> Rows:
    """One row of :data:`FEATURES` per candidate, ``parts`` being each one's score parts
    (best first by similarity)."""
    n = len(stories)
    x = np.zeros((n, len(FEATURES)), dtype=np.float64)
    sims = np.array([p["similarity"] for p in parts], dtype=np.float64)
    member_max = _member_max(feats, stories)
    best = float(sims[0])
    second = float(sims[1]) if n > 1 else best - 1.0
    log_words = math.log1p(len(feats.terms))
    for i, (story, p) in enumerate(zip(stories, parts, strict=True)):
        embeds = feats.embeds and story.embeds
        emb = p["embedding"] if embeds else 0.0
        row = x[i]
        row[0] = emb
        row[1] = float(embeds)
        row[2] = p["term_score"]
        row[3] = p["entity_score"]
        row[4] = float(bool(feats.entities))
        row[5] = member_max[i] if embeds else 0.0
        row[6] = p["rarest"] / max_idf if max_idf else 0.0
        row[7] = math.log1p(story.count)
        row[8] = abs(feats.day - story.last_day)
        row[9] = float(i == 0)
        row[10] = sims[i] - (second if i == 0 else best)
        row[11] = sims[i]
        row[12] = log_words
        row[13] = emb * p["term_score"]
    return x


def _member_max(feats: ItemFeatures, stories: Sequence[Story]) -> list[float]:
    """The item's highest cosine to each story's recent members, in one product."""
    mats = [story.member_matrix() for story in stories]
    sizes = [len(m) for m in mats]
    cosines = np.concatenate(mats) @ feats.vec
    starts = np.cumsum([0, *sizes[:-1]])
    return [float(v) for v in np.maximum.reduceat(cosines, starts)]


def probabilities(x: Rows, weights: Sequence[float]) -> Rows:
    """The logistic model's probability per row; ``weights`` is the intercept then one
    weight per feature."""
    w = np.asarray(weights, dtype=np.float64)
    z = x @ w[1:] + w[0]
    out: Rows = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return out


def fit_logistic(x: Rows, y: Rows, l2: float = 1e-3, rounds: int = 30) -> list[float]:
    """Logistic regression by Newton's method (features standardised while fitting, weights
    returned on the raw scale: intercept first)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = l2 * len(x) * np.eye(z.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30.0, 30.0)))
        grad = z.T @ (p - y) + penalty @ w
        hess = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    raw = w[1:] / scale
    intercept = w[0] - float(raw @ mean)
    return [float(intercept), *(float(v) for v in raw)]


LINK_MEMBERS = 32  # recent members per story compared member to member for a merge

# The columns of :func:`pair_features`, for the learned merge decision.
PAIR_FEATURES: tuple[str, ...] = (
    "embedding",  # cosine of the two centroids (0 unless both embed)
    "terms",  # cosine of the two IDF-weighted word profiles
    "entities",  # cosine of the two entity profiles
    "similarity",  # the hand story similarity, day decay included
    "gap_days",  # days between the two stories' spans
    "log_small",  # log(1 + items in the smaller story)
    "log_big",  # log(1 + items in the bigger story)
    "avg_link",  # mean cosine between the two stories' recent members
    "max_link",  # highest cosine between them
    "nn_link",  # mean over members of the cosine to the nearest member of the other story
    "via_item",  # 1 when an item matched both, 0 when found as centroid neighbours
)


def pair_features(
    a: Story, b: Story, emb: float, terms: float, entities: float, similarity: float,
    gap: int, via_item: bool,
) -> Rows:
    """One row of :data:`PAIR_FEATURES` for two stories."""
    embeds = a.embeds and b.embeds
    x = np.zeros((1, len(PAIR_FEATURES)), dtype=np.float64)
    row = x[0]
    small, big = sorted((a.count, b.count))
    row[0] = emb if embeds else 0.0
    row[1] = terms
    row[2] = entities
    row[3] = similarity
    row[4] = gap
    row[5] = math.log1p(small)
    row[6] = math.log1p(big)
    if embeds:
        # The latest LINK_MEMBERS of each: enough to see whether the two overlap, and a
        # product small enough that BLAS does not start threads for it (on a busy machine,
        # 64 x 64 members took 20 times as long as 32 x 32).
        links = a.member_matrix()[-LINK_MEMBERS:] @ b.member_matrix()[-LINK_MEMBERS:].T
        row[7] = float(links.mean())
        row[8] = float(links.max())
        row[9] = 0.5 * (float(links.max(axis=1).mean()) + float(links.max(axis=0).mean()))
    row[10] = float(via_item)
    return x
