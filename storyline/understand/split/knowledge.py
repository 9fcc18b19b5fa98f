"""Open word lists that tell the splitter what its few thousand training pairs cannot.

Most of the splitter's remaining errors are a capitalised word on the wrong side of the cut:
"… at the WACA Opener | Justin Langer …", "… and blunders | NEW YORK The rivalry …". A reader
settles them by knowing that "opener" is an ordinary word (capitalised only by Title Case),
that "Justin" is a given name (so it opens a name, and the name the teaser) and that "York"
is a place (a dateline). The training pairs hold too few names for the network to learn
that word by word, so three lists the understand stage already ships (or derives from what
it ships) say it for any word, including on a publisher never seen in training:

- ordinary English words, usually written in lower case (the fast recogniser's list, from
  Debian's wamerican);
- given names (US Census 1990, without ordinary words and places: ``first_names.txt``);
- one-word place names (GeoNames, cities of 50,000+ people, countries, regions:
  ``place_words.txt``, from ``scripts/build_place_words.py``).

All three are English-centred (place names excepted); on other languages they mostly stay
silent, which the network sees in training as well (the Spanish feeds).
"""

from __future__ import annotations

import functools

from storyline.understand.fastner import common_words
from storyline.understand.gazetteer import fold
from storyline.understand.truecase import word_list


def ordinary_words() -> frozenset[str]:
    """Lower-case English words (the fast recogniser's ordinary-word list, read once per
    process and shared with the recogniser)."""
    return common_words()


@functools.cache
def given_names() -> frozenset[str]:
    """Given names, capitalised ("Justin"), without ordinary words and places."""
    return word_list("first_names.txt")


@functools.cache
def place_words() -> frozenset[str]:
    """One-word place names, folded ("york", "peru", "koln"), without ordinary words."""
    return word_list("place_words.txt")


def load_lists() -> None:
    """Read the three lists now (they are read once, on first use otherwise), so a loaded
    splitter's first line pays no loading time and the load time says what loading costs."""
    ordinary_words()
    given_names()
    place_words()


def word_knowledge(core: str) -> tuple[float, float, float]:
    """(ordinary word, given name, place) for a token stripped of punctuation: whether its
    lower-case form is an ordinary English word, whether it is a given name (in any case:
    "JUSTIN" too) and whether its folded form names a place."""
    if not core[:1].isalpha():
        return 0.0, 0.0, 0.0
    lower = core.lower()
    possessive = lower.endswith(("'s", "’s"))
    bare = core[:-2] if possessive else core
    return (
        float(lower in ordinary_words()),
        float(bare in given_names() or bare.capitalize() in given_names()),
        float(fold(bare) in place_words()),
    )
