"""Where a recognised name really begins and ends: cut at a sentence end or before "of",
and without the position, weekday or preposition a recogniser often glues to its edges.

Apart from ``names.py`` (which decides what a span is) because these only move a span's
edges, and each is a pure ``Span -> Span`` step.
"""

from __future__ import annotations

import re

from storyline.understand.entities import Span

CALENDAR = frozenset("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December""".split())
# A span's first words that are no part of a name in a Title Case line.
LEADING_RE = re.compile(r"^(?:The|A|An|In|At|On|For|From|By|With|As|After|When)\s+")
_ABBREVIATED = frozenset("Mr Mrs Ms Dr St Sen Rep Gov Gen Jr Sr Lt Col Sgt Mt Ft Co Corp Inc Ltd "
                         "Bros Prof Rev Capt Maj No Ave Blvd Calif Fla Mass Mich Minn Tenn Tex "
                         "Wash Wis".split())


_SENTENCE_END_RE = re.compile(r"[a-z]{2}[.!?]\s+(?=[A-Z])")


def cut_at_sentence_end(span: Span) -> Span:
    """A span running over a sentence end ("Santa Rosa Police Department. Police") ends
    there; dots after initials and abbreviations ("U.S.", "Sen.", "St.") are no ends."""
    m = _SENTENCE_END_RE.search(span.text)
    if m is None or span.text[: m.start() + 2].split()[-1] in _ABBREVIATED:
        return span
    end = m.start() + 2
    return Span(span.start, span.start + end, span.label, span.text[:end])


_OF_RE = re.compile(r"^(?:[A-Z][\w.'’\-]*\s){2,3}of\s+[A-Z]")


def cut_at_of(span: Span) -> Span:
    """A person's name does not go on with "of" ("Christopher Crosby of Warren", "Robert
    Wolfe of Marine Corps"): the person ends before it, the rest is a place or an employer."""
    if span.label != "PERSON":
        return span
    m = _OF_RE.match(span.text)
    if m is None:
        return span
    end = span.text.rindex(" of ", 0, m.end())
    return Span(span.start, span.start + end, span.label, span.text[:end])


_GAP_RE = re.compile(r"\s{2,}(?=[A-Z])")
_POSITIONS = frozenset(
    "QB RB WR TE CB LB DE DT OL OT OG FB DB MVP CEO CFO COO CTO VP EVP SVP".split()
)
_EDGE_WORDS = frozenset(
    # "Newsletters": "Sign up for our Newsletters John Fremow…", web boilerplate run into a name
    """Over Vs Vs. Versus Against With Amid After Before From For And But Newsletters""".split()
)


def strip_edges(span: Span) -> Span:
    """Words at a name's edges that are no part of it: a sports position or title
    abbreviation ("CB Brandon Watson", "Greenville QB"), a weekday or month after the name
    ("Regional Hospital Sunday"), a preposition before it in a Title Case line ("Win Over
    Giants")."""
    if span.label not in ("PERSON", "ORG"):
        return span
    gap = _GAP_RE.search(span.text)
    if gap is not None:  # "HARRISBURG   The Pennsylvania Department…": a dateline's gap
        lo = gap.end()
        lead = LEADING_RE.match(span.text[lo:])
        if lead and lead.end() < len(span.text) - lo:
            lo += lead.end()
        span = Span(span.start + lo, span.end, span.label, span.text[lo:])
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", span.text)]
    first, last = 0, len(words) - 1

    def word(k: int) -> str:
        return span.text[words[k][0] : words[k][1]]

    while (first < last and word(first) in _EDGE_WORDS) or (
            last - first > 1 and word(first) in _POSITIONS):
        first += 1
    while last > first and (word(last) in _POSITIONS or word(last) in CALENDAR):
        last -= 1
    if (first, last) == (0, len(words) - 1):
        return span
    start, end = span.start + words[first][0], span.start + words[last][1]
    return Span(start, end, span.label, span.text[words[first][0] : words[last][1]])
