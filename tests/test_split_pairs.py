"""Tests of the cut statistics by word-class pair (``split/pairs.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from storyline.understand.split import batch
from storyline.understand.split.features import (
    _CLOSE,
    _OPEN,
    CONTEXT_FEATURES,
    MAX_HEAD_TOKENS,
    Lexicon,
    TokenTable,
    tokenize,
)
from storyline.understand.split.pairs import (
    MAX_GAPS,
    N_FINE,
    N_MARKS,
    N_PAIR_FEATURES,
    NO_WORD,
    STRIP,
    CutPairs,
    _Sparse,
    build_pairs,
    count_pairs,
    gap_keys,
    split_pair,
    token_class,
)
from storyline.understand.split.scorer import Scorer
from storyline.understand.split.splitter import Splitter
from storyline.understand.split.train import fold_of, pair_counts


def _tokenised(title: str, teaser: str) -> tuple[list[str], int]:
    head = tokenize(title)
    return head + tokenize(teaser), len(head)


def _counts_of(table: _Sparse, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cuts, gaps) of each key through the hash index, zero for a key not held."""
    found = table.find(keys)
    held = found >= 0
    cuts, gaps = np.zeros(len(keys)), np.zeros(len(keys))
    cuts[held], gaps[held] = table.counts[found[held], 0], table.counts[found[held], 1]
    return cuts, gaps


def test_token_class_reads_clusters_fallbacks_and_marks() -> None:
    justin, mark = token_class("Justin")
    assert 0 <= justin < N_FINE - 4 and mark == 0
    assert token_class("Danny")[0] == justin  # given names share clusters
    assert token_class("“Justin,") == (justin, 2)  # quotes stripped, the comma is the mark
    assert token_class("said.")[1] == 1
    assert token_class("--")[1] == 3
    assert token_class("Odalisqueish")[0] == N_FINE - 4  # unknown, capitalised
    assert token_class("odalisqueish")[0] == N_FINE - 3
    assert token_class("2004")[0] == N_FINE - 2
    assert token_class("$")[0] == N_FINE - 1


def test_counts_say_where_headlines_end() -> None:
    # Headlines end between a place and "The" (a teaser opens), never between a given name
    # and a family name, which these lines hold only inside a headline.
    lines = [_tokenised("Storm hits Peru", "The storm killed two."),
             _tokenised("Floods in Chile", "The rain went on."),
             _tokenised("Justin Langer retires", "He played 105 tests."),
             _tokenised("Praise for Justin Langer", "Tributes came in."),
             _tokenised("Mark Taylor retires", "")]
    keys, labels, groups = count_pairs(lines, [0, 1, 2, 3, 4])
    assert labels.sum() == 4  # the headline-only line has no cut
    assert set(groups.tolist()) == {0, 1, 2, 3, 4}
    table = build_pairs(keys, labels, min_gaps=1)

    def logit(a: str, b: str) -> float:
        (ca, ma), (cb, mb) = token_class(a), token_class(b)
        keys = gap_keys(np.array([ca, cb]), np.array([ma, mb]), np.array([0]))
        return float(table.features(keys)[0, 0])

    assert logit("Peru", "The") > logit("Justin", "Langer")


@given(st.lists(st.tuples(st.integers(0, NO_WORD), st.integers(0, N_MARKS - 1)),
                min_size=2, max_size=20))
def test_features_are_finite_for_any_words(tokens: list[tuple[int, int]]) -> None:
    keys, labels, _ = count_pairs([_tokenised("Storm hits Peru", "The storm killed two.")])
    cls, marks = (np.array(c, dtype=np.int64) for c in zip(*tokens, strict=True))
    cuts = gap_keys(cls, marks, np.arange(len(tokens) - 1))
    # min_gaps=1 keeps every key seen, so looked-up counts are found as well as missed.
    for table in (build_pairs(keys, labels, min_gaps=1), CutPairs.empty()):
        out = table.features(cuts)
        assert out.shape == (len(tokens) - 1, N_PAIR_FEATURES) and np.isfinite(out).all()


@given(st.lists(st.tuples(st.integers(0, NO_WORD), st.integers(0, N_MARKS - 1)),
                min_size=2, max_size=20))
def test_features_are_the_smoothed_counts(tokens: list[tuple[int, int]]) -> None:
    # The columns are worked out per key at load; they must equal the smoothing applied to
    # each cut's looked-up counts (seen keys and unseen ones alike).
    lines = [_tokenised("Storm hits Peru", "The storm killed two."),
             _tokenised("Justin Langer retires", "He played 105 tests."),
             _tokenised("Floods in Chile", "")]
    keys, labels, _ = count_pairs(lines)
    table = build_pairs(keys, labels, min_gaps=1)
    cls, marks = (np.array(c, dtype=np.int64) for c in zip(*tokens, strict=True))
    cuts = np.concatenate([keys, gap_keys(cls, marks, np.arange(len(tokens) - 1))])

    def logit(p: np.ndarray) -> np.ndarray:
        return np.log(p / (1 - p)) / 5.0

    def fine(counts: tuple[np.ndarray, np.ndarray], coarser: np.ndarray) -> np.ndarray:
        return logit((counts[0] + 5.0 * coarser) / (counts[1] + 5.0))

    def smoothed(dense: np.ndarray) -> np.ndarray:
        return (dense[:, 0] + 20.0 * table.rate) / (dense[:, 1] + 20.0)

    left, right, coarse_key = split_pair(cuts[:, 0])
    pc = smoothed(table.arrays["coarse"])[coarse_key]
    pl, pr = smoothed(table.arrays["left"])[left], smoothed(table.arrays["right"])[right]
    expected = np.stack([
        fine(_counts_of(table.pair, cuts[:, 0]), pc), logit(pc),
        np.log1p(_counts_of(table.pair, cuts[:, 0])[1]) / 8.0, logit(pl), logit(pr),
        fine(_counts_of(table.left2, cuts[:, 1]), pl),
        fine(_counts_of(table.right2, cuts[:, 2]), pr),
    ], axis=1)
    assert np.allclose(table.features(cuts), expected, rtol=0, atol=1e-12)


