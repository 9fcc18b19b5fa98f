"""Corrections to any recogniser's spans for names it is known to get wrong, from a small list.

Both recognisers (spaCy's small English model and the fast one distilled from it) make the
same kinds of mistakes on news, whatever the source:

* sports teams are called people or places ("Dolphins", "Browns" as PERSON, "Miami" alone
  as a place in "Miami Dolphins"); a team is an organisation, with its city in the name;
* parties are nationalities or nothing ("Democrats" as NORP);
* platforms and companies whose names are words or surnames are people ("Twitter");
* a news agency's credit ("(AP)", "Reuters -") is an organisation mention, although it says
  who distributed the item, not what it is about;
* a Title Case headline's ordinary words become names ("Lose Weight", "Newsletters").

:func:`refine` applies the corrections to the spans of one text; the names come from
``data/orgs.tsv`` (hand-kept, classes explained there). The rules look at capitalisation and
at the words around a name only, so they hold for items the list was not written from.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from importlib import resources

from storyline.understand.entities import Span
from storyline.understand.name_edges import (
    CALENDAR,
    LEADING_RE,
    cut_at_of,
    cut_at_sentence_end,
    strip_edges,
)
from storyline.understand.truecase import is_title_case, word_list

_CITY_WORD = r"(?:[A-Z][\w.'’\-]*|of|de)"
_lock = threading.Lock()
_TABLES: list[tuple[dict[str, str], re.Pattern[str]]] = []


def _tables() -> tuple[dict[str, str], re.Pattern[str]]:
    """The name → class table and one regex finding any listed name, loaded once."""
    with _lock:
        if not _TABLES:
            data = resources.files("storyline.understand") / "data" / "orgs.tsv"
            classes: dict[str, str] = {}
            for line in data.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    name, cls = line.split("\t")
                    classes[name] = cls
            names = sorted(classes, key=len, reverse=True)
            pattern = re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, names))
                                 + r")(?![\w\-])")
            _TABLES.append((classes, pattern))
        return _TABLES[0]


def listed_names() -> tuple[dict[str, str], re.Pattern[str]]:
    """The ``data/orgs.tsv`` name → class table and a regex finding any listed name."""
    return _tables()


def _given() -> frozenset[str]:
    """Given names (``data/first_names.txt``, US Census 1990)."""
    return word_list("first_names.txt")


def _name_cities() -> frozenset[str]:
    """City names that are also people's names (``data/name_cities.txt``)."""
    return word_list("name_cities.txt")


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return lo, len(text) if hi < 0 else hi


def _city_before(text: str, start: int, spans: list[Span], is_place: Callable[[str], bool]) -> int:
    """Start of a place name right before ``start`` ("Miami " Dolphins), or -1."""
    before = text[max(0, start - 40) : start]
    m = re.search(rf"((?:{_CITY_WORD}\s){{1,3}})$", before)
    if not m:
        return -1
    words = m.group(1).split()
    for k in range(len(words), 0, -1):
        name = " ".join(words[-k:])
        lo = start - len(" ".join(words[-k:])) - 1
        if name[:1].isupper() and (is_place(name) or any(
                s.start == lo and s.label in ("GPE", "LOC") for s in spans)):
            return lo
    return -1


