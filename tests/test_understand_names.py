"""The list-based corrections applied to every recogniser's spans."""

from __future__ import annotations

from storyline.understand.entities import Span
from storyline.understand.names import refine
from storyline.understand.truecase import truecase

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


def test_roads_venues_events_and_abbreviations_are_not_names() -> None:
    text = ("Crash on Ben White Boulevard\nThe MVP, CB Brandon Watson, spoke at Nissan Stadium "
            "on Veterans Day; Jason Day and Gordon Road Inc. did not.")
    spans = [_span(text, "Ben White Boulevard", "PERSON"), _span(text, "MVP", "ORG"),
             _span(text, "CB", "ORG"), _span(text, "Brandon Watson", "PERSON"),
             _span(text, "Nissan Stadium", "ORG"), _span(text, "Veterans Day", "ORG"),
             _span(text, "Jason Day", "PERSON")]
    found = _run(text, spans, frozenset({"veterans"}))
    assert ("Ben White Boulevard", "MISC") in found and ("Nissan Stadium", "MISC") in found
    assert ("Veterans Day", "MISC") in found
    assert ("Jason Day", "PERSON") in found  # "Day" after a name is a surname
    assert ("Brandon Watson", "PERSON") in found
    assert not {t for t, _ in found} & {"MVP", "CB"}


def test_state_schools_and_lone_cities_are_not_people() -> None:
    text = "Penn State beat Louisville\nJackson ran for 100 yards; Lamar Jackson is fast."
    spans = [_span(text, "Penn State", "PERSON"), _span(text, "Louisville", "PERSON"),
             _span(text, "Jackson", "PERSON"), _span(text, "Lamar Jackson", "PERSON")]
    kinds = {"Louisville": "city+", "Jackson": "city+"}
    found = {(s.text, s.label) for s in refine(text, spans, _is_place, frozenset(),
                                                lambda name: kinds.get(name, ""))}
    assert ("Penn State", "ORG") in found
    assert not any(t == "Louisville" for t, _ in found)
    assert ("Jackson", "PERSON") in found  # part of a person's name in the item
    text = "A boat froze north of Stillwater, Stillwater said."
    spans = [Span(22, 32, "PERSON", "Stillwater"), Span(34, 44, "PERSON", "Stillwater")]
    found = {(s.start, s.label) for s in refine(text, spans, _is_place, frozenset(),
                                                 lambda name: "city")}
    assert found == {(34, "PERSON")}  # after "north of" a place; as a speaker, a person


def test_one_name_one_reading_in_an_item() -> None:
    text = ("Trump Again Misunderstands Wildfires\nPresident Donald Trump spoke. Trump's aide "
            "met Ivanka Trump; Trump said no.")
    spans = [_span(text, "Trump Again Misunderstands", "ORG"),
             _span(text, "Donald Trump", "PERSON"), _span(text, "Trump's", "ORG"),
             _span(text, "Ivanka Trump", "PERSON")]
    common = frozenset({"again", "misunderstands", "wildfires"})
    found = refine(text, spans, _is_place, common)
    people = [(s.start, s.text) for s in found if s.label == "PERSON"]
    assert (0, "Trump") in people  # the Title Case headline's name, without its verbs
    assert (text.index("Trump's"), "Trump's") in people  # ORG reading relabelled
    assert (text.rindex("Trump"), "Trump") in people  # a mention no span covered
    assert not any(s.label == "ORG" for s in found)
    assert len(people) == 5


def test_truecasing_title_case_lines_keeps_offsets() -> None:
    words = frozenset({"again", "misunderstands", "wildfires", "says"})
    text = "Trump Again Misunderstands Wildfires\nTrump says Again is a band."
    cased = truecase(text, words)
    assert cased == "Trump again misunderstands wildfires\nTrump says Again is a band."
    assert truecase("Again: Wildfires Again Misunderstands", words).startswith("Again: Wildfires")


def test_given_names_make_people_and_companies_stay() -> None:
    text = "Garth Brooks and Tori Spelling met Morgan Stanley and Freddie Mac staff."
    spans = [_span(text, "Garth Brooks", "ORG"), _span(text, "Tori Spelling", "ORG"),
             _span(text, "Morgan Stanley", "ORG"), _span(text, "Freddie Mac", "ORG")]
    found = _run(text, spans)
    assert ("Garth Brooks", "PERSON") in found and ("Tori Spelling", "PERSON") in found
    assert ("Morgan Stanley", "ORG") in found  # a listed company named after people
    assert ("Freddie Mac", "ORG") in found  # ends in an organisation word


def test_a_span_ends_at_a_sentence_end() -> None:
    text = "said the Santa Rosa Police Department. Police said Sen. Bernie Sanders spoke."
    spans = [_span(text, "Santa Rosa Police Department. Police", "ORG"),
             _span(text, "Sen. Bernie Sanders", "PERSON")]
    found = _run(text, spans)
    assert ("Santa Rosa Police Department", "ORG") in found
    assert ("Sen. Bernie Sanders", "PERSON") in found


def test_names_broken_apart_are_joined() -> None:
    text = "Timothée Chalamet's style\nJohnathan Joseph and Shane Fitzsimmons met Kelsey Smith."
    spans = [_span(text, "Timothée", "PERSON"), _span(text, "Chalamet", "PERSON"),
             _span(text, "Joseph", "PERSON"), _span(text, "Shane", "PERSON"),
             _span(text, "Kelsey", "PERSON")]
    found = _run(text, spans, frozenset({"met", "and", "style"}))
    # two person spans side by side; a given name before a surname; a surname after one
    assert {("Timothée Chalamet", "PERSON"), ("Johnathan Joseph", "PERSON"),
            ("Shane Fitzsimmons", "PERSON"), ("Kelsey Smith", "PERSON")} <= found
    assert len(found) == 4


def test_name_edges_and_kinds() -> None:
    text = ("CB Brandon Watson joins Greenville QB club. Spartanburg Regional Hospital Sunday.\n"
            "Christopher Crosby of Warren visited the Cincinnati Zoo, Ferguson Center, Lake "
            "Huron and NJ; the Patriots won Over Colts.")
    spans = [_span(text, "CB Brandon Watson", "PERSON"), _span(text, "Greenville QB", "ORG"),
             _span(text, "Spartanburg Regional Hospital Sunday", "ORG"),
             _span(text, "Christopher Crosby of Warren", "PERSON"),
             _span(text, "Cincinnati Zoo", "ORG"), _span(text, "Ferguson Center", "PERSON"),
             _span(text, "Lake Huron", "PERSON"), _span(text, "NJ", "ORG"),
             _span(text, "Over Colts", "ORG")]
    found = _run(text, spans)
    assert {("Brandon Watson", "PERSON"), ("Greenville", "ORG"),
            ("Spartanburg Regional Hospital", "ORG"), ("Christopher Crosby", "PERSON"),
            ("Cincinnati Zoo", "MISC"), ("Ferguson Center", "MISC"), ("Lake Huron", "LOC"),
            ("Colts", "ORG")} <= found
    assert not any(t == "NJ" for t, _ in found)  # a state's postal code names no organisation
