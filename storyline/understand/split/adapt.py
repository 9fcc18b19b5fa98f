"""Adapting the splitter to one listing: each publisher has its own headline length.

A listing comes from one publisher, and a publisher's headlines have a length of their own
(BBC titles run about 7 words, MIND's about 11). The network learnt the length mix of its
training sources; on a publisher it has never seen, it cuts too late where headlines are
short and too early where they are long. The lines of one listing together say which
lengths this publisher uses, so the splitter re-weights each line's cut probabilities by
how much more (or less) common each headline length is in the listing than in training.

This is the prior-shift correction of Saerens, Latinne and Decaestecker (2002, "Adjusting
the outputs of a classifier to new a priori probabilities"), an EM that re-estimates the
class prior on unlabelled data; the classes here are headline lengths in tokens (and "no
cut"). Written by hand because it is a dozen numpy lines over the splitter's own
candidate layout, which no library knows. Two guards keep it safe on small or odd
listings, both measured leave-one-source-out (docs/splitter.md, fifth round):

- the listing's estimate is shrunk towards the training prior as if ``PRIOR_LINES`` lines
  of training data had been seen too, so a 15-line listing moves the cuts a little and a
  thousand-line one a lot;
- the correction of any one length is bounded (``MAX_RATIO``): without it, a publisher
  whose teasers open with a standfirst (the Guardian's "headline | standfirst body") drew
  the cuts to the standfirst's end, a length rare in training whose ratio grew without end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Headline lengths are counted up to this many tokens (the splitter's candidates stop at
# 40); class 0 is the "no cut" row (a headline-only line).
LENGTH_CLASSES = 41
PRIOR_LINES = 50.0
MAX_RATIO = 2.0
ITERATIONS = 20


def length_classes(offsets: NDArray[np.intp]) -> NDArray[np.intp]:
    """The length class of every candidate row of a batch laid out as in
    ``batch.batch_features``: a line's row ``i`` cuts after ``i + 1`` tokens, its last row is
    "no cut" (class 0)."""
    starts = offsets[:-1]
    sizes = np.diff(offsets)
    within = np.arange(int(offsets[-1])) - np.repeat(starts, sizes)
    classes = np.minimum(within + 1, LENGTH_CLASSES - 1)
    classes[offsets[1:] - 1] = 0
    return classes.astype(np.intp)


def length_prior(golds: Sequence[tuple[int, int]], weights: Sequence[float]) -> Array:
    """The training distribution of headline-length classes, from (gold row, number of rows)
    of each training line and its weight. A small floor keeps every class possible."""
    rows = np.array([r for _, r in golds], dtype=np.intp)
    offsets = np.concatenate([[0], np.cumsum(rows)]).astype(np.intp)
    gold_rows = offsets[:-1] + np.array([g for g, _ in golds], dtype=np.intp)
    counts = np.bincount(length_classes(offsets)[gold_rows],
                         weights=np.asarray(weights, dtype=np.float64), minlength=LENGTH_CLASSES)
    counts += 1e-3 * counts.sum() / LENGTH_CLASSES
    prior: Array = counts / counts.sum()
    return prior


def adapt_to_listing(probs: Array, offsets: NDArray[np.intp], prior: Array) -> Array:
    """``probs`` (each line's cut probabilities, laid out by ``offsets``) re-weighted by the
    listing's own headline-length distribution, estimated by EM over all its lines (see the
    module docstring). Every line's probabilities still sum to one."""
    lines = len(offsets) - 1
    if lines == 0:
        return probs
    classes = length_classes(offsets)
    starts = offsets[:-1]
    sizes = np.diff(offsets)
    estimate = prior.copy()
    adjusted = probs
    for _ in range(ITERATIONS):
        ratio = np.clip(estimate / prior, 1.0 / MAX_RATIO, MAX_RATIO)
        weighted = probs * ratio[classes]
        adjusted = weighted / np.repeat(np.add.reduceat(weighted, starts), sizes)
        seen = np.bincount(classes, weights=adjusted, minlength=LENGTH_CLASSES)
        estimate = (seen + PRIOR_LINES * prior) / (lines + PRIOR_LINES)
    return adjusted
