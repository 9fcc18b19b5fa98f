"""Dates: resolution against the publication date, narrative anchors, and never guessing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storyline.model import Item
from storyline.understand.dates import DatesComponent, find_dates, infer_year

REF = date(2020, 11, 17)  # the sample listing's date


def values(text: str, ref: date = REF, estimated: bool = False) -> dict[str, str]:
    return {m.surface: m.value for m in find_dates(text, ref, estimated)[0]}


def test_deictic_words_resolve_against_the_reference() -> None:
    got = values("Yesterday, the congress elected a leader who will be sworn in today.")
    assert got == {"Yesterday": "2020-11-16", "today": "2020-11-17"}


def test_day_month_takes_the_year_of_the_reference_or_the_one_before() -> None:
    assert values("On 19 May, the MP called a press conference.", estimated=True) == {
        "19 May": "2020-05-19"
    }
    assert infer_year(5, 19, REF, future=False) == 2020
    assert infer_year(12, 30, REF, future=False) == 2019
    assert infer_year(12, 10, REF, future=False, ahead=31) == 2020


def test_weekday_that_disagrees_with_the_date_is_flagged_and_the_day_wins() -> None:
    mention = find_dates("In the evening of Friday 7 November, she went out.", REF, True)[0][0]
    assert mention.value == "2020-11-07"
    assert "weekday" in mention.note


def test_narrative_expressions_count_from_the_last_explicit_date() -> None:
    text = ("On 9 November, the president was removed; a week later the government fell. "
            "On Sunday, her body was found.")
    got = values(text, estimated=True)
    assert got["a week later"] == "2020-11-16"
    assert got["On Sunday"] == "2020-11-15"


def test_unanchored_narrative_and_vague_spans_stay_unresolved() -> None:
    got = values("Two days later talks resumed; a couple of months later it ended. Last week too.")
    assert got == {"Two days later": "", "a couple of months later": "", "Last week": ""}


def test_bare_weekday_needs_tense_and_an_exact_reference() -> None:
    ref = date(2019, 5, 8)  # a Wednesday
    assert values("The Times reported on Tuesday that taxes fell.", ref) == {
        "on Tuesday": "2019-05-07"
    }
    assert values("Leaders will gather on Thursday.", ref) == {"on Thursday": "2019-05-09"}
    assert values("Leaders gather on Thursday.", ref) == {"on Thursday": ""}
    assert values("The report came out on Tuesday.", ref, estimated=True) == {"on Tuesday": ""}


def test_years_months_and_other_languages() -> None:
    got = values("Losses from 1985 to 1994 and in November 2009; 2,000 people, $2019.")
    assert got == {"1985": "1985", "1994": "1994", "November 2009": "2009-11"}
    assert values("el pasado 8 de noviembre de 2020 y ayer") == {
        "8 de noviembre de 2020": "2020-11-08", "ayer": "2020-11-16"}
    assert values("am 8. November 2020 und gestern") == {
        "8. November 2020": "2020-11-08", "gestern": "2020-11-16"}
    assert values("Theresa May said she may resign in May.") == {"in May": "2020-05"}
    assert values("the 2020 elections, COVID-19 and a 20-year-old") == {"2020": "2020"}


def test_component_records_provenance() -> None:
    item = Item(id="1", source_id="s", raw_text="", headline="Crisis in Peru",
                teaser="Yesterday, the congress met. On 9 November he was removed.",
                published=datetime(2020, 11, 17, 9, tzinfo=UTC), published_estimated=True)
    facts = [f for f in DatesComponent()(item).facts if f.kind == "date"]
    first = facts[0]
    assert (first.value, first.field, first.surface) == ("2020-11-16", "teaser", "Yesterday")
    assert item.teaser[first.start : first.end] == "Yesterday"
    assert first.extra["relative"] and first.extra["resolved"]
    assert first.extra["granularity"] == "day" and first.extra["reference_estimated"]
    assert first.component == "dates" and 0 < first.confidence <= 1


def test_without_a_publication_date_only_dates_with_a_year_resolve() -> None:
    item = Item(id="1", source_id="s", raw_text="", headline="In 2016, and yesterday",
                teaser="On 19 May 2019 and on 19 May.")
    got = {f.surface: f.value for f in DatesComponent()(item).facts}
    assert got == {"2016": "2016", "yesterday": "", "19 May 2019": "2019-05-19", "19 May": ""}