def refine(text: str, spans: list[Span], is_place: Callable[[str], bool],
           common: frozenset[str] = frozenset(),
           place_kind: Callable[[str], str] = lambda name: "") -> list[Span]:
    """Apply the corrections to the spans of ``text`` and return the new span list.

    ``is_place`` says whether a capitalised name is a place (teams take the place before
    them into their name); ``common`` holds words usually written in lower case, used to
    drop names made of ordinary words in Title Case lines or at a sentence start;
    ``place_kind`` gives a word's gazetteer kind as :func:`fastner.place_cue` does
    ("country", "region", "city+" for a city of 100,000 or more…, "" for none).
    """
    classes, pattern = _tables()
    fixed: list[Span] = []
    drop: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        name, cls = m.group(), classes[m.group()]
        start, end = m.span()
        lo, hi = _line_bounds(text, start)
        line = text[lo:hi]
        sentence_case = not is_title_case(line)
        prev = text[max(lo, start - 4) : start]
        if cls == "agency":
            after = text[end : end + 4]
            if (prev.endswith("(") and after.startswith(")")) or (
                    start == lo and re.match(r"\s*(?:--|[-—–])\s", after)):
                drop.append((start, end))  # a credit, not a mention
            continue
        if cls.startswith("team"):
            city = _city_before(text, start, spans, is_place)
            the = prev.endswith("the ") and sentence_case
            ok = {"team": city >= 0 or sentence_case or _elsewhere(text, name, lo, hi),
                  "team-the": city >= 0 or the,
                  "team-city": city >= 0}[cls]
            if ok:
                fixed.append(Span(city if city >= 0 else start, end, "ORG",
                                  text[city if city >= 0 else start : end]))
            continue
        if cls == "company" and prev.endswith("the "):
            continue  # "the Amazon" is the river
        if any(s.start <= start and end <= s.end and (s.start, s.end) != (start, end)
               for s in spans):
            continue  # inside a longer name: "Harrison Ford", "Apple Music", "GOP leaders"
        if sentence_case or any((s.start, s.end) == (start, end) for s in spans) or (
                cls == "company" and _ordinary_next(text[end:hi], common)):
            fixed.append(Span(start, end, "ORG", name))
    fixed.extend(f for f in _org_runs(text, spans) if not any(_overlap(f, x) for x in fixed))
    out: list[Span] = []
    for span in spans:
        if any(_overlap(span, f) for f in fixed) or (span.start, span.end) in drop:
            continue
        trimmed = _trim_ordinary(text, span, common, classes)
        if trimmed is not None:
            out.append(trimmed)
    out.extend(fixed)
    out = _not_names(text, [strip_edges(cut_at_of(cut_at_sentence_end(s))) for s in out],
                     common, place_kind)
    out = _places_after_prepositions(text, out, place_kind)
    out = _given_names(out, common, place_kind, classes)
    out = _join_people(text, out, common, place_kind, classes)
    out = _consistent_people(text, out, common, place_kind)
    return sorted(out, key=lambda s: (s.start, s.end))


_NEXT_WORD_RE = re.compile(r" ([A-Z][\w'’\-]*[a-z])(?![\w\-])")
_PREV_WORD_RE = re.compile(r"(?<![\w.'’\-])([A-Z][a-z][\w'’\-]*) $")


def _join_people(text: str, spans: list[Span], common: frozenset[str],
                 place_kind: Callable[[str], str], listed: Mapping[str, str]) -> list[Span]:
    """Put names broken apart together again: two person spans with one space between them
    ("Timothée" + "Chalamet"), a given name alone followed by a surname-shaped word no span
    holds ("Gregor" + "Gillespie"), and a given name no span holds before a one-word person
    ("Nate" + "Diaz"). The added word must be no ordinary word, place or listed name."""
    given = _given()
    spans = sorted(spans, key=lambda s: (s.start, s.end))

    def free(start: int, end: int) -> bool:
        return not any(s.start < end and start < s.end for s in spans)

    def namelike(word: str) -> bool:
        return (_NAME_TOKEN_RE.match(word) is not None and word not in CALENDAR
                and not any(w.lower() in common for w in word.split("-"))
                and not place_kind(word) and word not in listed)

    out: list[Span] = []
    for span in spans:
        prev = out[-1] if out else None
        if (prev is not None and span.label == "PERSON" and prev.label == "PERSON"
                and text[prev.end : span.start] == " "
                and min(len(prev.text.split()), len(span.text.split())) == 1
                and len(prev.text.split()) + len(span.text.split()) <= 3
                and not prev.text.isupper() and not span.text.isupper()
                and prev.text.lower() not in common and span.text.lower() not in common):
            out[-1] = Span(prev.start, span.end, "PERSON", text[prev.start : span.end])
            continue
        if span.label == "PERSON" and " " not in span.text:
            nxt = _NEXT_WORD_RE.match(text, span.end)
            if (span.text in given and nxt and free(nxt.start(1), nxt.end(1))
                    and namelike(nxt.group(1))
                    and not place_kind(text[span.start : nxt.end(1)])):
                span = Span(span.start, nxt.end(1), "PERSON", text[span.start : nxt.end(1)])
            else:
                before = _PREV_WORD_RE.search(text, max(0, span.start - 30), span.start)
                if (before and before.group(1) in given and free(before.start(1), span.start)
                        and before.group(1).lower() not in common
                        and _NAME_TOKEN_RE.match(span.text)
                        and span.text.lower() not in common
                        and not place_kind(text[before.start(1) : span.end])):
                    span = Span(before.start(1), span.end, "PERSON",
                                text[before.start(1) : span.end])
        out.append(span)
    return out


