"""Property tests of the listing splitter: any text in, no exception, nothing lost."""

from __future__ import annotations

from hypothesis import given, settings
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
