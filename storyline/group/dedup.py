"""Exact and near duplicates, found before grouping so copies do not count as extra coverage.

* Exact: the same normalised text (case, punctuation, white space and a trailing "..."
  ignored) as an earlier item: a syndicated copy.
* Near: a SimHash (64 bits, over the words and word pairs of headline and teaser) within
  ``max_distance`` bits of an earlier item's, confirmed by the Jaccard similarity of the two
  word sets (``min_jaccard``), so a retitled or lightly edited copy is caught while two
  different headlines that happen to collide are not. The SimHash is cut into
  ``max_distance + 1`` bands: by the pigeonhole principle, two hashes within the distance share
  at least one band exactly, so each band is a plain dictionary lookup.

Only copies within ``window_days`` count (a headline repeated weeks later, "Stock market news
for ...", is a new item), and memory is bounded: only the last ``capacity`` items are kept.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from collections import deque
from dataclasses import dataclass

import numpy as np

from storyline.model import Item

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")


def normalise(text: str) -> str:
    """Text folded for comparison: NFKC, case-folded, words only, a trailing ellipsis dropped."""
    text = _ELLIPSIS.sub("", unicodedata.normalize("NFKC", text).strip())
    return " ".join(_WORD.findall(text.casefold()))


def _day(item: Item) -> int:
    """The item's day number (proleptic ordinal), 0 when undated."""
    when = item.published or item.first_seen
    return when.toordinal() if when is not None else 0


@functools.lru_cache(maxsize=1 << 18)  # words recur, and blake2b is most of simhash's time
def _hash64(token: str) -> int:
    """A stable 64-bit hash of a token (Python's own hash changes between runs)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def simhash(words: list[str]) -> int:
    """Charikar's SimHash over words and adjacent word pairs."""
    features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    # map() and fromiter: no Python loop or intermediate list per feature (once per item)
    hashes = np.fromiter(map(_hash64, features), dtype="<u8", count=len(features))
    # One row of 64 bits per feature (little-endian bit order), summed as ±1 votes per bit.
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = 2 * bits.sum(axis=0, dtype=np.int64) - len(features)
    return int(np.packbits(votes > 0, bitorder="little").view("<u8")[0])


@dataclass(frozen=True, slots=True)
class _Entry:
    item_id: str
    day: int
    digest: str
    fingerprint: int
    words: frozenset[str]


class DuplicateDetector:
    """Remembers recent items and tells whether a new one copies one of them.

    ``check(item)`` gives the id of the earlier item it duplicates (or None) without
    remembering it; ``add(item)`` remembers it. A duplicate need not be added: pointing at the
    original keeps chains short.
    """

    def __init__(
        self, max_distance: int = 3, min_jaccard: float = 0.7, min_words: int = 4,
        window_days: int = 2, capacity: int = 200_000,
    ) -> None:
        self.max_distance = max_distance
        self.window_days = window_days
        self.min_jaccard = min_jaccard
        self.min_words = min_words
        self.capacity = capacity
        bands = max_distance + 1
        self._widths = [64 // bands + (1 if b < 64 % bands else 0) for b in range(bands)]
        self._exact: dict[str, _Entry] = {}
        self._bands: list[dict[int, list[_Entry]]] = [{} for _ in range(bands)]
        self._order: deque[_Entry] = deque()
        # The last item's digest, words and fingerprint: check() then add() of the same item
        # (the usual sequence) computes them once.
        self._last: tuple[str, str, list[str], int | None] = ("", "", [], None)

    def _parts(self, item: Item) -> tuple[str, list[str]]:
        """The digest of the normalised text and its words."""
        raw = item.text or item.raw_text
        if self._last[0] == raw:
            return self._last[1], self._last[2]
        text = normalise(raw)
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
        words = text.split()
        self._last = (raw, digest, words, None)
        return digest, words

    def _simhash(self, item: Item, words: list[str]) -> int:
        """The item's fingerprint (after :meth:`_parts` of the same item)."""
        raw, digest, cached_words, fingerprint = self._last
        if fingerprint is None or raw != (item.text or item.raw_text):
            fingerprint = simhash(words)
            if raw == (item.text or item.raw_text):
                self._last = (raw, digest, cached_words, fingerprint)
        return fingerprint

    def _band_keys(self, fingerprint: int) -> list[int]:
        """The value of each band of a fingerprint."""
        keys, shift = [], 0
        for width in self._widths:
            keys.append((fingerprint >> shift) & ((1 << width) - 1))
            shift += width
        return keys

    def check(self, item: Item) -> str | None:
        """The id of the earlier item that ``item`` duplicates, or None."""
        digest, words = self._parts(item)
        if not words:
            return None
        day = _day(item)
        exact = self._exact.get(digest)
        if exact is not None and abs(day - exact.day) <= self.window_days:
            return exact.item_id
        if len(words) < self.min_words:
            return None  # too short for a near match to mean a copy
        fingerprint = self._simhash(item, words)
        word_set = frozenset(words)
        best: tuple[float, str] | None = None
        for band, key in zip(self._bands, self._band_keys(fingerprint), strict=True):
            for entry in band.get(key, ()):
                if (entry.fingerprint ^ fingerprint).bit_count() > self.max_distance:
                    continue
                if abs(day - entry.day) > self.window_days:
                    continue
                union = len(entry.words | word_set)
                jaccard = len(entry.words & word_set) / union if union else 0.0
                if jaccard >= self.min_jaccard and (best is None or jaccard > best[0]):
                    best = (jaccard, entry.item_id)
        return None if best is None else best[1]

    def add(self, item: Item) -> None:
        """Remember ``item`` as a possible original of later ones."""
        digest, words = self._parts(item)
        if not words:
            return
        previous = self._exact.get(digest)
        if previous is not None:
            if previous.day >= _day(item) - self.window_days:
                return  # the earlier copy still stands for this text
            self._forget(previous)  # an old copy: the new item stands for the text from now
        entry = _Entry(item.id, _day(item), digest, self._simhash(item, words), frozenset(words))
        self._exact[digest] = entry
        for band, key in zip(self._bands, self._band_keys(entry.fingerprint), strict=True):
            band.setdefault(key, []).append(entry)
        self._order.append(entry)
        if len(self._order) > self.capacity:
            self._forget(self._order.popleft())

    def _forget(self, entry: _Entry) -> None:
        """Drop the oldest entry from every lookup."""
        if self._exact.get(entry.digest) is entry:
            del self._exact[entry.digest]
        for band, key in zip(self._bands, self._band_keys(entry.fingerprint), strict=True):
            bucket = band.get(key)
            if bucket is not None and entry in bucket:
                bucket.remove(entry)
                if not bucket:
                    del band[key]

    def __len__(self) -> int:
        return len(self._order)
