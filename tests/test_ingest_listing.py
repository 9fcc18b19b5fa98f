from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.ingest.listing import parse_listing
from storyline.ingest.records import ParseContext

from .conftest import NOW, SAMPLE_LISTING

CTX = ParseContext("src1", "listing.txt", NOW)


def test_sample_listing_gives_fifteen_items() -> None:
    parsed = parse_listing(SAMPLE_LISTING.read_text(encoding="utf-8"), CTX)
    assert len(parsed.items) == 15
    assert not parsed.rejected
    assert len({item.id for item in parsed.items}) == 15
    assert all(item.headline == "" and item.raw_text for item in parsed.items)


def test_listing_without_date_uses_ingest_time_and_says_so() -> None:
    item = parse_listing("Some headline Some teaser.", CTX).items[0]
    assert item.published == NOW
    assert item.published_estimated
    assert "published: ingest time" in item.flags


def test_listing_date_given_for_the_whole_input() -> None:
    day = datetime(2020, 11, 17, tzinfo=UTC)
    ctx = ParseContext("src1", "listing.txt", NOW, default_published=day)
    item = parse_listing("Some headline Some teaser.", ctx).items[0]
    assert item.published == day
    assert item.published_estimated
    assert item.first_seen == NOW


def test_lines_without_words_are_rejected_with_line_number() -> None:
    parsed = parse_listing("Good line here\n-----\n\n   \nAnother one", CTX)
    assert len(parsed.items) == 2
    assert parsed.rejected == ["listing.txt:2: no words in line '-----'"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_every_nonempty_line_is_an_item_or_a_rejection(text: str) -> None:
    parsed = parse_listing(text, CTX)
    nonempty = [line for line in text.splitlines() if line.split()]
    assert len(parsed.items) + len(parsed.rejected) == len(nonempty)
    for item in parsed.items:
        assert item.raw_text == " ".join(item.raw_text.split())
        assert item.id.startswith("i")
