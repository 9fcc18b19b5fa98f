"""The default components: they build a valid pipeline and run on the sample listing."""

from __future__ import annotations

from datetime import UTC, datetime

from storyline.model import Item
from storyline.understand.default import UnderstandSettings, default_components
from storyline.understand.pipeline import Component, Pipeline


def test_default_components_form_a_pipeline_and_run() -> None:
    components = default_components(UnderstandSettings(ner_backend="rules"))
    assert [c.name for c in components] == ["language", "entities", "places", "dates"]
    assert all(isinstance(c, Component) for c in components)
    pipeline = Pipeline(components)
    item = Item(id="1", source_id="s", raw_text="", kicker="Pakistan",
                headline="comrade Amar Fayaz abducted by state authorities",
                teaser="On 8 November at around 1:30 a.m., men abducted comrade Amar Fayaz "
                       "in Jamshoro, Sindh.",
                published=datetime(2020, 11, 17, tzinfo=UTC), published_estimated=True)
    item = pipeline.run_one(item)
    assert item.flags == []
    kinds = {f.kind for f in item.facts}
    assert kinds == {"language", "person", "place", "date"}
    assert item.language == "en"
    dates = [f.value for f in item.facts if f.kind == "date"]
    assert dates == ["2020-11-08"]


def test_unknown_backend_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        default_components(UnderstandSettings(ner_backend="nope"))[1]


def test_environment_chooses_backend_and_spacy_model(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from storyline.understand.default import make_recognizer
    from storyline.understand.entities import SpacyRecognizer

    monkeypatch.setenv("STORYLINE_NER_BACKEND", "spacy")
    monkeypatch.setenv("STORYLINE_NER_MODEL", "/models/my_pipeline")
    settings = UnderstandSettings()
    assert (settings.ner_backend, settings.ner_model) == ("spacy", "/models/my_pipeline")
    recognizer = make_recognizer(settings)
    assert isinstance(recognizer, SpacyRecognizer)
    assert recognizer.model == "/models/my_pipeline"
