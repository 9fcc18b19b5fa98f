"""Property tests of the listing splitter: any text in, no exception, nothing lost."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from storyline.model import MediaType
from storyline.understand.split import Splitter, normalise
from storyline.understand.split.tags import peel_prefix

SPLITTER = Splitter.load()

words = st.sampled_from(
    [
        "The",
        "a",
        "Peru",
        "USA:",
        "Pakistan:",
        "[Video]",
        "VIDEO:",
        "WATCH:",
        "crisis",
        "of",
        "elected",
        "Yesterday,",
        "-",
        "(Reuters)",
        "LONDON",
        "…",
        "...",
        "!",
        "?",
        "“quoted”",
        "&amp;",
        "#39;",
        "Die",
        "El",
        "São",
        "2020",
        "U.S.",
        "",
        "\u200b",
        "\t",
    ]
)
lines = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(words, st.text(max_size=8)), max_size=60).map(" ".join),
)


def _check(line: str) -> None:
    result = SPLITTER.split(line)
    text = normalise(line)
    assert 0.0 <= result.confidence <= 1.0
    body = " ".join(part for part in (result.headline, result.teaser) if part)
    # Headline and teaser are a cut of the line's tail; nothing is dropped or reordered.
    assert text.endswith(body)
    assert result.teaser == "" or result.headline != ""
    head = text[: len(text) - len(body)].strip()
    # Whatever precedes the headline was peeled as a media tag and/or kicker, nothing else.
    prefix = peel_prefix(text)
    assert body == prefix.rest
    if result.kicker is not None:
        assert result.kicker in head
    if head == "":
        assert result.kicker is None
    if result.flagged:
        assert result.teaser == ""
    if result.media_type is not MediaType.TEXT and head == "":
        # A media type without a peeled tag comes from the headline's own end ("| PHOTOS").
        assert result.headline


@settings(max_examples=300, deadline=None)
@given(lines)
def test_any_text_is_split_without_loss(line: str) -> None:
    _check(line)


@settings(max_examples=100, deadline=None)
@given(st.lists(words, min_size=1, max_size=40).map(" ".join))
def test_split_is_deterministic(line: str) -> None:
    assert SPLITTER.split(line) == SPLITTER.split(line)


def _same(a: object, b: object) -> bool:
    # Equal splits; the confidence may differ in the last bits: the splitter scores in
    # float32, whose sums in another order (a batch of another shape) differ by ~1e-7.
    from dataclasses import astuple

    x, y = astuple(a), astuple(b)  # type: ignore[call-overload]
    return bool(x[:5] == y[:5] and x[6] == y[6] and abs(x[5] - y[5]) < 1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(lines, min_size=1, max_size=12), st.integers(min_value=1, max_value=5))
def test_batch_equals_one_at_a_time(batch: list[str], batch_size: int) -> None:
    # A batch shares token rows, prefix sums and the repetition groups across its lines: no
    # line may see another's words, whatever the batch's size and order.
    together = SPLITTER.split_many(batch, batch_size=batch_size, adapt=False)
    alone = [SPLITTER.split(line) for line in batch]
    assert all(_same(a, b) for a, b in zip(together, alone, strict=True))
    reversed_ = SPLITTER.split_many(batch[::-1], adapt=False)[::-1]
    assert all(_same(a, b) for a, b in zip(reversed_, alone, strict=True))


@settings(max_examples=60, deadline=None)
@given(st.lists(lines, min_size=1, max_size=12), st.integers(min_value=1, max_value=5))
def test_adapted_listing_ignores_order_and_batch_size(batch: list[str], batch_size: int) -> None:
    # The adaptation is over the whole listing (one call), not over each scoring batch, and
    # a listing is a set of lines: neither the batch size nor the order may change a split.
    whole = SPLITTER.split_many(batch)
    chunked = SPLITTER.split_many(batch, batch_size=batch_size)
    reversed_ = SPLITTER.split_many(batch[::-1])[::-1]
    assert all(_same(a, b) for a, b in zip(chunked, whole, strict=True))
    assert all(_same(a, b) for a, b in zip(reversed_, whole, strict=True))


# Few words, so that lines repeat each other's words and pairs, and line ends meet line
# starts that would form a pattern ("(Reuters)" then "-") if the batch leaked across lines.
few_words = st.sampled_from(["(Reuters)", "-", "Peru", "elected", "Yesterday,", "the", "Die",
                             "und", "said.", "Fox"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.one_of(few_words, words.filter(lambda w: w.strip() != "")),
                         min_size=2, max_size=70), min_size=1, max_size=8))
@example([["Talks", "end", "(Reuters)"], ["-", "Peru", "elected", "the"]])
def test_batch_features_equal_single_line_features(token_lists: list[list[str]]) -> None:
    import numpy as np

    from storyline.understand.split.batch import batch_features, candidate_features
    from storyline.understand.split.features import TokenTable

    table = TokenTable(SPLITTER.scorer.lexicon())
    feats, offsets = batch_features(token_lists, table)
    assert offsets[-1] == len(feats)
    for j, tokens in enumerate(token_lists):
        assert np.array_equal(feats[offsets[j] : offsets[j + 1]], candidate_features(tokens, table))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(few_words, words.filter(lambda w: w.strip() != "")),
                         min_size=2, max_size=70), min_size=1, max_size=8))
def test_float32_scores_equal_float64_scores(token_lists: list[list[str]]) -> None:
    # The splitter scores float32 rows with float32 copies of the weights; training and
    # calibration score float64 rows. Both must be the same function of the line.
    import numpy as np

    from storyline.understand.split.batch import batch_features
    from storyline.understand.split.features import TokenTable

    table = TokenTable(SPLITTER.scorer.lexicon())
    wide, offsets = batch_features(token_lists, table)
    narrow, _ = batch_features(token_lists, table, np.float32)
    assert narrow.dtype == np.float32
    assert np.array_equal(narrow, wide.astype(np.float32))
    scorer = SPLITTER.scorer
    exact, fast = scorer.scores(wide, offsets), scorer.scores(narrow, offsets)
    assert fast.dtype == np.float64
    assert np.allclose(fast, exact, rtol=1e-5, atol=1e-3)
    assert np.allclose(scorer.probabilities(narrow, offsets),
                       scorer.probabilities(wide, offsets), atol=1e-5)