# Words that end an organisation's name; a run of capitalised words ending in one is one name
# ("Immigration and Customs Enforcement", "City of Milwaukee Department of Public Works").
_ORG_HEADS = (
    "Administration|Agency|Association|Authority|Bank|Board|Bureau|Club|College|Commission|"
    "Committee|Company|Corp\\.?|Corporation|Council|Court|Department|Enforcement|Foundation|"
    "Group|Hospital|Inc\\.?|Institute|League|Ltd\\.?|Network|Office|Party|Patrol|Police|"
    "Service|Services|Society|Union|University|Works|Schools|Academy|Safety|Elections|"
    "(?:School|Fire|Water|Transit|Unified|Independent) District"
)
_NAME_WORD = r"(?:[A-Z][\w&'’.\-]*|&)"
_ORG_RUN_RE = re.compile(
    rf"{_NAME_WORD}(?:(?:\s+(?:of|and|for|the|on|de|&|'s|’s))*\s+{_NAME_WORD})*"
    rf"\s+(?:{_ORG_HEADS})(?![\w\-])"
)



def _org_runs(text: str, spans: list[Span]) -> list[Span]:
    """Organisation names a recogniser broke apart, rebuilt from capitalised runs.

    A run of capitalised words (with "of", "and", "'s"… between them) that ends in a word
    such as "Department" or "Enforcement" and overlaps an ORG span becomes one ORG span, in
    running text; in a Title Case line only when the run starts where the ORG span starts
    (there every word is capitalised, so the run says nothing about where a name begins).
    Runs holding a person are left alone ("Trump Administration").
    """
    out: list[Span] = []
    for m in _ORG_RUN_RE.finditer(text):
        start, end = m.span()
        lead = LEADING_RE.match(m.group())
        if lead:
            start += lead.end()
        if "\n" in text[start:end] or end - start < 4:
            continue
        inside = [s for s in spans if s.start < end and start < s.end]
        orgs = [s for s in inside if s.label == "ORG"]
        if not orgs or any(s.label == "PERSON" for s in inside):
            continue
        if any(s.start < start or s.end > end for s in inside):
            continue  # a span reaching out of the run: leave the recogniser's reading
        lo, hi = _line_bounds(text, start)
        if is_title_case(text[lo:hi]) and not any(s.start == start for s in orgs):
            continue
        if len(inside) == 1 and (orgs[0].start, orgs[0].end) == (start, end):
            continue
        out.append(Span(start, end, "ORG", text[start:end]))
    return out


def _ordinary_next(rest: str, common: frozenset[str]) -> bool:
    """True when the line goes on with an ordinary word or ends: "Twitter Introduces…" in a
    Title Case headline names the company, "Apple Pie" (a name going on) does not."""
    m = re.match(r"(?:['’]s)?\s*([\w\-]*)", rest)
    word = m.group(1) if m else ""
    return not word or word.lower() in common


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _elsewhere(text: str, name: str, lo: int, hi: int) -> bool:
    """True when ``name`` also appears outside the line [lo, hi) (headline vs teaser)."""
    return name in text[:lo] or name in text[hi:]


