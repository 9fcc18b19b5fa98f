"""Places → countries: gazetteer matching over capitalised runs, disambiguated in context.

Each capitalised run of a field (kicker, headline, teaser, body) is looked up longest-first
in the :class:`~storyline.understand.gazetteer.Gazetteer`. Countries, their aliases and
demonyms ("Peruvian" → PE) count at once. Regions and cities are chosen among their
candidates by population and by the countries and regions the same item names ("Lagos" is
Nigeria unless the item names Portugal), then kept only with enough support:

* names that are also common words ("Police", "Hurricane", "Mobile") need the recogniser to
  call them a place, a dateline, or a same-country mention together with a preposition;
* small towns need a same-country mention together with a preposition, a following region
  ("Jamshoro, Sindh") or the recogniser's word;
* anything inside a larger person or organisation name is dropped ("Bank of America");
* a city the recogniser calls an organisation at exactly that span needs support ("Toyota
  expected to settle…"), and a place that counts takes the mention from the person or
  organisation fact ("Route 9 in Chester"): one reading per mention;
* US postal codes ("AZ") count only after "Town, ", in a dateline or after a preposition.

Datelines ("LONDON (Reuters) -") and kickers count as strong support.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from storyline.model import Fact, Item
from storyline.understand.entities import SharedRecognizer, Span, _clean, field_text
from storyline.understand.gazetteer import (
    Gazetteer,
    Place,
    Token,
    default_gazetteer,
    iter_candidate_spans,
    tokenize,
)
from storyline.understand.name_context import sports_team_at
from storyline.understand.name_edges import CALENDAR

PREPOSITIONS = frozenset(
    """in from at near to outside across around into towards toward via within throughout
    across en em no na nos nas desde hacia para bei aus nach im""".split()
)
_DATELINE_RE = re.compile(
    r"^\s*([A-ZÀ-Þ][A-ZÀ-Þ.'’ \-]{1,40}?)(?:,\s*([A-Z][\w.'’ \-]{1,30}?))?"
    r"\s*(?:\([^)]{1,40}\))?\s*(?:--|[-—–])\s"
)
_ABBREV_BEFORE_RE = re.compile(r"[A-Z][\w.'’\-]*,\s$")
# A town before a postal code: "Gilbert, AZ", "MACKINAW CITY, MI" opening a text.
_TOWN_BEFORE_RE = re.compile(r"(?:\b[A-Z][a-z][\w'’\-]*|^[A-Z][A-Z .'’\-]+),\s$")
# Entity labels whose spans hide place names inside them ("Bank of America", "Paris Hilton").
_VETO_LABELS = frozenset({"PERSON", "ORG", "FAC", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW",
                          "MISC"})
_SUPPORT_LABELS = frozenset({"GPE", "LOC", "NORP"})
_STRONG_KINDS = frozenset({"country", "demonym", "continent"})


@dataclass(slots=True)
class _Mention:
    field: str
    start: int
    end: int
    surface: str
    candidates: list[Place]
    prep: bool = False
    dateline: bool = False
    kicker: bool = False
    ner_support: bool = False
    person_exact: bool = False
    org_exact: bool = False  # the recogniser calls exactly this span an organisation
    beside_name: bool = False  # a capitalised non-place word touches it ("Martin Vizcarra")
    abbrev_ok: bool = False
    chosen: Place | None = None
    reasons: list[str] = dc_field(default_factory=list)


def _titlecase(tokens: list[Token]) -> bool:
    """True for Title Case Headlines, where capitals say nothing about names."""
    words = [t.text for t in tokens if len(t.text) > 3 and t.text.isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


class PlacesComponent:
    """Adds ``place`` facts: ISO 3166-1 country, ISO 3166-2 region where known, provenance."""

    name = "places"
    requires: tuple[str, ...] = ("headline", "teaser", "kicker")
    provides: tuple[str, ...] = ("facts",)

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        recognizer: SharedRecognizer | None = None,
        body_chars: int = 1000,
    ) -> None:
        self._gazetteer = gazetteer
        self.recognizer = recognizer
        self.body_chars = body_chars

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer, loaded on first use."""
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    # -- finding mentions -------------------------------------------------------------------

    def _ner_spans(self, item: Item) -> dict[str, list[Span]]:
        """Spans the recogniser already found for this item, per field (none if not run)."""
        if self.recognizer is None:
            return {}
        ft = field_text(item, self.body_chars)
        spans = self.recognizer.peek(ft.text) if ft.text else None
        by_field: dict[str, list[Span]] = {}
        for span in spans or ():
            where = ft.locate(span.start, span.end)
            if where is not None:
                by_field.setdefault(where[0], []).append(
                    Span(where[1], where[2], span.label, span.text)
                )
        return by_field

    def _scan(self, fld: str, text: str, spans: list[Span]) -> list[_Mention]:
        """Find gazetteer mentions in one field, longest match first, with their support."""
        gaz = self.gazetteer
        tokens = tokenize(text)
        # An all-capitals text says nothing about names; counted in C (map), not per char.
        upper = sum(map(str.isupper, text))
        letters = sum(map(str.isalpha, text)) if upper > 12 else 0
        shouting = letters > 20 and upper > 0.6 * letters
        mentions: list[_Mention] = []
        dateline = _DATELINE_RE.match(text) if fld in ("teaser", "body") else None
        if dateline:
            for group in (1, 2):
                if dateline.group(group) and gaz.lookup(dateline.group(group)):
                    start = dateline.start(group)
                    mentions.append(_Mention(fld, start, dateline.end(group),
                                             dateline.group(group),
                                             gaz.lookup(dateline.group(group)), dateline=True))
        if shouting:
            return mentions
        titlecase = _titlecase(tokens)
        next_free = 0
        used_starts = {m.start for m in mentions}
        for i, k in iter_candidate_spans(text, tokens, gaz.max_tokens):
            if i < next_free or tokens[i].start in used_starts:
                continue
            start, end = tokens[i].start, tokens[k].end
            surface = text[start:end]
            candidates: list[Place] = []
            if text[end : end + 1] == ".":  # "Pa.", "U.S." keep their final dot
                candidates = gaz.lookup(surface + ".")
                if candidates:
                    end += 1
                    surface += "."
            if not candidates:
                candidates = gaz.lookup(surface)
            if not candidates:
                continue
            next_free = k + 1
            m = _Mention(fld, start, end, surface, candidates, kicker=fld == "kicker")
            prev = tokens[i - 1] if i > 0 else None
            m.prep = prev is not None and prev.text.lower() in PREPOSITIONS
            m.abbrev_ok = bool(_ABBREV_BEFORE_RE.search(text[max(0, start - 40) : start]))
            if m.abbrev_ok and "." not in surface:  # "Gilbert, AZ", not "HD-XR, SD"
                m.abbrev_ok = bool(_TOWN_BEFORE_RE.search(text, max(0, start - 40), start))
            if not titlecase:
                nxt = tokens[k + 1] if k + 1 < len(tokens) else None
                before = prev is not None and prev.text[:1].isupper() and not m.prep and (
                    not text[prev.end : start].strip()) and i > 0 and not (
                    gaz.lookup(prev.text)) and not _sentence_start(text, prev.start)
                after = nxt is not None and nxt.text[:1].isupper() and text[
                    end : nxt.start] == " " and not gaz.lookup(nxt.text)
                m.beside_name = before or after
            if not titlecase and _ORGLIKE_NEXT_RE.match(text, end) and not gaz.lookup(
                    text[end:].split(None, 1)[0] if text[end:].strip() else ""):
                continue  # "the Houston Astros", "New York Times": a name, not a place
            head = _HEAD_NEXT_RE.match(text, end)
            if head and head.group(1) in _NAME_HEADS:
                continue  # "Norfolk Street", "Georgia Southern", "Boston Logan Airport"
            if surface in CALENDAR and not m.dateline:
                continue  # "in August", "May": months, not Augusta's namesakes
            if surface in ("US", "U.S.") and re.match(r" \d", text[end : end + 2]):
                continue  # "U.S. 1", "US 421": a highway
            if fld != "kicker" and sports_team_at(text, start, end) and not any(
                    c.kind in ("country", "demonym", "continent") for c in candidates):
                continue  # "No. 13 Minnesota", "Michigan football": a team, not the place
            for span in spans:
                if span.start <= start and end <= span.end:
                    if span.label in _SUPPORT_LABELS:
                        m.ner_support = True
                    elif span.label in _VETO_LABELS and (span.end - span.start > end - start):
                        m.candidates = []  # inside a larger name: not a place mention
                    elif span.label == "PERSON":
                        m.person_exact = True
                    elif span.label == "ORG":
                        m.org_exact = True
            if m.candidates:
                mentions.append(m)
        return _widen(mentions, text, spans, gaz)

    # -- deciding ---------------------------------------------------------------------------

    def _score(self, place: Place, countries: set[str], regions: set[str]) -> float:
        base = {"country": 10.0, "demonym": 10.0, "continent": 9.0, "region": 6.0,
                "county": 5.0}.get(
            place.kind, math.log10(place.population + 10)
        )
        if place.capital:
            base += 1
        if place.secondary:
            base -= 4
        if place.country and place.country in countries:
            base += 20
        if place.region and place.region in regions:
            base += 10
        return base

    def _accept(self, m: _Mention, p: Place, countries: set[str], regions: set[str]) -> bool:
        """Whether a mention's chosen place has enough support to count; records why."""
        gaz = self.gazetteer
        context = bool(p.country and p.country in countries) or bool(
            p.region and p.region in regions)
        if p.abbrev and "." not in m.surface:
            # A postal code ("AZ", "CA") only after "Gilbert, ", in a dateline, or after a
            # preposition in an item about its country ("in NC"): alone it is too often
            # something else ("VA" hospitals, "CA" for chartered accountant).
            if m.abbrev_ok or m.dateline or (m.prep and context):
                m.reasons.append("dateline" if m.dateline else "abbreviation")
                return True
            return False
        if p.abbrev and not (m.abbrev_ok or m.dateline) and m.surface.count(".") < 2:
            return False  # "Pa." only after "Erie, "; "N.J." stands alone
        strong = m.dateline or m.kicker or m.ner_support
        for flag, reason in ((m.dateline, "dateline"), (m.kicker, "kicker"),
                             (m.ner_support, "recogniser"), (context, "same-country"),
                             (m.prep, "preposition")):
            if flag:
                m.reasons.append(reason)
        if p.kind in _STRONG_KINDS:
            return not m.person_exact or strong or context
        if m.person_exact and not (m.prep or m.dateline):
            return False
        near = context if p.kind != "city" else bool(p.region and p.region in regions)
        if (m.org_exact and not (strong or m.prep or near) and p.population < 1_000_000
                and not m.surface.isupper()):
            # "Toyota expected to settle…": the company, not the city. The country named
            # elsewhere is too little ("Japanese car maker … Toyota"); its state or province
            # ("Sacramento man … Sacramento County") is enough.
            return False
        if m.surface.isupper() and len(m.surface) <= 4 and not (strong or context):
            return False  # an acronym that spells a place: "TAK Editions" is not Tak, Thailand
        if gaz.is_common_word(m.surface) or (p.kind == "city" and len(m.surface) <= 3):
            # The recogniser alone is not enough for a common word: it rightly calls "the
            # East" or "the Deep South" a location, which makes them no more Cameroon's
            # regions. Without the country in the item, only a large city after a
            # preposition ("in Reading") is taken.
            if m.dateline or m.kicker:
                return True
            if context:
                return m.prep or m.ner_support
            return (m.ner_support and m.prep and p.kind == "city"
                    and p.population >= 100_000 and not p.secondary)
        if p.kind in ("region", "county"):
            return not m.beside_name or strong or context
        population = p.population // 10 if p.secondary else p.population
        if population >= 1_000_000 or (p.capital and not p.secondary):
            return not m.beside_name or strong or context
        if population >= 100_000:
            return strong or context or m.prep or not m.beside_name
        if population >= 15_000:
            return strong or context or (m.prep and not m.beside_name)
        return m.dateline or (context and (m.prep or m.ner_support)) or (m.ner_support and m.prep)

    def __call__(self, item: Item) -> Item:
        """Find the item's places and append one fact per distinct place."""
        spans = self._ner_spans(item)
        mentions: list[_Mention] = []
        fields = [("kicker", item.kicker or ""), ("headline", item.headline),
                  ("teaser", item.teaser), ("body", item.body[: self.body_chars])]
        for fld, text in fields:
            if text:
                mentions.extend(self._scan(fld, text, spans.get(fld, [])))
        # A town named like the surname of a person the item names in full is that person
        # ("Dick Anderson … Anderson", "Barack Obama … to Obama"), dateline or kicker apart.
        surnames = {sp.text.split()[-1] for fs in spans.values() for sp in fs
                    if sp.label == "PERSON" and " " in sp.text.strip()}
        if surnames:
            mentions = [m for m in mentions if m.surface not in surnames or m.dateline
                        or m.kicker or any(c.kind not in ("city", "county")
                                           for c in m.candidates)]
        countries: set[str] = set()
        regions: set[str] = set()
        # Countries, demonyms and continents first: they are the context for the rest.
        for m in mentions:
            if not all(c.kind in _STRONG_KINDS for c in m.candidates):
                continue  # "Georgia", "Mexico": wait for the context
            best = max(m.candidates, key=lambda p: self._score(p, countries, regions))
            if self._accept(m, best, countries, regions):
                m.chosen = best
                if best.country:
                    countries.add(best.country)
        # Then regions and cities, twice, so that "Jamshoro, Sindh" supports either way.
        for _ in range(2):
            for m in mentions:
                if m.chosen is not None:
                    continue
                best = max(m.candidates, key=lambda p: self._score(p, countries, regions))
                m.reasons = []
                if self._accept(m, best, countries, regions):
                    m.chosen = best
                    if best.country:
                        countries.add(best.country)
                    if best.region and best.kind != "continent":
                        regions.add(best.region)
        # One name, one reading: a lone word the recogniser called a person or organisation
        # ("Gilbert homeowner warns…") is the place that the item's dateline, kicker or a
        # preposition names with the same word ("GILBERT, AZ"), unless a person named in
        # full has it as surname (handled above).
        firm = {m.surface: m.chosen for m in mentions if m.chosen is not None
                and (m.dateline or m.kicker or m.prep)}
        for m in mentions:
            if m.chosen is None and m.surface in firm and (m.person_exact or m.org_exact):
                m.chosen = firm[m.surface]
                m.reasons = ["same-name"]
        chosen = [m for m in mentions if m.chosen is not None]
        _release_names(item, chosen)
        return self._emit(item, chosen)

    def _emit(self, item: Item, mentions: list[_Mention]) -> Item:
        groups: dict[tuple[str, str, str, int], list[_Mention]] = {}
        for m in mentions:
            p = m.chosen
            assert p is not None
            if p.kind == "demonym" and not p.country:
                continue  # "Latin American", "European": no single country
            groups.setdefault((p.kind, p.country, p.region, p.geonameid), []).append(m)
        for (kind, country, region, geonameid), group in groups.items():
            first = group[0]
            place = first.chosen
            assert place is not None
            extra: dict[str, Any] = {
                "kind": kind,
                "name": place.name,
                "region": region if kind != "continent" else "",
                "geonameid": geonameid or None,
                "surfaces": list(dict.fromkeys(m.surface for m in group)),
                "mentions": [{"field": m.field, "start": m.start, "end": m.end,
                              "surface": m.surface} for m in group],
                "support": sorted({r for m in group for r in m.reasons}),
            }
            if kind == "continent":
                extra["continent"] = region
            item.facts.append(
                Fact(kind="place", value=country, surface=first.surface, field=first.field,
                     start=first.start, end=first.end, component=self.name,
                     confidence=_confidence(place, group), extra=extra)
            )
        return item