def test_gap_keys_see_no_word_beyond_the_ends() -> None:
    cls, marks = np.array([5, 6]), np.array([0, 1])
    pair, left2, right2 = gap_keys(cls, marks, np.array([0]))[0]
    assert left2 // ((N_FINE + 1) * N_MARKS * N_MARKS) == NO_WORD  # nothing before "5"
    assert right2 % (N_FINE + 1) == NO_WORD  # nothing after "6"
    assert pair == (5 * N_MARKS + 0) * (N_FINE + 1) + 6


def test_pair_columns_sit_in_the_cut_rows() -> None:
    keys, labels, _ = count_pairs([_tokenised("Storm hits Peru", "The storm killed two."),
                                   _tokenised("Floods in Chile", "The rain went on.")])
    lexicon = Lexicon({}, pairs=build_pairs(keys, labels, min_gaps=1))
    feats, _ = batch.batch_features([tokenize("Rain hits Peru The rain went on")],
                                    TokenTable(lexicon))
    column = batch._CTX + CONTEXT_FEATURES.index("cut_class_pair")
    # The cut after "Peru" (the third) is the one these counts favour.
    assert int(np.argmax(feats[:-1, column])) == 2


def test_training_counts_see_the_tokens_the_splitter_scores() -> None:
    # The kicker and the media tag are peeled before the splitter scores a line: counted
    # with them, the first headline word would have a neighbour it never has at prediction.
    plain = pair_counts([("Storm hits Peru", "The storm killed two.")])
    for title in ("Pakistan: Storm hits Peru", "[Video] Storm hits Peru"):
        peeled = pair_counts([(title, "The storm killed two.")])
        assert np.array_equal(peeled[0], plain[0]) and np.array_equal(peeled[1], plain[1])
    # The keys counted for a line are those the splitter looks up for it.
    tokens, head = _tokenised("Storm hits Peru", "The storm killed two.")
    table = TokenTable(Lexicon({}))
    rows = table.lookup(tokens)
    classes = rows[:, batch.f._CLASS_COL].astype(np.int64) - 1
    looked_up = gap_keys(classes, rows[:, batch.f._MARK_COL].astype(np.int64),
                         np.arange(len(tokens) - 1))
    assert np.array_equal(plain[0], looked_up)
    assert plain[1].tolist() == [float(i == head - 1) for i in range(len(tokens) - 1)]


def test_training_counts_are_grouped_by_fold() -> None:
    texts = [("Storm hits Peru", "The storm killed two."), ("Floods in Chile", "Rain.")]
    _, _, groups = pair_counts(texts, ["Extra title here"])
    expected = [fold_of("Storm hits Peru")] * 6 + [fold_of("Floods in Chile")] * 3 + [-1] * 2
    assert groups.tolist() == expected


def test_constants_agree_with_the_features() -> None:
    assert MAX_GAPS == MAX_HEAD_TOKENS
    assert set(STRIP) == set(_OPEN + _CLOSE + ".,;:!?…")


def test_model_file_keeps_the_counts(tmp_path: Path) -> None:
    shipped = Scorer.load()
    assert shipped.pairs is not None and shipped.pairs.known
    shipped.save(tmp_path / "copy.npz")
    copy = Scorer.load(tmp_path / "copy.npz")
    assert copy.pairs is not None
    for name in CutPairs.NAMES:
        assert np.array_equal(copy.pairs.arrays[name], shipped.pairs.arrays[name]), name
    line = "Injury sidelines Philippoussis Mark Philippoussis withdrew from the Open"
    assert Splitter(copy).split(line) == Splitter(shipped).split(line)


@given(st.lists(st.integers(0, 5_000), max_size=300, unique=True),
       st.lists(st.integers(0, 5_000), max_size=300))
def test_hash_index_finds_what_a_sorted_search_finds(held: list[int], asked: list[int]) -> None:
    keys = np.array(sorted(held), dtype=np.int64)
    counts = np.stack([np.arange(len(keys)), np.arange(len(keys)) + 1.0], axis=1)
    cuts, gaps = _counts_of(_Sparse(keys, counts), np.array(asked, dtype=np.int64))
    expected = {k: i for i, k in enumerate(keys.tolist())}
    assert cuts.tolist() == [float(expected.get(k, 0)) for k in asked]
    assert gaps.tolist() == [float(expected[k] + 1) if k in expected else 0.0 for k in asked]
