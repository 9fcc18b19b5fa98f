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

A fourth source is graded rather than a list: how a word is used in a large English web
corpus (``word_usage.npz``, from spaCy's lookup tables by ``scripts/build_word_usage.py``):
how much more often it is written capitalised than in lower case ("Justin" +2.4 in natural
log, "Opener" -3.7, "Langer" +0.3, which no list holds), how common it is, and the class of
its Brown cluster, which groups words used alike (given names, family names, verbs ...).
"""

from __future__ import annotations

import functools
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import numpy as np

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


# Log-probability given to a form the usage table does not hold (spaCy's own out-of-
# vocabulary value): a little below the rarest form kept. The file marks such a form with
# ``_ABSENT_IN_FILE`` (tenths, as it stores every log-probability).
_ABSENT_LOG_PROB = -20.5
_ABSENT_IN_FILE = -999
# Classes of Brown cluster in the usage table (its first 4 bits): one column each.
N_CLUSTER_CLASSES = 16
USAGE_WIDTH = 3 + N_CLUSTER_CLASSES


class WordUsage:
    """The usage table (``scripts/build_word_usage.py``): per lower-case word, the
    log-probability of its capitalised and lower-case forms and their cluster classes."""

    def __init__(self, path: Path | None = None) -> None:
        with ExitStack() as stack:
            if path is None:
                ref = resources.files("storyline.understand") / "data" / "word_usage.npz"
                path = stack.enter_context(resources.as_file(ref))
            data = stack.enter_context(np.load(path, allow_pickle=False))
            words = data["words"].tobytes().decode("utf-8").split("\n")
            self.index = dict(zip(words, range(len(words)), strict=True))
            # Plain lists: one element read per distinct token, faster than numpy scalars.
            self.cap_logprob = _log_probs(data["cap_logprob"])
            self.lower_logprob = _log_probs(data["lower_logprob"])
            self.cap_class = data["cap_class"].tolist()
            self.lower_class = data["lower_class"].tolist()
            self.cap_cluster = data["cap_cluster"].tolist()
            self.lower_cluster = data["lower_cluster"].tolist()
            # The clusters' stored integers (the bit path reversed: its first bits lowest).
            self.cluster_paths = data["cluster_paths"].astype(np.int64)

    def features(self, core: str) -> tuple[float, ...]:
        """(capitalised-vs-lower log ratio / 3, frequency, known) and a one-hot of the
        cluster class of the token's own form (capitalised or lower case); all zero for a
        word the table does not hold."""
        out = [0.0] * USAGE_WIDTH
        if not core[:1].isalpha():
            return tuple(out)
        i = self.index.get(without_possessive(core).lower())
        if i is None:
            return tuple(out)
        cap = self.cap_logprob[i]
        low = self.lower_logprob[i]
        # Clipped: past a factor of e^6 either way the word's habit is settled.
        out[0] = max(-6.0, min(6.0, cap - low)) / 3.0
        out[1] = (max(cap, low) - _ABSENT_LOG_PROB) / 10.0
        out[2] = 1.0
        own, other = self.cap_class[i], self.lower_class[i]
        if not core[:1].isupper():
            own, other = other, own
        cls = own if own >= 0 else other
        if cls >= 0:
            out[3 + cls] = 1.0
        return tuple(out)

    def cluster(self, core: str) -> int:
        """The number of the Brown cluster of the token's own form (capitalised or lower
        case; the other form's when its own has none) into ``cluster_paths``, -1 when the
        table does not hold the word or neither form has a cluster."""
        if not core[:1].isalpha():
            return -1
        i = self.index.get(without_possessive(core).lower())
        if i is None:
            return -1
        own, other = self.cap_cluster[i], self.lower_cluster[i]
        if not core[:1].isupper():
            own, other = other, own
        return int(own if own >= 0 else other)


def _log_probs(tenths: np.ndarray) -> list[float]:
    """The file's log-probabilities (in tenths) as floats, absent forms at the OOV value."""
    values: list[float] = np.where(tenths == _ABSENT_IN_FILE, _ABSENT_LOG_PROB,
                                   tenths / 10.0).tolist()
    return values


@functools.cache
def word_usage_table() -> WordUsage:
    """The shipped usage table, read once per process."""
    return WordUsage()


def word_usage(core: str) -> tuple[float, ...]:
    """How the word is used in English text (see :meth:`WordUsage.features`)."""
    return word_usage_table().features(core)


def load_lists() -> None:
    """Read the lists and the usage table now (they are read once, on first use otherwise),
    so a loaded splitter's first line pays no loading time and the load time says what
    loading costs."""
    ordinary_words()
    given_names()
    place_words()
    word_usage_table()


def without_possessive(word: str) -> str:
    """The word without a possessive "'s" ("Peru's" -> "Peru"): the lists and the usage
    table hold the bare word."""
    return word[:-2] if word.lower().endswith(("'s", "’s")) else word


def word_knowledge(core: str) -> tuple[float, float, float]:
    """(ordinary word, given name, place) for a token stripped of punctuation: whether its
    lower-case form is an ordinary English word, whether it is a given name (in any case:
    "JUSTIN" too) and whether its folded form names a place."""
    if not core[:1].isalpha():
        return 0.0, 0.0, 0.0
    bare = without_possessive(core)
    return (
        float(core.lower() in ordinary_words()),
        float(bare in given_names() or bare.capitalize() in given_names()),
        float(fold(bare) in place_words()),
    )
