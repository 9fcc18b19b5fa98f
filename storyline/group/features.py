"""How the grouper reads an item: its day, the text that names its event, its content words,
language and entities."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

from storyline.model import Item
from storyline.text.tokens import STOP_WORDS_BY_LANGUAGE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WORD = re.compile(r"[^\W_]+(?:['’.&-][^\W_]+)*", re.UNICODE)
# Function words carry no story; a short list, because IDF already discounts common words.
_STOPWORDS = frozenset(
    """a about after again against all also am an and any are as at be been before being
    but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just may me might more
    most my new no nor not now of off on once only or other our out over own s says said same
    she should so some such than that the their them then there these they this those through
    to too under until up very via was we were what when where which while who whom why will
    with would you your vs""".split()
)
_ENTITY_KINDS = frozenset({"place", "person", "org"})
# A year ("2020") names no story: every story of that year can carry it, and against word
# counts from another year (the background corpus is of 2014) it would look rare.
_YEAR = re.compile(r"(?:19|20)\d\d")


def item_day(item: Item) -> int:
    """The item's day (days since 1970-01-01 UTC); 0 for undated items."""
    when = item.published or item.first_seen
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH).days


def grouping_text(item: Item, teaser_words: int) -> str:
    """The headline and the opening of the teaser: the part of an item that names its event.

    Long teasers are mostly context (background, boilerplate of the publisher) shared with
    unrelated items; comparing them makes every story of one publisher look alike.
    """
    # A headline rarely runs past 16 words; a longer one is a listing line the splitter kept
    # whole, whose opening is the headline.
    headline = " ".join((item.headline or item.raw_text).split()[:16])
    if item.kicker:
        # The splitter peels "Titanfall:" or "Ukraine crisis:" off a headline as its kicker,
        # and that is often the very name the story turns on.
        headline = f"{item.kicker} {headline}"
    if teaser_words <= 0 or not item.teaser:
        return headline
    return f"{headline} {' '.join(item.teaser.split()[:teaser_words])}"


def terms_of(text: str, language: str | None = None) -> frozenset[str]:
    """The content words of a text: lower case, possessives dropped, no function words (of
    English, and of the item's language when it is another); English words are reduced to
    their stems (:func:`stem_en`), so "collapsed" and "collapse" count as one word."""
    return frozenset(surface_forms(text, language))


def surface_forms(text: str, language: str | None = None) -> dict[str, str]:
    """Each content word of a text (as :func:`terms_of` gives it) with the word as written,
    for explanations: a stem such as "retir" reads badly."""
    stop = _STOPWORDS
    english = language is None or language == "en"
    if not english:
        stop = stop | STOP_WORDS_BY_LANGUAGE.get(language or "", frozenset())
    words: dict[str, str] = {}
    for word in _WORD.findall(text.casefold()):  # no groups: findall gives whole matches
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) > 1 and word not in stop and not _YEAR.fullmatch(word):
            words.setdefault(stem_en(word) if english else word, word)
    return words


_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=1 << 16)
def stem_en(word: str) -> str:
    """A light English stemmer (plural, -ed, -ing, final -e/-y; after Porter's step 1).

    Headlines of one event inflect the same words differently ("retires", "retiring",
    "retired"); without folding them the word overlap misses them. Light on purpose: a full
    stemmer conflates more unrelated words, and names (short or with digits) are left alone.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and _VOWELS.intersection(stem):
            word = stem
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "stopped" -> "stop"
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # "retire" and "retir(ed)" meet
    elif len(word) > 4 and word.endswith("y"):
        word = word[:-1] + "i"  # "company" and "compani(es)" meet
    return word


def item_language(item: Item) -> str | None:
    """The item's language: as detected, else the detector's uncertain guess, else None."""
    if item.language:
        return item.language
    guesses = [f.value for f in item.facts if f.kind == "language" and f.value]
    return guesses[0] if guesses else None


def entities_of(item: Item) -> frozenset[str]:
    """Places, people and organisations from the understanding stage, as ``kind:value``.

    A place without a country code (a continent or region such as "West Africa") has an empty
    value: it is keyed by its surface instead, or every such place would match every other.
    """
    out: set[str] = set()
    for f in item.facts:
        if f.kind in _ENTITY_KINDS:
            value = f.value or f.surface.casefold()
            if value:
                out.add(f"{f.kind}:{value}")
    return frozenset(out)
