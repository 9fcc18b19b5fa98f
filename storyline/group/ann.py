"""Approximate nearest neighbours over story centroids (usearch HNSW).

The grouper compares a new item only with the stories whose centroids are nearest to it; this
index finds them. It holds a snapshot of each active story's centroid, keyed by the story's
integer key; the grouper refreshes a snapshot only when the centroid has moved, because
re-inserting costs ~0.2 ms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from storyline.group.embed import FloatArray


class CentroidIndex:
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
        keys: list[int] = matches.keys.tolist()  # uint64 to int, in one call
        return keys

    def __getstate__(self) -> dict[str, Any]:
        return {"dim": self.dim, "removed": self.removed, "blob": bytes(self.index.save())}

    def __setstate__(self, state: dict[str, Any]) -> None:
        from usearch.index import Index

        self.dim = state["dim"]
        self.removed = state["removed"]
        self.index = Index.restore(state["blob"])
        if self.index is None:  # an empty index saves as a header only
            self.index = self._new()