def _trim_ordinary(text: str, span: Span, common: frozenset[str],
                   listed: Mapping[str, str]) -> Span | None:
    """Drop ordinary words a name picked up where capitals say nothing; None if none is left.

    In a Title Case headline or at the start of a sentence, "Lose Weight", "Newsletters" or
    "Grandma" are names made only of words usually written in lower case: dropped. A
    person's name there also loses ordinary words at its edges ("Chris Martin Join",
    "Crunching Cowboys"); organisations keep theirs ("Cleveland Clinic"). Companies named
    with a common word ("Apple Unveils…") come back through the list of names afterwards.
    """
    if span.label not in ("PERSON", "ORG") or not common:
        return span
    lo, hi = _line_bounds(text, span.start)
    before = text[lo : span.start].rstrip()
    title = is_title_case(text[lo:hi])
    if not (title or not before or before[-1] in ".!?:\"“"):
        # Mid-sentence, a lone ordinary word is an organisation only as "the House": a
        # capital alone ("an Update", "Office hours") says too little.
        word = span.text.strip(",.;:")
        if (span.label == "ORG" and " " not in word and not word.isupper()
                and word.lower() in common and not before.endswith(("the", "The"))
                and word not in listed):  # listed names (teams, companies) stay
            return None
        return span
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", span.text)]
    ordinary = [_ordinary(text[span.start + a : span.start + b].lower().strip(",.;:"), common)
                for a, b in words]
    if all(ordinary):
        return None
    if span.label != "PERSON":
        return span
    first, last = 0, len(words) - 1
    while ordinary[first]:
        first += 1
    while title and ordinary[last]:
        last -= 1
    start, end = span.start + words[first][0], span.start + words[last][1]
    return Span(start, end, span.label, text[start:end])


def _ordinary(word: str, common: frozenset[str]) -> bool:
    """An ordinary word, or one made of ordinary words ("Recession-Forecast", "All-Pro")."""
    parts = word.split("-")
    return word in common or (len(parts) > 1 and all(len(p) > 2 and p in common for p in parts))


def name_kinds(text: str, spans: list[Span], common: frozenset[str] = frozenset(),
               place_kind: Callable[[str], str] = lambda name: "") -> list[Span]:
    """Only the corrections of a span's kind (roads, venues, events, abbreviations, state
    schools, lone cities, given names, one reading per name in an item), without the list
    of names' additions (teams, parties, companies) and the Title Case rules:
    what the fast recogniser's training applies to its teacher's labels."""
    spans = _given_names(_not_names(text, spans, common, place_kind), common, place_kind,
                         _tables()[0])
    return sorted(_consistent_people(text, spans, common, place_kind),
                  key=lambda s: (s.start, s.end))


