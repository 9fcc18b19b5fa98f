"""Tests of the splitter's word knowledge (``split/knowledge.py``) and the features it feeds."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from storyline.understand.split import batch, knowledge
from storyline.understand.split.features import (
    CONTEXT_FEATURES,
    TOKEN_FEATURES,
    Lexicon,
    TokenTable,
    token_info,
    tokenize,
)
from storyline.understand.split.knowledge import USAGE_WIDTH, word_knowledge, word_usage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from build_place_words import place_words
from build_word_usage import ABSENT, usage_rows


def test_ordinary_words_names_and_places() -> None:
    assert word_knowledge("Opener") == (1.0, 0.0, 0.0)  # Title Case, not a name
    assert word_knowledge("Justin") == (0.0, 1.0, 0.0)
    assert word_knowledge("JUSTIN") == (0.0, 1.0, 0.0)
    assert word_knowledge("YORK") == (0.0, 0.0, 1.0)  # "NEW YORK" datelines
    assert word_knowledge("Peru") == (0.0, 0.0, 1.0)
    assert word_knowledge("Peru's") == (0.0, 0.0, 1.0)
    assert word_knowledge("Langer") == (0.0, 0.0, 0.0)  # unknown: nothing said
    assert word_knowledge("2004") == (0.0, 0.0, 0.0)


def test_knowledge_columns_sit_in_the_token_row() -> None:
    shape, _ = token_info("“Justin,")
    names = dict(zip(TOKEN_FEATURES, shape, strict=True))
    assert names["given_name"] == 1.0 and names["ordinary"] == 0.0 and names["place"] == 0.0


@given(st.text(max_size=30))
def test_word_knowledge_never_raises_and_is_binary(core: str) -> None:
    assert all(v in (0.0, 1.0) for v in word_knowledge(core))


def test_teaser_naming_the_headline_subject_in_full() -> None:
    tokens = tokenize("Injury sidelines Philippoussis Mark Philippoussis withdrew from the Open")
    feats, _ = batch.batch_features([tokens], TokenTable(Lexicon({})))
    column = batch._CTX + CONTEXT_FEATURES.index("right_name_restated")
    # Only the cut after "Philippoussis" opens the teaser with "Mark Philippoussis".
    assert np.flatnonzero(feats[:, column]).tolist() == [2]


def test_place_words_are_one_word_folded_names_without_ordinary_words(tmp_path: Path) -> None:
    places = tmp_path / "places.tsv.gz"
    rows = [
        "# kind\tfolded names\tcountry\tregion\tname\tgeonameid\tpopulation\tflags",
        "country\tperu|~republica del peru\tPE\t\tPeru\t1\t30000000\t",
        "city\tyork\tGB\t\tYork\t2\t150000\t",
        "city\tbath\tGB\t\tBath\t3\t90000\t",  # an ordinary word
        "city\ttiny\tGB\t\tTiny\t4\t2000\t",  # too small
        "county\tkent\tGB\t\tKent\t5\t0\t",  # not a kind the splitter uses
    ]
    with gzip.open(places, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    assert place_words(places, frozenset({"bath"})) == ["peru", "york"]


def test_word_usage_tells_names_from_title_cased_words() -> None:
    justin, opener, langer = word_usage("Justin"), word_usage("Opener"), word_usage("Langer")
    assert justin[0] > 0.5 > -0.5 > opener[0]  # capitalised far more / far less than not
    assert langer[2] == 1.0  # known although no list holds it
    assert word_usage("YORK") == word_usage("York")  # all capitals read as capitalised
    assert word_usage("Peru's") == word_usage("Peru")
    assert word_usage("Odalisqueish") == (0.0,) * USAGE_WIDTH  # unknown: nothing said
    assert word_usage("2004") == (0.0,) * USAGE_WIDTH


@given(st.text(max_size=30))
def test_word_usage_never_raises_and_has_one_class_at_most(core: str) -> None:
    values = word_usage(core)
    assert len(values) == USAGE_WIDTH
    assert -2.0 <= values[0] <= 2.0 and sum(values[3:]) <= 1.0


def test_word_usage_rows_keep_common_words_with_both_forms() -> None:
    probs = {"Justin": -11.8, "justin": -14.2, "opener": -12.5, "Opener": -16.2,
             "rare": -19.0, "NASA": -12.0, "2004": -9.0}
    clusters = {"Justin": 0b10110, "opener": 0b101, "NASA": 0b1}
    rows = usage_rows(probs, clusters)
    # "rare" is too rare, "2004" no word; "NASA" is common only in capitals, a form the
    # features never look up, so it has no row.
    # Whole clusters are numbered in the order of their stored integers: 0b1, 0b101, 0b10110.
    assert rows == [("justin", -118, -142, 0b0110, -1, 2, -1),
                    ("opener", -162, -125, -1, 0b0101, -1, 1)]
    assert usage_rows({"Word": -10.0}, {}) == [("word", -100, ABSENT, -1, -1, -1, -1)]
    assert ABSENT == knowledge._ABSENT_IN_FILE  # the reader knows the writer's mark


def test_word_usage_cluster_of_the_own_form_or_else_the_other(tmp_path: Path) -> None:
    path = tmp_path / "usage.npz"
    np.savez(path, words=np.frombuffer(b"justin\nopener", dtype=np.uint8),
             cap_logprob=np.array([-118, -162], dtype=np.int16),
             lower_logprob=np.array([-142, -125], dtype=np.int16),
             cap_class=np.array([6, -1], dtype=np.int8),
             lower_class=np.array([-1, 5], dtype=np.int8),
             cap_cluster=np.array([2, -1], dtype=np.int16),
             lower_cluster=np.array([-1, 1], dtype=np.int16),
             cluster_paths=np.array([1, 5, 22], dtype=np.int32))
    table = knowledge.WordUsage(path)
    assert table.cluster("Justin") == 2
    assert table.cluster("justin") == 2  # no lower-case cluster: the capitalised form's
    assert table.cluster("opener") == table.cluster("Opener") == 1
    assert table.cluster("Langer") == -1 and table.cluster("2004") == -1
