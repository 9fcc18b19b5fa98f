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

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

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
