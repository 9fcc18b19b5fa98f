"""Training the boundary scorer from (line, gold cut) examples, in numpy.

The loss is listwise: softmax cross-entropy over the candidate cuts of each line, which is
exactly what prediction does (take the best cut of the line). Training is deterministic for a
given seed. This module takes examples, never reads data files: the data loaders live in
``scripts/`` so that the package never touches the shared data at run time.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from storyline.understand.split.adapt import length_prior
from storyline.understand.split.batch import batch_features
from storyline.understand.split.features import (
    _SENT_END,
    MAX_HEAD_TOKENS,
    Lexicon,
    TokenTable,
    tokenize,
)
from storyline.understand.split.pairs import STRIP, CutPairs, build_pairs, count_pairs
from storyline.understand.split.scorer import Array, Scorer, segment_softmax
from storyline.understand.split.tags import normalise, peel_prefix
from storyline.understand.split.words import ABBREVIATIONS


@dataclass(frozen=True, slots=True)
class Example:
    """One line as the model sees it: candidate features and the index of the gold row."""

    feats: Array
    gold: int
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class TrainSettings:
    """Hyper-parameters; defaults are the ones the shipped model was trained with."""

    hidden: int = 32
    epochs: int = 30
    batch_lines: int = 64
    learning_rate: float = 3e-3
    l2: float = 1e-4
    seed: int = 0
    # Lines whose best cut has a lower (calibrated) probability are kept whole and flagged.
    # Measured leave-one-source-out (bench/split.py --calibrate): at 0.4, 2.7 % of lines are
    # flagged, two in three of them would have been split wrong; accuracy loses 1 point.
    threshold: float = 0.4
    # Softmax temperature, fitted on leave-one-source-out scores (bench/split.py
    # --calibrate): the network's raw scores are over-confident on an unseen publisher.
    temperature: float = 2.0
    # Networks trained from seeds seed, seed + 1, ...; their scores are averaged. The average
    # is itself one wider network (hidden units side by side, output weights divided by the
    # number of members), so the model format does not change. Three members: measured
    # leave-one-source-out on six seeds (docs/splitter.md), steadier and better than one
    # network on every large source; affordable because the hidden layer runs only on the
    # rows the structural prior leaves open (``scorer.VETO_PRIOR``), so three cost what one
    # network scoring every row cost before.
    members: int = 3


# Smallest scale a feature column is standardised with (see ``fit``).
STD_FLOOR = 0.3



Counts = tuple[Counter[str], Counter[str], Counter[str], Counter[str]]


def count_words(titles: Sequence[str], teasers: Sequence[str]) -> Counts:
    """Raw counts behind :func:`build_lexicon`: (start, start total, end, end total)."""
    start_k: Counter[str] = Counter()
    start_n: Counter[str] = Counter()
    end_k: Counter[str] = Counter()
    end_n: Counter[str] = Counter()
    for teaser in teasers:
        starts_sentence = True
        for tok in tokenize(normalise(teaser)):
            core = tok.strip(STRIP)
            if core:
                start_n[core] += 1
                if starts_sentence:
                    start_k[core] += 1
            starts_sentence = bool(_SENT_END.search(tok)) and tok.lower() not in ABBREVIATIONS
    for title in titles:
        tokens = tokenize(normalise(title))
        # A title cut off with "..." does not end where its last word stands.
        cut_off = bool(tokens) and tokens[-1].endswith(("...", "…"))
        for j, tok in enumerate(tokens):
            core = tok.strip(STRIP).lower()
            if core:
                end_n[core] += 1
                if j == len(tokens) - 1 and not cut_off:
                    end_k[core] += 1
    return start_k, start_n, end_k, end_n


def build_lexicon(
    titles: Sequence[str],
    teasers: Sequence[str],
    min_count: int = 2,
    base: Counts | None = None,
) -> dict[str, tuple[float, float, float, float]]:
    """Count, per word form, sentence starts in teasers and headline ends in titles.

    Words seen fewer than ``min_count`` times are dropped: they carry no reliable signal and
    dropping them keeps names out of the model file.
    """
    start_k, start_n, end_k, end_n = count_words(titles, teasers)
    if base is not None:  # counts of a fixed corpus, computed once and reused
        start_k, start_n = start_k + base[0], start_n + base[1]
        end_k, end_n = end_k + base[2], end_n + base[3]
    stats: dict[str, tuple[float, float, float, float]] = {}
    for word in set(start_n) | set(end_n):
        sn, en = start_n.get(word, 0), end_n.get(word, 0)
        if sn < min_count and en < min_count:
            continue
        stats[word] = (
            float(start_k.get(word, 0)) if sn >= min_count else 0.0,
            float(sn) if sn >= min_count else 0.0,
            float(end_k.get(word, 0)) if en >= min_count else 0.0,
            float(en) if en >= min_count else 0.0,
        )
    return stats


def make_example(title: str, teaser: str, table: TokenTable, weight: float = 1.0) -> Example | None:
    """Build the example for the line ``title + " " + teaser`` as the splitter would see it.

    The same normalisation and prefix peeling as at prediction time is applied, so the gold
    row is counted in the tokens the model really scores. Returns None when the gold cut is
    out of reach (headline longer than ``MAX_HEAD_TOKENS`` or eaten by the prefix).
    """
    return make_examples([(title, teaser, weight)], table)[0]


def make_examples(
    lines: Sequence[tuple[str, str, float]], table: TokenTable
) -> list[Example | None]:
    """:func:`make_example` for many (title, teaser, weight) lines, with their features built
    in one batch (several times faster than one by one)."""
    prepared = [(i, p) for i, (title, teaser, _) in enumerate(lines)
                if (p := _tokens_and_gold(title, teaser)) is not None]
    out: list[Example | None] = [None] * len(lines)
    if not prepared:
        return out
    feats, offsets = batch_features([tokens for _, (tokens, _) in prepared], table)
    for j, (i, (tokens, head_tokens)) in enumerate(prepared):
        line_feats = feats[offsets[j] : offsets[j + 1]]
        n_cuts = line_feats.shape[0] - 1
        if head_tokens >= len(tokens):
            gold = n_cuts  # the "no cut" row
        elif head_tokens - 1 < min(n_cuts, MAX_HEAD_TOKENS):
            gold = head_tokens - 1
        else:
            continue
        out[i] = Example(line_feats, gold, lines[i][2])
    return out


def _tokens_and_gold(title: str, teaser: str) -> tuple[list[str], int] | None:
    """The tokens the splitter scores for ``title + " " + teaser`` and how many of them are
    the title's, or None when the title is eaten by the prefix or the line cannot be cut."""
    title_n = normalise(title)
    line = normalise(f"{title} {teaser}")
    if not line.startswith(title_n):
        return None
    rest = peel_prefix(line).rest
    peeled = len(line) - len(rest)
    if peeled > len(title_n):
        return None
    tokens = tokenize(rest)
    head_tokens = len(tokenize(title_n[peeled:].strip()))
    if len(tokens) < 2 or head_tokens == 0:
        return None
    return tokens, head_tokens


