"""Truecasing Title Case headlines before name recognition, and the word lists it reads.

In "Trump Again Misunderstands California's Wildfires" every word looks like a name to a
recogniser; the same line with its ordinary words in lower case reads far better. Apart from
``names.py`` because the recogniser's training script and the stage both need it, and it has
nothing to do with correcting recognised names.
"""

from __future__ import annotations

import functools
import re
from importlib import resources


@functools.cache
def word_list(name: str) -> frozenset[str]:
    """A shipped one-word-a-line list from ``data/`` (``#`` lines are comments), read once."""
    data = resources.files("storyline.understand") / "data" / name
    return frozenset(w for w in data.read_text(encoding="utf-8").split("\n")
                     if w and not w.startswith("#"))


_TC_WORD_RE = re.compile(r"[A-Z][a-z]+(?:['’\-][A-Za-z]+)*")
_OPENERS = ".!?:\"“‘'(—–-|;"


def truecase_words() -> frozenset[str]:
    """Words a Title Case line lower-cases (``data/truecase_words.txt``), loaded once."""
    return word_list("truecase_words.txt")


def truecase(text: str, words: frozenset[str]) -> str:
    """``text`` with the ordinary words of its Title Case lines in lower case.

    In "Trump Again Misunderstands California's Wildfires" every word looks like a name;
    recognisers read "Trump again misunderstands California's wildfires" far better. Only
    listed words (written in lower case at least three times as often as capitalised in
    running news text) change, never a line's first word or one after a colon or quote, and
    only their first letter: the result has the same length, so offsets carry over.
    """
    if "\n" in text:
        return "\n".join(truecase(line, words) for line in text.split("\n"))
    if not is_title_case(text, 0.7):
        return text
    chars = list(text)
    for m in _TC_WORD_RE.finditer(text):
        if m.group().lower() not in words:
            continue
        before = text[: m.start()].rstrip()
        if before and before[-1] not in _OPENERS:
            chars[m.start()] = chars[m.start()].lower()
    return "".join(chars)


@functools.lru_cache(maxsize=8192)
def is_title_case(line: str, share: float = 0.85) -> bool:
    """A Title Case line: nearly every longer word capitalised. Stricter than the places
    component's test, because a short sentence full of names ("Miami Dolphins fell to the
    Browns") must still count as running text here."""
    words = [w for w in line.split() if len(w) > 3 and w.isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= share * len(words)
