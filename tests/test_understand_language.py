"""Language detection: restricted languages, short texts uncertain."""

from __future__ import annotations

import pytest

from storyline.model import Item
from storyline.understand.language import LanguageComponent


@pytest.fixture(scope="module")
def lang() -> LanguageComponent:
    return LanguageComponent(("en", "es", "pt", "de"))


@pytest.mark.parametrize(("text", "code"), [
    ("New president elected as regime crisis shakes Peru. Yesterday, the congress met.", "en"),
    ("Cuatro personas murieron este domingo en un tiroteo en un centro comercial", "es"),
    ("Um homem foi preso ontem em São Paulo depois de uma perseguição policial", "pt"),
    ("Scrum Day 2016: Bewerbungen für Vorträge und Workshops sind ab sofort möglich", "de"),
])
def test_detects_configured_languages(lang: LanguageComponent, text: str, code: str) -> None:
    item = lang(Item(id="1", source_id="s", raw_text="", headline=text))
    assert item.language == code
    fact = item.facts[0]
    assert (fact.kind, fact.value, fact.extra["uncertain"]) == ("language", code, False)


def test_short_text_is_uncertain(lang: LanguageComponent) -> None:
    item = lang(Item(id="1", source_id="s", raw_text="", headline="Biden wins"))
    assert item.language is None
    assert item.facts[0].extra == {"uncertain": True}


def test_needs_two_languages() -> None:
    with pytest.raises(ValueError):
        LanguageComponent(("en",))


@pytest.mark.parametrize("headline", [
    "Mt. Gox files for US bankruptcy to halt class action",
    "Hackers Claim Mt. Gox CEO Mark Karpeles Held 'Stolen' Customer Bitcoins",
    "The Mt. Gox Saga Just Got Way More Twisted",
    "Samsung infringed on Apple patents, jury finds",
])
def test_english_headlines_with_foreign_looking_names_stay_english(
        lang: LanguageComponent, headline: str) -> None:
    # The trigram-only (low accuracy) mode called each of these German or Portuguese.
    code, _, uncertain = lang.detect(headline)
    assert uncertain or code == "en"
