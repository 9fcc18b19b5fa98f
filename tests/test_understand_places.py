"""Places → countries on the sample listing and on the known hard cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from storyline.model import Item
from storyline.understand.entities import RuleRecognizer, SharedRecognizer, Span, field_text
from storyline.understand.places import PlacesComponent


@pytest.fixture(scope="module")
def places() -> PlacesComponent:
    return PlacesComponent(recognizer=SharedRecognizer(RuleRecognizer()))


def run(places: PlacesComponent, headline: str, teaser: str = "",
        kicker: str | None = None) -> list[tuple[str, str, str]]:
    item = Item(id="1", source_id="s", raw_text="", headline=headline, teaser=teaser,
                kicker=kicker, published=datetime(2020, 11, 17, tzinfo=UTC))
    return [(f.value, f.extra["region"], f.surface) for f in places(item).facts]


def test_peru_and_demonym(places: PlacesComponent) -> None:
    got = run(places, "New president elected as regime crisis shakes Peru",
              "Yesterday, the Peruvian congress elected a new leadership.")
    assert {v for v, _, _ in got} == {"PE"}
    assert {s for _, _, s in got} == {"Peru", "Peruvian"}


def test_pakistan_jamshoro_sindh(places: PlacesComponent) -> None:
    got = run(places, "comrade Amar Fayaz abducted by state authorities",
              "On 8 November at around 1:30 a.m., men abducted comrade Amar Fayaz in "
              "Jamshoro, Sindh. He was sitting near the gate of Liaqat Medical University "
              "in Jamshoro when this incident happened.", kicker="Pakistan")
    assert ("PK", "", "Pakistan") in got
    assert ("PK", "PK-SD", "Jamshoro") in got
    assert ("PK", "PK-SD", "Sindh") in got
    assert all(v == "PK" for v, _, _ in got)


def test_mexico_cancun_quintana_roo(places: PlacesComponent) -> None:
    got = run(places, "Femicides in Mexico: justice for Alexis!",
              "She had gone out in the suburbs of Cancún, in Quintana Roo, southeast Mexico.")
    assert ("MX", "MX-ROO", "Cancún") in got
    assert ("MX", "MX-ROO", "Quintana Roo") in got
    assert {v for v, _, _ in got} == {"MX"}


def test_lagos_is_nigeria_unless_the_item_says_portugal(places: PlacesComponent) -> None:
    assert {v for v, _, _ in run(places, "Floods hit Lagos", "Thousands fled their homes.")} == {
        "NG"}
    got = run(places, "Fires near Lagos", "The Algarve town in Portugal was evacuated.")
    assert ("PT", "PT-08", "Lagos") in got


def test_common_words_need_support(places: PlacesComponent) -> None:
    got = run(places, "Police say Hurricane damage closed the University",
              "Reading the report, officials said Mobile phones failed. It was Nice.")
    assert got == []


def test_dateline_and_kicker_count(places: PlacesComponent) -> None:
    got = run(places, "Markets fall", "LONDON (Reuters) - Shares fell on Monday.")
    assert ("GB", "GB-ENG", "LONDON") in got
    assert run(places, "Protests continue", "No details.", kicker="Pakistan") == [
        ("PK", "", "Pakistan")]


def test_continents_have_no_country_and_provenance_is_kept(places: PlacesComponent) -> None:
    item = Item(id="1", source_id="s", raw_text="", headline="Europe’s COVID-19 second wave",
                teaser="A second wave is ravaging Europe.")
    facts = places(item).facts
    assert len(facts) == 1
    fact = facts[0]
    assert fact.value == "" and fact.extra["continent"] == "EU"
    assert (fact.field, fact.start, fact.end) == ("headline", 0, 6)
    assert [m["field"] for m in fact.extra["mentions"]] == ["headline", "teaser"]
    assert fact.component == "places" and 0 < fact.confidence <= 1


def test_us_aliases_and_abbreviations(places: PlacesComponent) -> None:
    item = Item(id="1", source_id="s", raw_text="", headline="USA: break with the Democrats!",
                teaser="A resolution presented in Erie, Pa., and to the U.S. and Canada. "
                       "Pa. said no.")
    facts = places(item).facts
    us = next(f for f in facts if f.value == "US" and f.extra["kind"] == "country")
    assert us.extra["surfaces"] == ["USA", "U.S."]
    erie = next(f for f in facts if f.surface == "Erie")
    assert erie.extra["region"] == "US-PA"
    pa = next(f for f in facts if f.surface == "Pa.")
    assert len(pa.extra["mentions"]) == 1  # only the one after "Erie, " counts


class _EveryCapitalIsALocation:
    """A recogniser that calls every capitalised word a location, as models do with "the
    East" or "the Deep South"."""

    name = "every-capital-loc"

    def entities(self, text: str) -> list[Span]:
        import re

        return [Span(m.start(), m.end(), "LOC", m.group()) for m in re.finditer(r"[A-Z]\w+", text)]

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.entities(t) for t in texts]


