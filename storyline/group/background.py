"""What the grouper knows before its first item: a background corpus of news headlines.

A new grouper has seen nothing, so two things it estimates from the items it learns are
poor at first: how common a word is (its inverse document frequency), and the mean
embedding it centres every vector on (``GroupingSettings.center_embeddings``). With a handful
of items, every word looks rare, so one shared everyday word ("following", "elections") can
join two unrelated items; and an uncentred static embedding makes every pair of headlines
look alike. ``data/background.npz`` holds both estimates from a background corpus, written by
``scripts/build_background.py``; the grouper mixes them in as pseudo-documents
(``GroupingSettings.background_docs``) and pseudo-items (``center_prior``) that its own
counts outweigh as the stream grows.

The mean embedding belongs to one embedding model: the file keeps the embedding of a probe
text, and the mean is used only when the grouper's embedder gives the same vector for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from storyline.group.embed import Embedder

BACKGROUND_PATH = Path(__file__).with_name("data") / "background.npz"
# Embedded when the file is built and when it is used: equal vectors, same model.
PROBE_TEXT = "Storyline probe: markets, elections and storms around the world"


@dataclass(frozen=True)
class Background:
    """Word document frequencies (grouping terms, ``features.terms_of``) over ``docs``
    headlines, and their mean raw embedding with the probe text's embedding."""

    docs: int
    df: dict[str, int]
    mean: NDArray[np.float32]
    probe: NDArray[np.float32]

    def rate(self, word: str) -> float:
        """Share of the background headlines that use ``word``."""
        return self.df.get(word, 0) / self.docs

    def mean_for(self, probe: NDArray[np.float32]) -> NDArray[np.float32] | None:
        """The background mean embedding if ``probe`` (the embedder's vector for
        ``PROBE_TEXT``) shows the same model made it; otherwise None."""
        if probe.shape != self.probe.shape or not np.allclose(probe, self.probe, atol=1e-4):
            return None
        return self.mean


@lru_cache(maxsize=4)
def load_background(path: Path = BACKGROUND_PATH) -> Background | None:
    """The background shipped with the package (or at ``path``); None if there is none."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        words = [str(w) for w in data["words"]]
        counts = data["counts"].astype(np.int64)
        return Background(
            docs=int(data["docs"]),
            df=dict(zip(words, counts.tolist(), strict=True)),
            mean=data["mean"].astype(np.float32),
            probe=data["probe"].astype(np.float32),
        )


class CorpusStats:
    """What the grouper counts over the items it learns, started from the background: word
    document frequencies (the IDF of the term part) and the mean raw embedding every
    vector is centred on.

    ``extra_docs`` background pseudo-documents count in the IDF; the centre starts from
    ``center_prior`` pseudo-items at the background's mean (when it belongs to ``embedder``)
    or at zero, so a handful of items barely move it.
    """

    def __init__(self, embedder: Embedder, background: Background | None, extra_docs: int,
                 center: bool, center_prior: int) -> None:
        self.background = background
        self.extra_docs = extra_docs if background is not None else 0
        self.center = center
        self.center_prior = center_prior
        self.df: dict[str, int] = {}
        self.docs = 0
        self.mean_sum = np.zeros(embedder.dim, dtype=np.float64)  # sum of embedded raw vectors
        self.mean_count = 0
        self.prior_mean: NDArray[np.float32] | None = None  # the background's, for this model
        if background is not None and center:
            probe = np.asarray(embedder.embed([PROBE_TEXT])[0], dtype=np.float32)
            self.prior_mean = background.mean_for(probe)
        # The denominator of each word's IDF, ``df + pseudo-count + 1``, kept up to date by
        # add() rather than worked out per call: the IDF is asked for about a million times
        # per 20,000 items (every word of every story profile a merge compares). A word
        # missing here has neither count: its denominator is 1.
        self._pseudo: dict[str, float] = (
            {} if background is None else
            {word: self.extra_docs * (n / background.docs) for word, n in background.df.items()}
        )
        self._denominator: dict[str, float] = {
            word: 0 + pseudo + 1 for word, pseudo in self._pseudo.items()}
        self._mean: NDArray[np.float32] | None = None  # the centre, until the next add()

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency over the items learnt so far, with the
        background's pseudo-documents counted in."""
        return math.log((self.docs + self.extra_docs + 1)
                        / self._denominator.get(word, 1.0)) + 1.0

    def idf_of(self, words: Iterable[str]) -> dict[str, float]:
        """:meth:`idf` of each of ``words``, in one call (an item's words, once per item)."""
        denominator, log = self._denominator.get, math.log
        total = self.docs + self.extra_docs + 1
        return {word: log(total / denominator(word, 1.0)) + 1.0 for word in words}

    def profile_cosine(self, a: dict[str, int], a_count: int, b: dict[str, int],
                       b_count: int) -> float:
        """Cosine of two stories' IDF-weighted word-share vectors: each word weighs its IDF
        times the share of the story's items using it.

        ``story.profile_cosine`` with this corpus's :meth:`idf`, computed inline: a merge
        check compares whole stories, hundreds of words each, and every word's IDF changes
        with every learnt item, so nothing can be kept; the per-word calls were most of the
        cost. Same operations in the same order, so the same value to the bit.
        """
        denominator, log = self._denominator.get, math.log
        total = self.docs + self.extra_docs + 1
        weights = {word: (log(total / denominator(word, 1.0)) + 1.0) * n / a_count
                   for word, n in a.items()}
        norm_a = sum(weight * weight for weight in weights.values())
        dot = norm_b = 0.0
        other_of = weights.get
        for word, n in b.items():
            weight = (log(total / denominator(word, 1.0)) + 1.0) * n / b_count
            norm_b += weight * weight
            other = other_of(word)
            if other is not None:
                dot += other * weight
        return dot / math.sqrt(norm_a * norm_b) if norm_a and norm_b else 0.0

    def centred(self, raw: NDArray[np.float32]) -> NDArray[np.float32]:
        """``raw`` minus the mean so far, L2-normalised; ``raw`` itself when there is nothing
        to centre on yet. The mean is shrunk towards its prior while few items are in it (an
        estimate from a handful of items would be mostly those items) and settles within a
        few thousand items, so vectors stored earlier stay comparable with later ones. A zero
        row (nothing to embed) stays zero: centred it would point at -mean."""
        prior = self.prior_mean
        if not self.center or not (self.mean_count or prior is not None) or not raw.any():
            return raw
        mean = self._mean
        if mean is None:  # the centre moves only when add() counts an embedding in
            weight = self.center_prior
            total = self.mean_sum if prior is None else self.mean_sum + weight * prior
            mean = self._mean = (total / (self.mean_count + weight)).astype(np.float32)
        centred = raw - mean
        # np.linalg.norm of a vector is this float32 dot product's square root, minus checks.
        norm = float(np.sqrt(centred.dot(centred)))
        return centred / norm if norm else centred

    def add(self, terms: frozenset[str], raw: NDArray[np.float32] | None, embeds: bool) -> None:
        """Count a learnt item: its terms, and its raw embedding when it has one that means
        something (an embedding language, not a zero row)."""
        df, pseudo, denominator = self.df, self._pseudo, self._denominator
        for word in terms:
            count = df[word] = df.get(word, 0) + 1
            # summed in idf()'s original order, so the IDF is the same to the bit
            denominator[word] = count + pseudo.get(word, 0.0) + 1
        self.docs += 1
        if embeds and raw is not None and float(raw @ raw) > 0:
            self.mean_sum += raw
            self.mean_count += 1
            self._mean = None
