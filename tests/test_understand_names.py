"""The list-based corrections applied to every recogniser's spans."""

from __future__ import annotations

from storyline.understand.entities import Span
from storyline.understand.names import refine

PLACES = {"Miami", "Houston", "New York", "Ottawa"}


def _is_place(name: str) -> bool:
    return name in PLACES


def _span(text: str, surface: str, label: str) -> Span:
    start = text.index(surface)
    return Span(start, start + len(surface), label, surface)


def _run(text: str, spans: list[Span], common: frozenset[str] = frozenset()) -> set[
        tuple[str, str]]:
    return {(s.text, s.label) for s in refine(text, spans, _is_place, common)}


def test_teams_are_organisations_with_their_city() -> None:
    text = "The Dolphins lost again\nThe Miami Dolphins fell to the Browns on Sunday."
    spans = [_span(text, "Dolphins", "PERSON"), _span(text, "Miami", "GPE"),
             _span(text, "Browns", "PERSON")]
    found = _run(text, spans)
    assert ("Miami Dolphins", "ORG") in found and ("Browns", "ORG") in found
    assert ("Dolphins", "ORG") in found  # the headline's bare nickname
    assert not any(label in ("PERSON", "GPE") for _, label in found)


def test_ambiguous_nicknames_need_the_or_a_city() -> None:
    text = "Heat Wave Hits Texas Towns\nThe heat is on; the Heat beat the Senators in Ottawa."
    found = _run(text, [])
    assert ("Heat", "ORG") in found  # "the Heat" in running text
    assert len([t for t, _ in found if t == "Heat"]) == 1  # not the Title Case headline's
    assert ("Senators", "ORG") not in found  # only after a place ("Ottawa Senators")
    assert ("Ottawa Senators", "ORG") in _run("the Ottawa Senators won", [])


def test_agency_credits_are_dropped_but_mentions_kept() -> None:
    text = "Fed holds rates (AP)\nAP - The Fed kept rates steady, AP reported."
    spans = [_span(text, "AP", "ORG"), Span(21, 23, "ORG", "AP"),
             Span(text.rindex("AP"), text.rindex("AP") + 2, "ORG", "AP")]
    kept = refine(text, spans, _is_place)
    assert [s.start for s in kept] == [text.rindex("AP")]


def test_parties_and_companies() -> None:
    text = "Democrats blast Twitter\nHouse Democrats said Twitter and Harrison Ford's film erred."
    spans = [_span(text, "Democrats", "NORP"), _span(text, "Twitter", "PERSON"),
             _span(text, "Harrison Ford", "PERSON")]
    found = _run(text, spans)
    assert ("Democrats", "ORG") in found and ("Twitter", "ORG") in found
    assert ("Harrison Ford", "PERSON") in found  # a company name inside a longer name


def test_ordinary_words_in_title_case_are_not_names() -> None:
    common = frozenset({"lose", "weight", "fast", "with", "these", "tips"})
    text = ("Lose Weight Fast With These Tips\n"
            "Doctors say that Lose Weight is a rather misleading slogan for dieting.")
    spans = [Span(0, 11, "PERSON", "Lose Weight"),
             _span(text, "Doctors", "ORG")]
    mid = text.index("Lose Weight is")
    spans.append(Span(mid, mid + 11, "PERSON", "Lose Weight"))
    kept = refine(text, spans, _is_place, common)
    # The headline's "Lose Weight" goes; mid-sentence capitals and non-common words stay.
    assert [(s.start, s.text) for s in kept] == [(text.index("Doctors"), "Doctors"),
                                                 (mid, "Lose Weight")]


def test_broken_organisation_names_are_rebuilt() -> None:
    text = ("Report: the student was held by Immigration and Customs Enforcement, and the "
            "City of Milwaukee Department of Public Works said Trump Administration officials "
            "had called.")
    spans = [_span(text, "Customs Enforcement", "ORG"),
             _span(text, "City of Milwaukee Department of Public", "ORG"),
             _span(text, "Trump", "PERSON")]
    found = _run(text, spans)
    assert ("Immigration and Customs Enforcement", "ORG") in found
    assert ("City of Milwaukee Department of Public Works", "ORG") in found
    assert ("Trump", "PERSON") in found  # a run holding a person is left alone
    assert not any(t.startswith("Trump Admin") for t, _ in found)


def test_a_lone_ordinary_word_mid_sentence_is_not_an_organisation() -> None:
    text = ("Storm closes schools\n"
            "Crews said Interstate traffic was shut and Office hours moved, the House said.")
    spans = [_span(text, "Interstate", "ORG"), _span(text, "Office", "ORG"),
             _span(text, "House", "ORG")]
    common = frozenset({"interstate", "office", "house"})
    found = _run(text, spans, common)
    assert found == {("House", "ORG")}
