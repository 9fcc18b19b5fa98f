"""Kinds of names corrected from their context (``name_context.py``) and the places
component's agreement with them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storyline.model import Item
from storyline.understand.entities import Span
from storyline.understand.name_context import context_kinds, sports_team_at

COMMON = frozenset({"meet", "that", "latest", "photos", "wheel", "line", "update", "snow",
                    "chance", "for", "overnight", "light", "expected", "throttles", "viruses"})
KINDS = {"Minnesota": "region", "Louisville": "city+", "Denver": "city+", "Iowa": "region",
         "Chicago": "city+"}


def _kind(name: str) -> str:
    return KINDS.get(name, "")


def _span(text: str, surface: str, label: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Span(start, start + len(surface), label, surface)


def _run(text: str, spans: list[Span]) -> set[tuple[str, str]]:
    return {(s.text, s.label) for s in context_kinds(text, spans, COMMON, _kind)}


def test_a_maker_and_a_model_is_a_product() -> None:
    text = "Residents saw a Nissan Altima and a 2020 Kia Telluride; Ford Motor Co. hired."
    found = _run(text, [_span(text, "Nissan Altima", "ORG"), _span(text, "Kia Telluride",
                                                                   "PERSON"),
                        _span(text, "Ford Motor Co.", "ORG")])
    assert ("Nissan Altima", "MISC") in found and ("Kia Telluride", "MISC") in found
    assert ("Ford Motor Co.", "ORG") in found  # the company
    # The company inside the product's name is named too, as a nested span.
    assert ("Nissan", "ORG") in found and ("Kia", "ORG") in found
    spans = context_kinds(text, [_span(text, "Kia Telluride", "PERSON")], COMMON, _kind)
    kia = next(s for s in spans if s.label == "ORG")
    assert text[kia.start : kia.end] == "Kia"


def test_a_platform_inside_a_product_is_no_company() -> None:
    text = "Deals on the iPhone 11 and the Galaxy S10 this week"
    found = _run(text, [_span(text, "iPhone 11", "ORG"), _span(text, "Galaxy S10", "ORG")])
    assert not any(label == "ORG" for _, label in found), found


def test_a_maker_before_ordinary_words_stays_the_company() -> None:
    text = "HP Throttles Viruses"
    assert _run(text, [_span(text, "HP Throttles Viruses", "ORG")]) == {("HP", "ORG")}


def test_a_person_named_like_a_maker_stays_a_person() -> None:
    text = "said 8-year-old Bentley Lloyd, who saw it"
    assert _run(text, [_span(text, "Bentley Lloyd", "PERSON")]) == {("Bentley Lloyd",
                                                                     "PERSON")}


@pytest.mark.parametrize("text,name", [
    ("No. 13 Minnesota stays unbeaten", "Minnesota"),
    ("Why I chose Louisville basketball", "Louisville"),
    ("Denver beat Chicago on Sunday", "Denver"),
    ("Denver beat Chicago on Sunday", "Chicago"),
    ("Avon 37, Noblesville 13", "Noblesville"),
])
def test_places_in_a_sports_context_are_teams(text: str, name: str) -> None:
    start = text.index(name)
    assert sports_team_at(text, start, start + len(name))


@pytest.mark.parametrize("text,name", [
    ("the No. 2 US grocer", "US"),  # countries are left to the places component
    ("Snow fell on Chicago overnight", "Chicago"),
    ("Route 9 in Denver 12 miles away", "Denver"),
])
def test_places_outside_sports_are_no_teams(text: str, name: str) -> None:
    start = text.index(name)
    found = _run(text, [Span(start, start + len(name), "GPE", name)])
    assert (name, "GPE") in found


def test_state_universities_and_teams_named_by_place() -> None:
    text = "Iowa State beat No. 5 Minnesota, and Coppin State lost"
    found = _run(text, [_span(text, "Iowa State", "GPE"), _span(text, "Minnesota", "GPE"),
                        _span(text, "Coppin", "PERSON")])
    assert found == {("Iowa State", "ORG"), ("Minnesota", "ORG"), ("Coppin State", "ORG")}


def test_ordinary_one_word_people_are_dropped() -> None:
    text = ("Meet the keepers\nThat is Baker's cake, a chance for snow overnight.\n"
            "Light Snow Expected")
    found = _run(text, [_span(text, "Meet", "PERSON"), _span(text, "Baker", "PERSON"),
                        _span(text, "Snow", "PERSON")])
    assert found == {("Baker", "PERSON")}  # "Baker" is also a common surname


def test_capitalised_ordinary_words_and_broken_names_are_no_organisations() -> None:
    text = ("Fun day | PHOTOS\nOn our trip we hiked at Jones Gap State Park, then we saw The "
            "Wheel of Fortune on a small screen and later we met Apple CEO Tim Cook and a band "
            "called the Bravery, which was a lot of fun for all of us on that day.")
    found = _run(text, [_span(text, "PHOTOS", "ORG"), _span(text, "Jones", "ORG"),
                        _span(text, "Wheel", "ORG"), _span(text, "Apple", "ORG"),
                        _span(text, "Tim Cook", "PERSON"), _span(text, "Bravery", "ORG")])
    assert ("Apple", "ORG") in found and ("Bravery", "ORG") in found
    assert not {("PHOTOS", "ORG"), ("Jones", "ORG"), ("Wheel", "ORG")} & found
    assert ("Jones Gap State Park", "MISC") in found  # still no place inside it


def test_job_titles_companies_and_awards() -> None:
    text = "Report: Neal Huntington out as Pirates GM; Harry Walker Agency sold; NFL Defensive " \
           "Player of the Year"
    found = _run(text, [_span(text, "Pirates GM", "ORG"), _span(text, "Harry Walker Agency",
                                                                "PERSON"),
                        _span(text, "NFL Defensive Player", "ORG")])
    assert ("Pirates", "ORG") in found and ("Harry Walker Agency", "ORG") in found
    assert ("NFL Defensive Player", "MISC") in found


def test_a_team_nickname_agrees_with_the_team_named_elsewhere() -> None:
    text = "Chiefs injury report vs. Vikings\nJones could play against the Minnesota Vikings."
    found = _run(text, [_span(text, "Minnesota Vikings", "ORG")])
    assert ("Vikings", "ORG") in found


def test_places_component_leaves_teams_to_the_entities() -> None:
    from storyline.understand.default import UnderstandSettings, default_components

    comps = default_components(UnderstandSettings(ner_backend="rules"))
    item = Item(id="t", source_id="t", raw_text="", headline="No. 13 Minnesota stays unbeaten",
                teaser="Fans in Minnesota cheered.", published=datetime(2019, 11, 15, tzinfo=UTC))
    for comp in comps:
        item = comp(item)
    places = [m["surface"] for f in item.facts if f.kind == "place"
              for m in f.extra.get("mentions", [])]
    assert places == ["Minnesota"]  # the teaser's, not the ranked team in the headline
    mention = next(m for f in item.facts if f.kind == "place" for m in f.extra["mentions"])
    assert mention["field"] == "teaser"


@pytest.mark.parametrize("surface,label", [("Android", "ORG"), ("iPad", "ORG"),
                                           ("Wii U", "PERSON"), ("MacBook Air", "ORG"),
                                           ("Windows", "ORG")])
def test_products_and_platforms_are_no_names(surface: str, label: str) -> None:
    text = f"New {surface} update said to arrive next week"
    assert _run(text, [_span(text, surface, label)]) == {(surface, "MISC")}


def test_a_company_named_like_no_product_stays() -> None:
    text = "Apple and Microsoft settle"
    found = _run(text, [_span(text, "Apple", "ORG"), _span(text, "Microsoft", "ORG")])
    assert found == {("Apple", "ORG"), ("Microsoft", "ORG")}


def test_product_words_that_are_also_names_stay_names() -> None:
    text = "Alexa Chung joins LA Galaxy fans as Galaxy win"
    found = _run(text, [_span(text, "Alexa Chung", "PERSON"), _span(text, "Galaxy", "ORG", 1)])
    assert found == {("Alexa Chung", "PERSON"), ("Galaxy", "ORG")}


def test_venue_centres_are_no_organisations() -> None:
    text = "A fair at the Norris Conference Center and the Memorial Cancer Center"
    found = _run(text, [_span(text, "Norris Conference Center", "ORG"),
                        _span(text, "Memorial Cancer Center", "ORG")])
    assert found == {("Norris Conference Center", "MISC"), ("Memorial Cancer Center", "ORG")}
