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


def _titlecase(line: str) -> bool:
    """A Title Case line: nearly every longer word capitalised. Stricter than the places
    component's test, because a short sentence full of names ("Miami Dolphins fell to the
    Browns") must still count as running text here."""
    words = [w for w in line.split() if len(w) > 3 and w.isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.85 * len(words)


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
           common: frozenset[str] = frozenset()) -> list[Span]:
    """Apply the corrections to the spans of ``text`` and return the new span list.

    ``is_place`` says whether a capitalised name is a place (teams take the place before
    them into their name); ``common`` holds words usually written in lower case, used to
    drop names made of ordinary words in Title Case lines or at a sentence start.
    """
    classes, pattern = _tables()
    fixed: list[Span] = []
    drop: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        name, cls = m.group(), classes[m.group()]
        start, end = m.span()
        lo, hi = _line_bounds(text, start)
        line = text[lo:hi]
        sentence_case = not _titlecase(line)
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
        if sentence_case or any((s.start, s.end) == (start, end) for s in spans):
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
    return sorted(out, key=lambda s: (s.start, s.end))


# Words that end an organisation's name; a run of capitalised words ending in one is one name
# ("Immigration and Customs Enforcement", "City of Milwaukee Department of Public Works").
_ORG_HEADS = (
    "Administration|Agency|Association|Authority|Bank|Board|Bureau|Club|College|Commission|"
    "Committee|Company|Corp\\.?|Corporation|Council|Court|Department|Enforcement|Foundation|"
    "Group|Hospital|Inc\\.?|Institute|League|Ltd\\.?|Network|Office|Party|Patrol|Police|"
    "Service|Services|Society|Union|University|Works"
)
_NAME_WORD = r"(?:[A-Z][\w&'’.\-]*|&)"
_ORG_RUN_RE = re.compile(
    rf"{_NAME_WORD}(?:(?:\s+(?:of|and|for|the|on|de|&|'s|’s))*\s+{_NAME_WORD})*"
    rf"\s+(?:{_ORG_HEADS})(?![\w\-])"
)
_LEADING_RE = re.compile(r"^(?:The|A|An|In|At|On|For|From|By|With|As|After|When)\s+")


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
        lead = _LEADING_RE.match(m.group())
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
        if _titlecase(text[lo:hi]) and not any(s.start == start for s in orgs):
            continue
        if len(inside) == 1 and (orgs[0].start, orgs[0].end) == (start, end):
            continue
        out.append(Span(start, end, "ORG", text[start:end]))
    return out


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
    title = _titlecase(text[lo:hi])
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
    ordinary = [text[span.start + a : span.start + b].lower().strip(",.;:") in common
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