# A place name followed by one of these is the start of a street, school or facility name.
_HEAD_NEXT_RE = re.compile(r"(?: [A-Z][\w.'’]*)? ([A-Z][a-z]+\.?)")
_NAME_HEADS = frozenset("""Street St. Avenue Ave. Road Rd. Boulevard Blvd. Drive Lane Parkway
    Expressway Turnpike University College Southern Tech Academy Stadium Arena Airport
    Hospital Clinic""".split())
# " Astros", " Times": a capitalised plural right after a place name makes it a team or firm.
_ORGLIKE_NEXT_RE = re.compile(r" [A-Z][a-z]*[^s\W]s\b(?![’'])")


def _widen(mentions: list[_Mention], text: str, spans: list[Span],
           gaz: Gazetteer) -> list[_Mention]:
    """Let a recogniser's place span that holds gazetteer mentions become one mention.

    "South Florida", "Palm Beach County", "Greater Houston": the recogniser found the full
    name, the gazetteer the place inside it; keep the full surface, the inner place's
    candidates (the rightmost not-common one) and the recogniser's support.
    """
    for span in spans:
        if span.label not in ("GPE", "LOC"):
            continue
        inside = [m for m in mentions if span.start <= m.start and m.end <= span.end]
        if not inside or (len(inside) == 1 and (inside[0].start, inside[0].end) == (
                span.start, span.end)):
            continue
        useful = [m for m in inside if not gaz.is_common_word(m.surface)]
        if not useful:
            continue
        core = useful[-1]
        lo = span.start + 4 if text[span.start : span.start + 4].lower() == "the " else span.start
        merged = _Mention(core.field, lo, span.end, text[lo : span.end],
                          core.candidates, prep=inside[0].prep, dateline=core.dateline,
                          kicker=core.kicker, ner_support=True)
        mentions = [m for m in mentions if m not in inside] + [merged]
    return sorted(mentions, key=lambda m: m.start)