# Last words that make a name a road, a building or a venue (FAC), not a person or an
# organisation: "Ben White Boulevard", "Gordon Road", "Scotiabank Arena", "Nissan Stadium".
# Words that are also common surnames ("Lane", "Park", "Hall") are left out on purpose.
_FACILITY_RE = re.compile(
    r"\s(?:Road|Rd\.?|Street|Avenue|Ave\.?|Boulevard|Blvd\.?|Highway|Hwy\.?|Freeway|Expressway|"
    r"Parkway|Pkwy\.?|Drive|Turnpike|Interstate|Bridge|Tunnel|Airport|Arena|Stadium|Coliseum|"
    r"Speedway|Raceway|Racetrack|Ballpark|Mall|Trail|Fairgrounds|Amphitheater|Amphitheatre)$"
)
# Last words of events ("Veterans Day", "Sundance Film Festival", "Rose Bowl"): not
# organisations or people. "Day" only when every word before it is an ordinary word
# ("Veterans Day", not the golfer "Jason Day").
_EVENT_RE = re.compile(
    r"\s(?:Festival|Awards|Bowl|Championships?|Tournament|Marathon|Olympics|Open|Classic|"
    r"Parade|Expo|Summit|Cup|Week|Day)$"
)
# Capitalised abbreviations that name no organisation or person: sports positions, titles,
# medical and everyday acronyms ("CB Brandon Watson", "MVP", "CPR", "DWI").
_NOT_NAMES = frozenset(
    """QB RB WR TE CB LB DE DT OL OT OG FB MVP CEO CFO COO CTO CMO VP EVP SVP DUI DWI OWI CPR
    THC CBD ACL MCL DNA HIV AIDS ICU ER EMS EMT SUV ATV RV TV HDTV HD PSA FAQ PDF DIY LGBT LGBTQ
    GDP IPO ETF ATM PIN TD TDs NBA's PGA's MPH STEM Co Co. Inc Inc. Corp Corp. Ltd Ltd. Jr Jr.
    Sr Sr. Lt Lt. Sgt Sgt.""".split()
)
# US postal state codes are places (the places component takes them with support: "Gilbert,
# AZ", "in NC"), not organisations: "NJ residents", "SC jobless rate". "VA" (Veterans
# Affairs) and "UT" (the universities of Texas and Tennessee) often name organisations.
_POSTAL_CODES = frozenset(
    """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX VT WA WV WI WY""".split()
)
# Venues: places one visits, not organisations or people ("Cincinnati Zoo", "Hard Rock
# Hotel", "Navy Yard", "Vienna Cafe"). "Park" only ends organisations (it is a surname);
# institutions ("Center", "Hospital", "School", "Church") stay organisations but name no
# person ("Ferguson Center", "Sloan Kettering Hospital" tagged PERSON).
_VENUE_RE = re.compile(
    r"\s(?:Zoo|Aquarium|Preserve|Hotel|Motel|Cafe|Café|Restaurant|Tavern|Bistro|Grill|Pub|"
    r"Building|Tower|Plaza|Casino|Yard|Gardens|Pier|Square|Campground)$"
)
_ORG_VENUE_RE = re.compile(r"\s(?:Park|Field|Beach)$")
_INSTITUTION_RE = re.compile(
    r"\s(?:Center|Centre|Hospital|School|Church|Museum|Library|Theater|Theatre|College|"
    r"Academy|Cathedral|Temple|Mosque|Synagogue)$"
)
# Rivers, lakes, valleys, mountains, beaches are places (LOC), not people or organisations:
# "Schuylkill River", "Lake Huron", "Murphy Canyon". Not "Bay" (Michael Bay) or a final
# "Lake" (Ricki Lake).
_NATURE_RE = re.compile(
    r"^(?:Lake|Mount|Mt\.)\s+[A-Z][a-z]+$|^[A-Z][\w'’\-]*(?:\s[A-Z][\w'’\-]*)?\s(?:River|Creek|"
    r"Valley|Canyon|Mountains|Island|Islands|Beach|Peninsula|Glacier)$"
)
_HIGHWAY_RE = re.compile(r"^(?:I|US|SR|Route|Highway)[- ]?\d+")


_AREAS = frozenset({"country", "region", "continent", "demonym"})
_PLACE_BEFORE_RE = re.compile(
    r"\b(?:in|near|outside|(?:north|south|east|west|northeast|northwest|southeast|southwest)"
    r"\s+of)\s+$")
_STATE_SCHOOL_RE = re.compile(r"^(?:[A-Z][\w.'’\-]*\s){1,3}State$")


def _places_after_prepositions(text: str, spans: list[Span],
                               place_kind: Callable[[str], str]) -> list[Span]:
    """A lone word called a person after "in", "near" or "north of" that the gazetteer knows
    as a place is no person ("north of Stillwater", "in DeKalb"); the places component
    decides what it is."""
    return [s for s in spans if not (
        s.label == "PERSON" and " " not in s.text.strip()
        and place_kind(POSSESSIVE_RE.sub("", s.text))
        and _PLACE_BEFORE_RE.search(text, max(0, s.start - 30), s.start))]