def test_recogniser_alone_does_not_make_common_words_places() -> None:
    shared = SharedRecognizer(_EveryCapitalIsALocation())
    component = PlacesComponent(recognizer=shared)
    item = Item(id="1", source_id="s", raw_text="", headline="Trump soaks in Deep South cheers",
                teaser="Cold air will invade the East. The City Council met on Strong Street.",
                published=datetime(2020, 11, 17, tzinfo=UTC))
    shared.entities(field_text(item, 1000).text)  # the entities component fills the cache
    assert [f.surface for f in component(item).facts] == []
    # With the country named in the item, the recogniser's word is enough again.
    item = Item(id="2", source_id="s", raw_text="", headline="Snow in Reading",
                teaser="Snow fell across England on Tuesday.",
                published=datetime(2020, 11, 17, tzinfo=UTC))
    shared.entities(field_text(item, 1000).text)
    assert {f.surface for f in component(item).facts} >= {"Reading"}


def test_acronym_spelling_a_region_is_not_a_place(places: PlacesComponent) -> None:
    got = run(places, "Alan Woods on art and socialism",
              "Alan Woods was interviewed on TAK Editions (podcast of the avant-garde TAK "
              "musical ensemble) about art.")
    assert got == []


def test_postal_codes_need_a_town_or_a_dateline(places: PlacesComponent) -> None:
    got = run(places, "Homeowner warns others about fake city employee",
              "GILBERT, AZ (3TV) - A homeowner in Mesa, CA said HD, SD and XD players fail.")
    assert ("US", "US-AZ", "AZ") in got and ("US", "US-CA", "CA") in got
    assert not any(s in ("SD", "HD", "XD") for _, _, s in got)  # "HD, SD" is no town
    assert run(places, "CA Has 82 Best STEM High Schools In 2019") == []


class _Spans:
    """A recogniser that returns fixed labels for fixed words."""

    name = "fixed"

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    def entities(self, text: str) -> list[Span]:
        import re

        return [Span(m.start(), m.end(), self.labels[m.group()], m.group())
                for m in re.finditer("|".join(map(re.escape, self.labels)), text)]

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.entities(t) for t in texts]


def _understood(labels: dict[str, str], headline: str, teaser: str = "") -> list[tuple[str, str]]:
    from storyline.understand.entities import EntitiesComponent

    shared = SharedRecognizer(_Spans(labels))
    item = Item(id="1", source_id="s", raw_text="", headline=headline, teaser=teaser,
                published=datetime(2020, 11, 17, tzinfo=UTC))
    item = PlacesComponent(recognizer=shared)(EntitiesComponent(shared)(item))
    return sorted((f.kind, f.surface) for f in item.facts)


def test_a_place_with_support_is_no_organisation() -> None:
    # "Route 9 in Chester" tagged ORG: the preposition makes it the place, one reading.
    got = _understood({"Chester": "ORG"}, "Route 9 in Chester closed after crash")
    assert ("place", "Chester") in got and ("org", "Chester") not in got


def test_a_company_named_like_a_town_stays_a_company() -> None:
    got = _understood({"Toyota": "ORG"}, "Toyota expected to settle fed probe for $1.2 billion")
    assert got == [("org", "Toyota")]


def test_a_town_named_like_a_persons_surname_is_the_person() -> None:
    got = _understood({"Dick Anderson": "PERSON", "Anderson": "PERSON"},
                      "Dolphins great remembered",
                      "Dick Anderson saw the email. That drew a smile from Anderson.")
    assert ("place", "Anderson") not in got
