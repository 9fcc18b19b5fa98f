"""Language of an item: lingua-language-detector restricted to a configured set of languages.

Short texts are marked uncertain instead of guessed: below ``min_chars`` characters or
``min_words`` words, or when the best language's confidence is under ``min_confidence``, the
fact says ``uncertain`` and ``item.language`` stays None. Restricting lingua to the languages a
deployment expects is both faster and more accurate than asking it to choose among 75.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from storyline.model import Fact, Item


class LanguageComponent:
    """Sets ``item.language`` and adds one ``language`` fact with its confidence."""

    name = "language"
    requires: tuple[str, ...] = ("headline", "teaser")
    provides: tuple[str, ...] = ("language", "facts")

    def __init__(
        self,
        languages: Sequence[str] = ("en", "es", "pt", "de", "fr", "it"),
        min_chars: int = 25,
        min_words: int = 4,
        min_confidence: float = 0.6,
        max_chars: int = 600,
        low_accuracy: bool = False,
    ) -> None:
        if len(languages) < 2:
            raise ValueError("language detection needs at least two candidate languages")
        self.languages = tuple(languages)
        self.min_chars = min_chars
        self.min_words = min_words
        self.min_confidence = min_confidence
        self.max_chars = max_chars
        self.low_accuracy = low_accuracy
        self._detector: Any = None
        self._lock = threading.Lock()

    def detector(self) -> Any:
        """The lingua detector, built on first use (its models load lazily, per language)."""
        with self._lock:
            if self._detector is None:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                codes = [getattr(IsoCode639_1, code.upper()) for code in self.languages]
                builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                # High accuracy by default: the trigram-only mode called 5% of English news
                # headlines German, Portuguese or Italian with confidence ("Mt. Gox files for
                # US bankruptcy" -> de 0.99), against 0.15% here, for ~1 s more load time.
                if self.low_accuracy:
                    builder = builder.with_low_accuracy_mode()
                self._detector = builder.build()
            return self._detector

    def detect(self, text: str) -> tuple[str | None, float, bool]:
        """Return (ISO 639-1 code or None, confidence, uncertain) for a text."""
        text = text[: self.max_chars].strip()
        if len(text) < self.min_chars or len(text.split()) < self.min_words:
            return None, 0.0, True
        values = self.detector().compute_language_confidence_values(text)
        if not values:
            return None, 0.0, True
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        return code, float(best.value), float(best.value) < self.min_confidence

    def __call__(self, item: Item) -> Item:
        """Detect the language of headline and teaser; record it as a fact."""
        text = item.text
        code, confidence, uncertain = self.detect(text)
        item.language = None if uncertain else code
        item.facts.append(
            Fact(
                kind="language", value=code or "", surface="", field="headline+teaser",
                start=0, end=len(text[: self.max_chars]), component=self.name,
                confidence=round(confidence, 3), extra={"uncertain": uncertain},
            )
        )
        return item