def _not_names(text: str, spans: list[Span], common: frozenset[str],
               place_kind: Callable[[str], str]) -> list[Span]:
    """Drop person and organisation spans that are roads, venues, events or ordinary
    abbreviations; the span stays as MISC (a veto for places: "Georgia Dome"). "Penn State"
    is a university, not a person; a lone word that is a city of 100,000 or more is no
    person unless a longer person's name in the text holds it or it is also a common name
    (``data/name_cities.txt``: "Jackson", "Kennedy")."""
    people = " ".join(s.text for s in spans if s.label == "PERSON" and " " in s.text.strip())
    out: list[Span] = []
    for span in spans:
        if span.label == "PERSON" and _STATE_SCHOOL_RE.match(span.text):
            out.append(Span(span.start, span.end, "ORG", span.text))
            continue
        if (span.label == "PERSON" and " " not in span.text.strip()
                and place_kind(POSSESSIVE_RE.sub("", span.text)) == "city+"
                and POSSESSIVE_RE.sub("", span.text) not in people.split()
                and POSSESSIVE_RE.sub("", span.text) not in _name_cities()):
            continue
        if span.label not in ("PERSON", "ORG"):
            out.append(span)
            continue
        name = span.text.rstrip(".,;:")
        words = name.split()
        event = _EVENT_RE.search(name)
        if event and name.endswith("Day") and not all(
                POSSESSIVE_RE.sub("", w.lower()) in common for w in words[:-1]):
            event = None
        if _NATURE_RE.search(name):
            out.append(Span(span.start, span.end, "LOC", span.text))
        elif (_FACILITY_RE.search(name) or event or _HIGHWAY_RE.match(name)
              or _VENUE_RE.search(name) or (span.label == "ORG" and _ORG_VENUE_RE.search(name))
              or (span.label == "PERSON" and _INSTITUTION_RE.search(name))):
            out.append(Span(span.start, span.end, "MISC", span.text))
        elif name in _NOT_NAMES or name in _POSTAL_CODES or len(name) < 2:
            continue
        else:
            out.append(span)
    return out


_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"})
# Last words that keep a name starting with a given name an organisation ("Freddie Mac",
# "Walt Disney Company", "Ralph Lauren Corp"), besides the organisation words above.
_ORG_LAST = frozenset(
    """brothers bros sons motors mac mae media news records entertainment studios pictures
    systems labs capital partners holdings airlines airways foods stores sports team fund
    trust center centre school academy church hospital clinic county city music band
    restaurant cafe shop inc corp co llc ltd group pharma pharmaceuticals microsystems bancorp
    technologies software electronics telecom wireless industries international worldwide
    realty properties hotels resorts casino automotive museum gallery theatre theater
    festival""".split()
) | frozenset(w.lower().rstrip(".\\?") for w in _ORG_HEADS.split("|"))
_NAME_TOKEN_RE = re.compile(r"^(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*|[A-Z]\.|Mc[A-Z][a-z]+|"
                            r"Ma?c[A-Z][a-z]+|[A-Z][a-z]*[A-Z][a-z]+)$")


def _given_names(spans: list[Span], common: frozenset[str], place_kind: Callable[[str], str],
                 listed: Mapping[str, str]) -> list[Span]:
    """An organisation span of two or three name-shaped words starting with a given name
    ("Garth Brooks", "Tori Spelling", "Juan Soto") is a person, unless it ends in an
    organisation word ("Freddie Mac", "Charles Schwab Corp") or holds a listed name
    ("Houston Astros")."""
    given = _given()
    out: list[Span] = []
    for span in spans:
        words = POSSESSIVE_RE.sub("", span.text).split()
        if (span.label == "ORG" and 2 <= len(words) <= 3 and words[0] in given
                and " ".join(words) not in listed and not any(w in listed for w in words)
                and all(_NAME_TOKEN_RE.match(w) for w in words)
                and words[-1].lower() not in _ORG_LAST and words[-1].lower() not in common
                and place_kind(words[-1]) not in _AREAS):
            out.append(Span(span.start, span.end, "PERSON", span.text))
        else:
            out.append(span)
    return out