def fold_of(title: str, folds: int = 5) -> int:
    """The fold of a training line in :func:`out_of_fold_examples` (a hash of its title)."""
    return zlib.crc32(title.lower().encode("utf-8")) % folds


def out_of_fold_examples(
    lines: Sequence[tuple[str, str, float]],
    texts: Sequence[tuple[str, str]],
    extra_titles: Sequence[str] = (),
    folds: int = 5,
    blind_percent: int = 0,
    phrases: NDArray[np.uint16] | None = None,
) -> list[Example]:
    """Examples for training ``lines`` (title, teaser, weight), with word statistics counted
    on the *other* folds of ``texts`` (title, teaser).

    Statistics counted on the very line being scored would look far more reliable than they
    are on a new publisher (a title's last word always "ends a headline"), and the model would
    lean on them; counting them out of fold keeps the training features as noisy as real ones.
    Folds are assigned by a hash of the lower-cased title, so variants of one pair (Title
    Case, cut-off teaser, headline only) stay in the same fold. ``extra_titles`` (headlines
    without teasers from another corpus) feed the headline-end statistics and the class-pair
    counts of every fold.
    """

    base = count_words(extra_titles, [])
    keys, labels, owner = pair_counts(texts, extra_titles, folds)
    examples: list[Example] = []
    for fold in range(folds):
        kept = [(t, x) for t, x in texts if fold_of(t, folds) != fold]
        stats = build_lexicon([t for t, _ in kept], [x for _, x in kept if x], base=base)
        lexicon = Lexicon(stats, phrases,
                          build_pairs(keys[owner != fold], labels[owner != fold]))
        table = TokenTable(lexicon)
        # Some lines see no word statistics at all, so that the model still splits well when
        # every word is unknown (a language or vocabulary absent from the training text).
        blind = TokenTable(lexicon.without_words())
        in_fold = [line for line in lines if fold_of(line[0], folds) == fold]
        unknown = [zlib.crc32(teaser.encode("utf-8")) % 100 < blind_percent
                   for _, teaser, _ in in_fold]
        seen = iter(make_examples([x for x, u in zip(in_fold, unknown, strict=True) if not u],
                                  table))
        unseen = iter(make_examples([x for x, u in zip(in_fold, unknown, strict=True) if u],
                                    blind))
        # Merged back in line order: the training batches depend on the examples' order.
        for u in unknown:
            example = next(unseen) if u else next(seen)
            if example is not None:
                examples.append(example)
    return examples