def _release_names(item: Item, places: list[_Mention]) -> None:
    """One reading per mention: a person or organisation mention at exactly the span of an
    accepted place mention ("Sacramento man", "in Chester", "GILBERT, AZ") is the place.

    The recogniser's PERSON or ORG reading of a lone place name vetoes nothing (only longer
    names do), so a place with support and the same span's person or organisation would both
    be claimed; the place's support (a dateline, a preposition, its country in the item) is
    the better evidence. The entities component's fact loses that mention, and the whole
    fact when no mention is left.
    """
    if not places or not item.facts:
        return
    spots = {(m.field, m.start, m.end) for m in places}
    # A name inside a dateline's place is a piece of it ("LOUIS" of "ST. LOUIS   There…").
    datelines = [(m.field, m.start, m.end) for m in places if m.dateline]
    kept: list[Fact] = []
    for fact in item.facts:
        if fact.kind not in ("person", "org") or fact.component != "entities":
            kept.append(fact)
            continue
        mentions = fact.extra.get("mentions", [])
        left = [x for x in mentions if (x["field"], x["start"], _bare_end(x)) not in spots
                and not any(f == x["field"] and a <= x["start"] and _bare_end(x) <= b
                            for f, a, b in datelines)]
        if len(left) == len(mentions):
            kept.append(fact)
        elif left:
            first = min(left, key=lambda x: (x["field"] != "headline", x["start"]))
            surfaces = list(dict.fromkeys(x["surface"] for x in left))
            value = fact.value
            if not any(value in _clean(x) for x in surfaces):
                value = max((_clean(x) for x in surfaces), key=len)
            kept.append(dataclasses.replace(
                fact, value=value, surface=first["surface"], field=first["field"],
                start=first["start"], end=first["end"],
                extra={**fact.extra, "mentions": left, "surfaces": surfaces}))
    item.facts[:] = kept


def _bare_end(mention: dict[str, Any]) -> int:
    """A mention's end without a possessive ("Sacramento's" ends where "Sacramento" does)."""
    surface = mention["surface"]
    if surface.endswith(("'s", "’s")):
        return int(mention["end"]) - 2
    return int(mention["end"])


def _sentence_start(text: str, pos: int) -> bool:
    """True when ``pos`` begins the text or follows a sentence end."""
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:;\"“‘(—–-"


def _confidence(place: Place, group: list[_Mention]) -> float:
    """A rough, documented confidence: how much the kind of name and its support say."""
    if place.kind in ("country", "continent"):
        base = 0.95
    elif place.kind == "demonym":
        base = 0.7 if place.country == "US" else 0.8
    elif place.kind == "region":
        base = 0.85
    else:
        base = 0.9 if place.population >= 1_000_000 else 0.75
    if any(m.reasons for m in group):
        base = min(0.99, base + 0.05)
    return round(base, 2)