def _consistent_people(text: str, spans: list[Span], common: frozenset[str],
                       place_kind: Callable[[str], str]) -> list[Span]:
    """One name, one reading in an item: a person named in full somewhere in the text makes
    other mentions of the name people too.

    * a span of another kind that is the person's surname or full name ("Trump" ORG when
      "Donald Trump" is a person) becomes a PERSON span;
    * in a Title Case line, a span starting with the name and going on with ordinary words
      ("Trump Muddies Impeachment" ORG) becomes the PERSON name alone;
    * a capitalised mention of the surname no recogniser found ("Trump defiant after…",
      headline, when the teaser names "Donald Trump") becomes a PERSON span, unless another
      capitalised word touches it ("Trump Tower").
    """
    full: set[str] = set()
    surnames: set[str] = set()
    worded: set[str] = set()  # surnames that are also words ("Trump", "Cook"): spans only
    for span in spans:
        if span.label != "PERSON":
            continue
        words = [w for w in POSSESSIVE_RE.sub("", span.text).split() if w not in _SUFFIXES]
        if len(words) < 2 or not all(w[:1].isupper() for w in words):
            continue
        full.add(" ".join(words))
        last = words[-1]
        if (len(last) > 2 and last.isalpha() and not last.isupper()
                and place_kind(last) not in _AREAS):
            (worded if last.lower() in common else surnames).add(last)
    if not full:
        return spans
    names = full | surnames | worded
    out: list[Span] = []
    for span in spans:
        bare = POSSESSIVE_RE.sub("", span.text)
        if span.label == "PERSON" or span.label == "NORP":
            out.append(span)
        elif bare in names:
            out.append(Span(span.start, span.end, "PERSON", span.text))
        else:
            head = _name_prefix(text, span, names, common)
            out.append(span if head is None else head)
    taken = [(s.start, s.end) for s in out]
    if surnames:
        for m in _CAP_WORD_RE.finditer(text):
            if m.group() not in surnames:
                continue
            start, end = m.span()
            if any(a < end and start < b for a, b in taken):
                continue
            if _touches_capital(text, start, end, common):
                continue
            out.append(Span(start, end, "PERSON", m.group()))
    return out


POSSESSIVE_RE = re.compile(r"['’]s?$")
_CAP_WORD_RE = re.compile(r"(?<![\w\-.])[A-Z][^\W\d_]*(?![\w\-])")


def _name_prefix(text: str, span: Span, names: set[str], common: frozenset[str]) -> Span | None:
    """The PERSON part of "Trump Again Misunderstands" (a Title Case span that starts with a
    known person's name and goes on with ordinary words only), or None."""
    lo, hi = _line_bounds(text, span.start)
    if not is_title_case(text[lo:hi]):
        return None
    words = span.text.split()
    for k in range(len(words) - 1, 0, -1):
        head = " ".join(words[:k])
        if POSSESSIVE_RE.sub("", head) in names and all(
                w.lower().strip(",.;:") in common for w in words[k:]):
            end = span.start + len(head)
            return Span(span.start, end, "PERSON", head)
    return None


def _touches_capital(text: str, start: int, end: int, common: frozenset[str]) -> bool:
    """True when a capitalised word (other than an ordinary one in a Title Case line) sits
    right before or after [start, end): "Trump Tower", "Ivanka Trump"."""
    lo, hi = _line_bounds(text, start)
    title = is_title_case(text[lo:hi])
    before = re.search(r"([\w.'’\-]+)\s$", text[lo:start])
    after = re.match(r"(?:['’]s)?\s([\w.'’\-]+)", text[end:hi])
    for m in (before, after):
        if m is None:
            continue
        word = m.group(1)
        if word[:1].isupper() and not (title and word.lower().strip(".") in common):
            return True
    return False