def pair_counts(
    texts: Sequence[tuple[str, str]], extra_titles: Sequence[str] = (), folds: int = 5
) -> tuple[NDArray[np.int64], Array, NDArray[np.int64]]:
    """Class-pair gap events (``pairs.count_pairs``) of the (title, teaser) ``texts``, each
    tagged with its line's fold, and of the ``extra_titles`` (fold -1: in every fold's
    counts); tokens as the splitter scores them (prefix peeled), lines whose title the
    prefix eats left out, as in training."""
    lines: list[tuple[list[str], int]] = []
    groups: list[int] = []
    for (title, teaser), group in [*((x, fold_of(x[0], folds)) for x in texts),
                                   *(((t, ""), -1) for t in extra_titles)]:
        if (tokens := _tokens_and_gold(title, teaser)) is not None:
            lines.append(tokens)
            groups.append(group)
    return count_pairs(lines, groups)


def _segments(batch: Sequence[Example]) -> tuple[Array, NDArray[np.intp], NDArray[np.intp], Array]:
    feats = np.concatenate([e.feats for e in batch])
    sizes = np.array([e.feats.shape[0] for e in batch])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    gold = starts + np.array([e.gold for e in batch], dtype=np.intp)
    weights = np.array([e.weight for e in batch])
    return feats, starts, gold, weights


