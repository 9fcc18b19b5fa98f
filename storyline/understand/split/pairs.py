"""How often a headline ends next to words of these kinds: cut statistics by word class.

The phrase table (``features.phrase_table``) knows the word pairs it has counted ("Gaza
Strip"); most pairs of a new publisher's line it has never seen ("Sania | Mirza", "TOUR |
Championship", "Singers | Jennifer Lopez"). Words used alike share a Brown cluster
(``knowledge.WordUsage``: given names, family names, sports bodies, job titles, ...), so
counted by cluster, the training pairs say for any words how often a headline ends next to
words of their kinds: almost never between a given name and a family name, often between a
place and a sentence-opening article. The word before the cut keeps its closing mark (none,
a sentence end, a comma or colon, another sign), which changes everything about it.

For each candidate cut, five counts: the pair of words around it, the word before it alone,
the word after it alone, the two words before it and the two words after it. Each is
smoothed towards a coarser count (the pair towards the pair of its clusters' first six bits,
the two words on one side towards the one word next to the cut, the coarse and one-word
counts towards the overall rate), so rare combinations say little.

A gap is counted in the first ``MAX_GAPS`` gaps of a gold line (title + teaser, after the
prefix the splitter peels: a kicker, a media tag), as the splitter's candidates are; the gap
after the title is a cut, every other one is not, and the gaps inside extra titles
(headlines without a teaser, from another corpus) are not cuts either. Written by hand: a
few smoothed count tables that no library offers in a form cheaper to look up than sorted
key arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storyline.understand.split.knowledge import word_usage_table

# The splitter looks at the first 40 tokens of a line (features.MAX_HEAD_TOKENS, which
# this module cannot import: features imports it; a test checks they agree).
MAX_GAPS = 40
# Quotes, brackets and punctuation around a word (features strips the same).
STRIP = "“«‹\"'‘([¿¡„”»›’)].,;:!?…"
# Marks closing the word before a cut.
_NONE, _SENTENCE, _COMMA, _OTHER = range(4)
N_MARKS = 4
# Bits of the cluster path kept by the coarse class.
COARSE_BITS = 6
# Smoothing: as if this many gaps at the coarser level's rate had been seen as well.
_ALPHA_COARSE = 20.0
_ALPHA_FINE = 5.0


def _classes() -> tuple[int, NDArray[np.int64]]:
    """Number of whole-cluster classes (clusters, then the four fallbacks) and the coarse
    class of each and of ``NO_WORD``."""
    paths = word_usage_table().cluster_paths
    n_clusters = len(paths)
    coarse = np.concatenate([paths & ((1 << COARSE_BITS) - 1),
                             (1 << COARSE_BITS) + np.arange(5)])
    return n_clusters + 4, coarse.astype(np.int64)


N_FINE, COARSE_OF = _classes()
# The class of the word before the first word or after the last: there is none.
NO_WORD = N_FINE
_SPAN = N_FINE + 1  # classes, NO_WORD included
N_COARSE = (1 << COARSE_BITS) + 5
# Columns of ``CutPairs.features``.
N_PAIR_FEATURES = 7


def token_class(token: str) -> tuple[int, int]:
    """(class, closing mark) of a token: its Brown cluster (``WordUsage.cluster``) or, for a
    word the usage table lacks, one of four fallbacks (capitalised, lower case, digits,
    other); the mark is what closes the token (nothing, ``.!?…``, ``,;:`` or another sign)."""
    core = token.strip(STRIP)
    cluster = word_usage_table().cluster(core)
    fallback = N_FINE - 4
    if cluster >= 0:
        cls = cluster
    elif core[:1].isalpha():
        cls = fallback if core[:1].isupper() else fallback + 1
    elif core[:1].isdigit():
        cls = fallback + 2
    else:
        cls = fallback + 3
    end = token.rstrip("”»›\"'’)]")
    if end.endswith((".", "!", "?", "…")):
        mark = _SENTENCE
    elif end.endswith((",", ";", ":")):
        mark = _COMMA
    elif token[-1:].isalnum():
        mark = _NONE
    else:
        mark = _OTHER
    return cls, mark


def gap_keys(cls: NDArray[np.int64], marks: NDArray[np.int64], at: NDArray[np.int64]
             ) -> NDArray[np.int64]:
    """Keys of the cuts after tokens ``at`` of a sequence of token classes and marks
    (``NO_WORD`` beyond either end), one row per cut: the pair around the cut (word before
    it with its mark, word after it), the two words before it (marks kept) and the two after
    it (the first one's mark kept)."""
    def get(a: NDArray[np.int64], i: NDArray[np.int64], fill: int) -> NDArray[np.int64]:
        ok = (i >= 0) & (i < len(a))
        return np.where(ok, a[np.clip(i, 0, max(len(a) - 1, 0))], fill)

    ca, ma = cls[at], marks[at]
    cb, mb = get(cls, at + 1, NO_WORD), get(marks, at + 1, 0)
    cp, mp = get(cls, at - 1, NO_WORD), get(marks, at - 1, 0)
    cc = get(cls, at + 2, NO_WORD)
    return np.stack([
        (ca * N_MARKS + ma) * _SPAN + cb,
        ((cp * N_MARKS + mp) * _SPAN + ca) * N_MARKS + ma,
        (cb * N_MARKS + mb) * _SPAN + cc,
    ], axis=1)


def split_pair(pair: NDArray[np.int64]
               ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Pair keys (``gap_keys``' first column) taken apart: the word before the cut (class
    and mark, as one number: class * N_MARKS + mark), the word after it (class), and the
    key of the pair of their coarse classes."""
    right = pair % _SPAN
    left = pair // _SPAN
    coarse = (COARSE_OF[left // N_MARKS] * N_MARKS + left % N_MARKS) * N_COARSE + COARSE_OF[right]
    return left, right, coarse


class _Sparse:
    """(cuts, gaps) counts of the keys seen, and an open-addressing hash index to find them.

    Written by hand because numpy has no hash map: a sorted array and ``searchsorted`` cost
    a sixth of the splitter's time (17 cache-missing steps per look-up, three look-ups per
    cut), a linear-probing table of twice the keys' size about 1.3 steps.
    """

    def __init__(self, keys: NDArray[np.int64], counts: NDArray[np.float64]) -> None:
        self.keys = keys
        self.counts = counts
        bits = max(len(keys).bit_length() + 1, 4)
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        # slot -> number of the key held there, -1: empty. Keys are placed in probe order
        # (all first choices, then the losers one slot on, ...), so a key's slot is never
        # past an empty one on its probe path, which is what the look-up relies on.
        self._slots = np.full(1 << bits, -1, dtype=np.int64)
        pending = np.arange(len(keys))
        at = self._hash(keys)
        while len(pending):
            free = self._slots[at] == -1
            slots, first = np.unique(at[free], return_index=True)
            placed = np.flatnonzero(free)[first]
            self._slots[slots] = pending[placed]
            keep = np.ones(len(pending), dtype=bool)
            keep[placed] = False
            pending, at = pending[keep], (at[keep] + 1) & self._mask

    def _hash(self, keys: NDArray[np.int64]) -> NDArray[np.int64]:
        mixed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        out: NDArray[np.int64] = (mixed >> self._shift).astype(np.int64)
        return out

    def find(self, keys: NDArray[np.int64]) -> NDArray[np.int64]:
        """Number of each key among those held (its row in ``keys`` and ``counts``), -1 for
        a key not held."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if not len(self.keys):
            return found
        todo = np.arange(len(keys))
        at = self._hash(keys)
        while len(todo):
            held = self._slots[at]
            hit = held >= 0
            hit[hit] = self.keys[held[hit]] == keys[todo[hit]]
            found[todo[hit]] = held[hit]
            going = (held >= 0) & ~hit  # another key sits here: probe on
            todo, at = todo[going], (at[going] + 1) & self._mask
        return found


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = np.log(p / (1.0 - p)) / 5.0
    return out


class CutPairs:
    """Cut counts (cuts, gaps) in ``arrays``: ``pair_*``, ``left2_*`` and ``right2_*``
    hold the keys of ``gap_keys``' three columns (those kept by ``build_pairs``, sorted)
    and their counts; ``coarse`` the pairs by coarse class, ``left`` and ``right`` one side
    alone, dense."""

    NAMES = ("pair_keys", "pair_counts", "left2_keys", "left2_counts", "right2_keys",
             "right2_counts", "coarse", "left", "right")

    def __init__(self, arrays: dict[str, NDArray[Any]]) -> None:
        self.arrays = arrays
        self.pair = _Sparse(arrays["pair_keys"].astype(np.int64), arrays["pair_counts"])
        self.left2 = _Sparse(arrays["left2_keys"].astype(np.int64), arrays["left2_counts"])
        self.right2 = _Sparse(arrays["right2_keys"].astype(np.int64), arrays["right2_counts"])
        coarse = arrays["coarse"]
        total = coarse.sum(axis=0)
        self.known = bool(len(coarse))
        self.rate = (total[0] + 1.0) / (total[1] + 2.0) if self.known else 0.0

        def smoothed(table: NDArray[np.float64]) -> NDArray[np.float64]:
            out: NDArray[np.float64] = (table[:, 0] + _ALPHA_COARSE * self.rate) / (
                table[:, 1] + _ALPHA_COARSE)
            return out

        # Every column depends on its key alone, so it is worked out here once per key
        # (the sparse tables' rows, then the dense fallbacks for the keys they lack)
        # rather than for every cut, which is left with the look-ups (measured: the
        # smoothing was a seventh of the columns' cost, the look-ups most of the rest).
        pc, pl, pr = smoothed(coarse), smoothed(arrays["left"]), smoothed(arrays["right"])
        self._coarse_logit = _logit(pc)
        self._left_logit = _logit(pl)
        self._right_logit = _logit(pr)
        self._pair_unseen = _fine_logit(0.0, 0.0, pc)
        self._left2_unseen = _fine_logit(0.0, 0.0, pl)
        self._right2_unseen = _fine_logit(0.0, 0.0, pr)
        pair_keys, pair_counts = self.pair.keys, self.pair.counts
        self._pair_logit = _fine_logit(pair_counts[:, 0], pair_counts[:, 1],
                                       pc[split_pair(pair_keys)[2]])
        self._pair_seen = np.log1p(pair_counts[:, 1]) / 8.0
        left2_keys, left2_counts = self.left2.keys, self.left2.counts
        self._left2_logit = _fine_logit(left2_counts[:, 0], left2_counts[:, 1],
                                        pl[left2_keys % (_SPAN * N_MARKS)])
        right2_keys, right2_counts = self.right2.keys, self.right2.counts
        self._right2_logit = _fine_logit(right2_counts[:, 0], right2_counts[:, 1],
                                         pr[right2_keys // (_SPAN * N_MARKS)])

    @classmethod
    def empty(cls) -> CutPairs:
        """A table that knows nothing: every column stays zero."""
        return cls({name: np.zeros((0, 2)) if not name.endswith("keys")
                    else np.zeros(0, dtype=np.int64) for name in cls.NAMES})

    def features(self, keys: NDArray[np.int64]) -> NDArray[np.float64]:
        """Per cut (rows of ``gap_keys``): the pair's logit smoothed towards its coarse
        classes', the coarse logit, how often the pair was seen, the logits of the word
        before the cut and of the word after it alone, and of the two words before it and
        the two after it, each smoothed towards its one-word logit."""
        out = np.zeros((len(keys), N_PAIR_FEATURES))
        if not self.known:
            return out
        pair, left2, right2 = keys[:, 0], keys[:, 1], keys[:, 2]
        left, right, coarse_key = split_pair(pair)
        found = self.pair.find(pair)
        held = found >= 0
        out[:, 0] = self._pair_unseen[coarse_key]
        out[held, 0] = self._pair_logit[found[held]]
        out[:, 1] = self._coarse_logit[coarse_key]
        out[held, 2] = self._pair_seen[found[held]]
        out[:, 3] = self._left_logit[left]
        out[:, 4] = self._right_logit[right]
        for col, table, key, logits, unseen, side in (
                (5, self.left2, left2, self._left2_logit, self._left2_unseen, left),
                (6, self.right2, right2, self._right2_logit, self._right2_unseen, right)):
            found = table.find(key)
            held = found >= 0
            out[:, col] = unseen[side]
            out[held, col] = logits[found[held]]
        return out


def _fine_logit(cuts: NDArray[np.float64] | float, gaps: NDArray[np.float64] | float,
                coarser: NDArray[np.float64]) -> NDArray[np.float64]:
    """Logit of a count smoothed towards the coarser level's rate ``coarser``."""
    return _logit((cuts + _ALPHA_FINE * coarser) / (gaps + _ALPHA_FINE))


def count_pairs(lines: Iterable[tuple[Sequence[str], int]],
                groups: Sequence[int] | None = None
                ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Gap events of tokenised gold lines, each given as (the tokens the splitter scores,
    how many of them are the headline's; all of them: a headline alone, no cut in it):
    keys (rows of ``gap_keys``), cut labels (1.0 at the gap after the headline) and each
    event's group (the line's ``groups`` entry, for counting out of fold)."""
    cache: dict[str, tuple[int, int]] = {}
    # All lines' tokens in one sequence, each line followed by a NO_WORD separator, so
    # that the keys of every gap are computed at once.
    cls: list[int] = []
    marks: list[int] = []
    at: list[int] = []
    labels: list[float] = []
    owner: list[int] = []
    for j, (line_tokens, head_tokens) in enumerate(lines):
        # The gaps the splitter scores, and the word after the last of them.
        tokens = line_tokens[: MAX_GAPS + 2]
        if len(tokens) < 2:
            continue
        start = len(cls)
        for token in tokens:
            c, m = cache.get(token) or cache.setdefault(token, token_class(token))
            cls.append(c)
            marks.append(m)
        cls.append(NO_WORD)
        marks.append(0)
        n = min(len(tokens) - 1, MAX_GAPS)
        at.extend(range(start, start + n))
        labels.extend(float(i == head_tokens - 1) for i in range(n))
        owner.extend([groups[j] if groups is not None else 0] * n)
    keys = gap_keys(np.array(cls, dtype=np.int64), np.array(marks, dtype=np.int64),
                    np.array(at, dtype=np.int64))
    return keys.reshape(-1, 3), np.array(labels), np.array(owner, dtype=np.int64)


def _sparse_counts(keys: NDArray[np.int64], labels: NDArray[np.float64]
                   ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    unique, inverse = np.unique(keys, return_inverse=True)
    cuts = np.bincount(inverse, weights=labels, minlength=len(unique))
    gaps = np.bincount(inverse, minlength=len(unique)).astype(np.float64)
    return unique, np.stack([cuts, gaps], axis=1)


def build_pairs(keys: NDArray[np.int64], labels: NDArray[np.float64],
                min_gaps: int = 2) -> CutPairs:
    """The table of these gap events; keys seen fewer than ``min_gaps`` times stay out of
    the sparse tables (the dense ones keep them)."""
    arrays: dict[str, NDArray[Any]] = {}
    for col, name in enumerate(("pair", "left2", "right2")):
        unique, counts = _sparse_counts(keys[:, col], labels)
        if name == "pair":
            left, right, coarse_key = split_pair(unique)
            arrays["coarse"] = _dense(coarse_key, counts, N_COARSE * N_MARKS * N_COARSE)
            arrays["left"] = _dense(left, counts, _SPAN * N_MARKS)
            arrays["right"] = _dense(right, counts, _SPAN)
        kept = counts[:, 1] >= min_gaps
        arrays[f"{name}_keys"] = unique[kept]
        arrays[f"{name}_counts"] = counts[kept]
    return CutPairs(arrays)


def _dense(index: NDArray[np.int64], counts: NDArray[np.float64], size: int
           ) -> NDArray[np.float64]:
    out = np.zeros((size, 2))
    np.add.at(out, index, counts)
    return out
