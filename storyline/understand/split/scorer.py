"""The boundary scorer: a one-hidden-layer network over candidate features, in numpy.

Each candidate cut gets a score; a softmax over the candidates of one line turns scores into
the probability that each cut is the right one. Inference is a few matrix products, so the
runtime needs only numpy; the weights live in a small ``.npz`` file next to this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storyline.understand.split.features import N_FEATURES, Lexicon
from storyline.understand.split.pairs import CutPairs
from storyline.understand.split.prior import PRIOR_WEIGHTS, structural_prior

Array = NDArray[np.float64]

MODEL_PATH = Path(__file__).with_name("splitter.npz")
FORMAT_VERSION = 6

# A cut whose structural-prior offset is this low or lower (-6: a teaser opening with a plain
# lower-case word, a headline holding a wire dateline, two headline-end offsets together) is
# vetoed rather than merely penalised: the network is not evaluated on it and it keeps only
# its linear score minus ``VETO_DROP``, far below any open cut. Measured
# leave-one-source-out (see docs/splitter.md), vetoing these rows is worth more than the few
# gold cuts it forbids, and it is what makes an ensemble affordable: about three rows in four
# are vetoed, so the hidden layer runs on a quarter of them.
VETO_PRIOR = -5.5
VETO_DROP = 20.0


@dataclass(frozen=True, slots=True)
class Scorer:
    """Weights of the scorer. ``mean``/``std`` standardise features before the first layer."""

    mean: Array
    std: Array
    w1: Array  # (features, hidden)
    b1: Array  # (hidden,)
    w2: Array  # (hidden,)
    w_lin: Array  # (features,) direct linear path, so simple cues need no hidden unit
    threshold: float  # confidence under which a split is flagged
    n_features: int
    lex_words: NDArray[np.str_]  # word forms with statistics (see features.Lexicon)
    lex_stats: Array  # (words, 4): start count, start total, end count, end total
    phrases: NDArray[np.uint16]  # hashed word-pair counts (see features.phrase_table)
    # Scores are divided by it before the softmax: fitted on leave-one-source-out
    # predictions (bench/split.py --calibrate), so the confidence means what it says.
    temperature: float = 1.0
    # Training distribution of headline lengths (``adapt.length_prior``): what a listing's
    # own length distribution is compared with (``adapt.adapt_to_listing``). None: no
    # adaptation.
    length_prior: Array | None = None
    # Cut counts by word-class pair (``pairs.CutPairs``); None: the table knows nothing.
    pairs: CutPairs | None = None
    _w: Array = field(init=False, repr=False, compare=False)
    _bias: Array = field(init=False, repr=False, compare=False)
    _lin: Array = field(init=False, repr=False, compare=False)
    _lin_bias: float = field(init=False, repr=False, compare=False)
    _w32: NDArray[np.float32] = field(init=False, repr=False, compare=False)
    _lin32: NDArray[np.float32] = field(init=False, repr=False, compare=False)

    def lexicon(self) -> Lexicon:
        """The word statistics as a lookup table."""
        stats = {
            str(w): (float(r[0]), float(r[1]), float(r[2]), float(r[3]))
            for w, r in zip(self.lex_words.tolist(), self.lex_stats.tolist(), strict=True)
        }
        return Lexicon(stats, self.phrases, self.pairs)

    def __post_init__(self) -> None:
        # Fold the standardisation and the linear path into one matrix product, for speed:
        # x = (f - mean) / std, so x @ W = f @ (W / std) - (mean / std) @ W.
        # The structural prior (``prior.structural_prior``) is linear in the raw features:
        # it joins the linear path here, after the standardisation it must not go through.
        w = np.concatenate([self.w1, self.w_lin[:, None]], axis=1) / self.std[:, None]
        bias = np.append(self.b1, 0.0) - (self.mean / self.std) @ np.concatenate(
            [self.w1, self.w_lin[:, None]], axis=1
        )
        w[:, -1] += PRIOR_WEIGHTS
        object.__setattr__(self, "_w", np.ascontiguousarray(w))
        object.__setattr__(self, "_bias", bias)
        object.__setattr__(self, "_lin", np.ascontiguousarray(w[:, -1]))
        object.__setattr__(self, "_lin_bias", float(bias[-1]))
        object.__setattr__(self, "_w32", self._w.astype(np.float32))
        object.__setattr__(self, "_lin32", self._lin.astype(np.float32))

    def scores(self, feats: Array, offsets: NDArray[np.intp] | None = None) -> Array:
        """Unnormalised score of every candidate row of ``feats``, the structural prior included;
        rows the prior vetoes (see ``VETO_PRIOR``) skip the hidden layer. ``offsets`` splits
        the rows into lines (see ``batch.batch_features``); by default they are one line."""
        # Rows built in float32 (the splitter's) meet float32 weights: the products read half
        # the memory. Measured on the 7,305 bench lines: the same splits, confidences within
        # 5e-7 of float64's, about 14 % faster (docs/splitter.md, tenth round).
        w, lin = (self._w32, self._lin32) if feats.dtype == np.float32 else (self._w, self._lin)
        open_rows = structural_prior(feats) > VETO_PRIOR
        # A line's "no cut" row (its last) is never vetoed, so some row is always open.
        open_rows[-1 if offsets is None else offsets[1:] - 1] = True
        out = np.asarray(feats @ lin, dtype=np.float64) + (self._lin_bias - VETO_DROP)
        z = np.asarray(feats[open_rows] @ w, dtype=np.float64) + self._bias
        # The last column of ``z`` is the linear path, the others the hidden units.
        out[open_rows] = np.maximum(z[:, :-1], 0.0) @ self.w2 + z[:, -1]
        return out

    def probabilities(self, feats: Array, offsets: NDArray[np.intp] | None = None) -> Array:
        """Softmax over the candidates of each line (``offsets`` as in :meth:`scores`)."""
        if offsets is None:
            offsets = np.array([0, len(feats)], dtype=np.intp)
        return segment_softmax(self.scores(feats, offsets) / self.temperature, offsets[:-1])

    def save(self, path: Path) -> None:
        """Write the weights as a compressed ``.npz`` (no pickles)."""
        pairs = self.pairs or CutPairs.empty()
        pair_arrays: dict[str, Any] = {
            f"pairs_{name}": value.astype(np.int64 if name.endswith("keys") else np.uint32)
            for name, value in pairs.arrays.items()}
        np.savez_compressed(
            path,
            version=np.array(FORMAT_VERSION),
            mean=self.mean,
            std=self.std,
            w1=self.w1,
            b1=self.b1,
            w2=self.w2,
            w_lin=self.w_lin,
            threshold=np.array(self.threshold),
            n_features=np.array(self.n_features),
            lex_words=self.lex_words,
            lex_stats=self.lex_stats.astype(np.float32),
            phrases=self.phrases,
            temperature=np.array(self.temperature),
            length_prior=np.zeros(0) if self.length_prior is None else self.length_prior,
            **pair_arrays,
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Scorer:
        """Read weights written by :meth:`save`; refuses pickles and other format versions."""
        with np.load(path, allow_pickle=False) as data:
            version = int(data["version"])
            if version != FORMAT_VERSION:
                raise ValueError(
                    f"{path}: splitter model format {version}, expected {FORMAT_VERSION}"
                )
            if int(data["n_features"]) != N_FEATURES:
                raise ValueError(
                    f"{path}: splitter model has {int(data['n_features'])} features, this "
                    f"code builds {N_FEATURES}: retrain it with scripts/train_splitter.py"
                )
            return cls(
                mean=data["mean"].astype(np.float64),
                std=data["std"].astype(np.float64),
                w1=data["w1"].astype(np.float64),
                b1=data["b1"].astype(np.float64),
                w2=data["w2"].astype(np.float64),
                w_lin=data["w_lin"].astype(np.float64),
                threshold=float(data["threshold"]),
                n_features=int(data["n_features"]),
                lex_words=data["lex_words"],
                lex_stats=data["lex_stats"].astype(np.float64),
                phrases=data["phrases"].astype(np.uint16),
                temperature=float(data["temperature"]),
                length_prior=data["length_prior"].astype(np.float64)
                if data["length_prior"].size else None,
                pairs=CutPairs({name: data[f"pairs_{name}"].astype(
                    np.int64 if name.endswith("keys") else np.float64)
                    for name in CutPairs.NAMES}),
            )


def segment_softmax(scores: Array, starts: NDArray[np.intp]) -> Array:
    """Softmax within each segment of ``scores`` (a line's candidates), the segments starting
    at ``starts``; used at prediction and in training alike."""
    sizes = np.diff(np.append(starts, len(scores)))
    e = np.exp(scores - np.repeat(np.maximum.reduceat(scores, starts), sizes))
    out: Array = e / np.repeat(np.add.reduceat(e, starts), sizes)
    return out