def fit(
    examples: Sequence[Example],
    lexicon_stats: dict[str, tuple[float, float, float, float]],
    settings: TrainSettings = TrainSettings(),
    phrases: NDArray[np.uint16] | None = None,
    pairs: CutPairs | None = None,
) -> Scorer:
    """Train a scorer with Adam on the listwise loss; returns the fitted weights."""
    all_feats = np.concatenate([e.feats for e in examples])
    mean = all_feats.mean(axis=0)
    std = all_feats.std(axis=0)
    # A floor on the scale: a column that is almost always zero in training (a German marker
    # word among English lines) would otherwise be blown up to huge values on the first text
    # that uses it, and the network would extrapolate wildly.
    std = np.maximum(std, STD_FLOOR)
    n_feat = all_feats.shape[1]
    # Pre-standardise once per example to save work in every epoch.
    std_examples = [Example((e.feats - mean) / std, e.gold, e.weight) for e in examples]
    members = [
        _fit_member(std_examples, n_feat, settings, settings.seed + j)
        for j in range(max(settings.members, 1))
    ]
    params = {
        "w1": np.concatenate([p["w1"] for p in members], axis=1),
        "b1": np.concatenate([p["b1"] for p in members]),
        "w2": np.concatenate([p["w2"] for p in members]) / len(members),
        "w_lin": np.mean([p["w_lin"] for p in members], axis=0),
    }
    # Columns that never varied in training (a language absent from the training data, say)
    # would meet weights that only ever saw their random start; silence them instead.
    constant = all_feats.std(axis=0) < 1e-6
    params["w1"][constant] = 0.0
    params["w_lin"][constant] = 0.0
    return Scorer(
        mean=mean,
        std=std,
        w1=params["w1"],
        b1=params["b1"],
        w2=params["w2"],
        w_lin=params["w_lin"],
        threshold=settings.threshold,
        temperature=settings.temperature,
        n_features=n_feat,
        lex_words=np.array(sorted(lexicon_stats), dtype=np.str_),
        lex_stats=np.array([lexicon_stats[w] for w in sorted(lexicon_stats)]).reshape(-1, 4),
        phrases=np.zeros(1, dtype=np.uint16) if phrases is None else phrases,
        length_prior=length_prior([(e.gold, e.feats.shape[0]) for e in examples],
                                  [e.weight for e in examples]),
        pairs=pairs,
    )


def _fit_member(
    std_examples: Sequence[Example], n_feat: int, settings: TrainSettings, seed: int
) -> dict[str, Array]:
    """One network of the ensemble, trained with Adam from ``seed`` on standardised rows."""
    rng = np.random.default_rng(seed)
    h = settings.hidden
    params = {
        "w1": rng.normal(0.0, 1.0 / np.sqrt(n_feat), (n_feat, h)),
        "b1": np.zeros(h),
        "w2": rng.normal(0.0, 1.0 / np.sqrt(h), h),
        "w_lin": np.zeros(n_feat),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    step = 0
    order = np.arange(len(std_examples))
    # ``prior.structural_prior`` is left out of training on purpose: with the offset in
    # the loss the network stops caring about the rows it rules out and scores them wildly
    # on an unseen language (measured: Spanish held out, 73 % with it, 83 % without).
    for epoch in range(settings.epochs):
        rng.shuffle(order)
        lr = settings.learning_rate * (0.5 ** (epoch / max(settings.epochs / 3, 1)))
        for lo in range(0, len(order), settings.batch_lines):
            batch = [std_examples[i] for i in order[lo : lo + settings.batch_lines]]
            x, starts, gold, weights = _segments(batch)
            pre = x @ params["w1"] + params["b1"]
            hidden = np.maximum(pre, 0.0)
            s = hidden @ params["w2"] + x @ params["w_lin"]
            p = segment_softmax(s, starts)
            seg_id = np.repeat(np.arange(len(batch)), np.diff(np.append(starts, len(s))))
            grad_s = p * weights[seg_id]
            grad_s[gold] -= weights
            grad_s /= weights.sum()
            grads = {
                "w2": hidden.T @ grad_s,
                "w_lin": x.T @ grad_s,
            }
            grad_pre = np.outer(grad_s, params["w2"]) * (pre > 0)
            grads["w1"] = x.T @ grad_pre
            grads["b1"] = grad_pre.sum(axis=0)
            step += 1
            for key, g in grads.items():
                if key != "b1":
                    g = g + settings.l2 * params[key]
                m[key] = beta1 * m[key] + (1 - beta1) * g
                v[key] = beta2 * v[key] + (1 - beta2) * g * g
                m_hat = m[key] / (1 - beta1**step)
                v_hat = v[key] / (1 - beta2**step)
                params[key] = params[key] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return params
