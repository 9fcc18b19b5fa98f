"""A name's kind from the words around it, after the list corrections of ``names.py``.

Three mistakes both recognisers make on news that neither a name list nor the name's own
shape can fix, but its neighbours can:

* a maker followed by a model is a product, not the company ("Nissan Altima", "2020 Hyundai
  Venue", "HP Spectre x360", "Aston Martin Vantage AMR" called a person);
* a place named in a sports context is a team, not the place: a ranking before it ("No. 13
  Minnesota stays unbeaten"), a sport after it ("Michigan football's Jim Harbaugh",
  "Louisville basketball"), or a state university ("Iowa State", "Portland State");
* a one-word "person" that is an ordinary word and no common name ("Meet", "That",
  "Marijuana" in Title Case lines) is nobody.

:func:`sports_team_at` is shared with the places component, which must not count the same
words as a place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from storyline.understand.entities import Span
from storyline.understand.name_edges import CALENDAR
from storyline.understand.names import POSSESSIVE_RE, listed_names
from storyline.understand.truecase import is_title_case, truecase_words, word_list

# Words after a maker's name that keep it a company (or its venue or event), not a product.
_COMPANY_WORDS = frozenset("""Motor Motors Co Co. Corp Corp. Corporation Company Group Inc
    Inc. Ltd Ltd. Holdings Foundation Center Centre Arena Stadium Field Park Electronics
    Financial Credit Bank Capital Dealership Dealers Classic Championship Open Invitational
    Bowl Research Labs Laboratories Studios Entertainment Pictures America USA Europe Japan
    Canada Australia UK Motorsport Motorsports Racing Team Pharmaceuticals Heavy Industries
    Aerospace Defense Automotive International Global Worldwide Technologies Technology
    Systems Energy Trust Plant Factory Assembly Workers Union Employees Chairman President
    Chief Executive CEO CFO COO CTO VP Board Division Unit Store Stores Dealer Recall
    Recalls Mobility Ventures Investments Insurance Services Software Networks North South
    AG SA NV PLC plc GmbH LLC Tokyo Financial World Rally
    East West Music Pay Foundation Museum Institute University Hall Amphitheatre
    Amphitheater Pavilion Speedway Raceway Plaza""".split())
_SPORTS = ("football", "basketball", "baseball", "softball", "hockey", "soccer",
           "volleyball", "lacrosse", "wrestling", "athletics", "recruiting", "recruit")
_RANK_BEFORE_RE = re.compile(r"(?:\bNo\.|#)\s?\d{1,2}\s$")
_SPORT_AFTER_RE = re.compile(rf"(?:['’]s)?\s(?:{'|'.join(_SPORTS)})\b")
# A game's result: "Denver beat Chicago", "Leicester routs Southampton", "Miami vs. Duke".
_WIN_VERBS = (r"(?:beat|beats|defeat|defeats|defeated|tops|topped|rout|routs|routed|edges|edged|"
              r"downs|downed|blanks|blanked|stuns|stunned|upsets|outlasts|outlasted|"
              r"vs\.?|versus)")
_WIN_AFTER_RE = re.compile(rf"(?:['’]s)?\s{_WIN_VERBS}\s(?:No\.\s?\d+\s)?[A-Z]")
_WIN_BEFORE_RE = re.compile(
    rf"\b(?:{_WIN_VERBS}|(?:loss|losses|win|wins|victory|victories) (?:to|over|against)|"
    r"(?:lost|fell) to)\s(?:No\.\s?\d+\s)?$")
_SCORE_AFTER_RE = re.compile(r" \d{1,3}(,\s(?:[A-Z][\w.'’\-]*\s){1,4}\d{1,3}\b)?(?![\d.:,%])")
_STATE_AFTER_RE = re.compile(r" State(?![\w\-]| [A-Z])")
_SCORE_BEFORE_RE = re.compile(r"\b\d{1,3},\s$")
_STATE_SCHOOL_RE = re.compile(r"\sState$")
_PLACE_BEFORE_STATE_RE = re.compile(r"(?:\b(?:in|across|throughout|of the)\s)$")
# Neighbourhoods and districts named like "Fells Point", "Union Hills", "East Village" are
# places the gazetteer does not know, not organisations.
_AREA_END_RE = re.compile(r"^[A-Z][\w'’\-]*(?:\s[A-Z][\w'’\-]*)?\s(?:Point|Hills|Heights|Village|"
                          r"Township|Estates)$")
_MODEL_TOKEN_RE = re.compile(r"[A-Za-z]*\d[\w\-]*|[A-Z]{1,3}")
_WORD_RE = re.compile(r"\S+")
_AWARD_AFTER_RE = re.compile(r" of the (?:Week|Month|Year|Game|Decade)\b")
_PRIZE_END_RE = re.compile(r"\s(?:Trophy|Award|Awards|Prize|Medal)$")  # "Paul Bunyan Trophy"
_AWARD_END_RE = re.compile(r"\s(?:Player|Rookie|Coach|Pitcher|Athlete)$")
_YEAR_BEFORE_RE = re.compile(r"\b(?:19|20)\d\d\s$")
_COMPANY_ENDS = frozenset("""Inc Corp Co LLC Ltd NV AG PLC plc SA GmbH Industries Group Holdings
    Properties Partners Associates Enterprises Foods Mining Systems Technologies Communications
    Pharmaceuticals Agency Foundation Productions Records Studios""".split())


def _makers() -> frozenset[str]:
    return word_list("makers.txt")


def _name_words() -> frozenset[str]:
    return word_list("name_words.txt")


def sports_team_at(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (a place's name) reads as a team: "No. 13 Minnesota",
    "#5 Ohio State", "Michigan football", "Louisville basketball's", a side of a game's
    result ("Denver beat Chicago", "Miami vs. Duke") or of a score ("Avon 37, Noblesville
    13")."""
    if (_RANK_BEFORE_RE.search(text, max(0, start - 8), start)
            or _SPORT_AFTER_RE.match(text, end) or _WIN_AFTER_RE.match(text, end)
            or _WIN_BEFORE_RE.search(text, max(0, start - 22), start)):
        return True
    score = _SCORE_AFTER_RE.match(text, end)
    if score is None:
        return False
    # Both sides of "A 42, B 14": the name is the first side, or the second after a score.
    return bool(score.group(1)) or bool(_SCORE_BEFORE_RE.search(text, max(0, start - 6), start))


def context_kinds(text: str, spans: list[Span], common: frozenset[str],
                  place_kind: Callable[[str], str]) -> list[Span]:
    """Spans of ``text`` with products, teams named by their place and ordinary-word people
    corrected. ``common`` holds ordinary lower-case words, ``place_kind`` the gazetteer's
    kind of a name ("region", "city+"…)."""
    makers, given = _makers(), word_list("first_names.txt")
    classes = listed_names()[0]
    people = " ".join(s.text for s in spans if s.label == "PERSON" and " " in s.text.strip())
    out: list[Span] = []
    for span in spans:
        if span.label in ("ORG", "PERSON") and (_product_name(span.text)
                                                or _VENUE_CENTER_RE.search(span.text)):
            out.append(Span(span.start, span.end, "MISC", span.text))
            continue
        product = _product(text, span, makers, given, common, place_kind)
        if product is not None:
            out.append(product)
            maker = _maker_of(product, makers) if product.label == "MISC" else None
            if maker is not None:
                out.append(maker)
            continue
        if span.label in ("GPE", "LOC", "PERSON", "ORG"):
            if _state_school(text, span):  # "Coppin" + " State": the university
                end = span.end + len(" State")
                out.append(Span(span.start, end, "ORG", text[span.start : end]))
                continue
            if _team(text, span, place_kind):
                out.append(Span(span.start, span.end, "ORG", span.text))
                continue
        if span.label == "PERSON" and _opening_word(text, span, people):
            continue
        if span.label == "PERSON" and _ordinary_person(span.text, common, people):
            if span.text.isupper() and len(span.text) > 1:  # "BAA", "JETS": no person, a name
                out.append(Span(span.start, span.end, "ORG", span.text))
            continue
        if (span.label == "ORG" and (_AWARD_AFTER_RE.match(text, span.end)
                                     or _AWARD_END_RE.search(span.text))) or (
                span.label in ("ORG", "PERSON") and _PRIZE_END_RE.search(span.text)):
            # "NFL Defensive Player (of the Year)": an award, not the league
            out.append(Span(span.start, span.end, "MISC", span.text))
            continue
        if span.label == "ORG" and _fragment(text, span, common, classes):
            continue
        if span.label == "ORG" and _broken_off(text, span, spans, classes):
            # the whole run becomes MISC: no place inside it ("Roosevelt High School")
            out.append(_capital_run(text, span))
            continue
        if span.label == "ORG" and _AREA_END_RE.search(span.text.rstrip(".,;:")):
            out.append(Span(span.start, span.end, "LOC", span.text))
            continue
        if (span.label in ("PERSON", "ORG") and text.endswith("Newsletters ", 0, span.start)
                and span.text.lower().strip(".,;:") in common):
            continue  # "Sign up for our Newsletters Northbound lanes…": a sentence start
        out.append(_company_suffix(_job_after(span, common)))
    return out + _teams_named_again(text, out, classes)


def _company_suffix(span: Span) -> Span:
    """A "person" whose name ends in a company's word is the company ("Cingular Wireless
    LLC", "Harry Walker Agency", "Tishman Speyer Properties", "Harmony Gold Mining")."""
    if span.label != "PERSON" or " " not in span.text.strip():
        return span
    if span.text.split()[-1].rstrip(".,;:") not in _COMPANY_ENDS:
        return span
    return Span(span.start, span.end, "ORG", span.text)


def _teams_named_again(text: str, spans: list[Span], classes: dict[str, str]) -> list[Span]:
    """A listed team nickname no span holds ("Vikings" in "Chiefs Thursday injury report vs.
    Vikings") is the team when the item names that team as an organisation elsewhere
    ("the Minnesota Vikings"): one name, one reading. Ambiguous nicknames ("Heat",
    "Kings") need this agreement where the line alone does not say. ``classes`` is the
    listed names' table (``names.listed_names``)."""
    teams = {POSSESSIVE_RE.sub("", s.text.split()[-1]) for s in spans if s.label == "ORG"}
    added: list[Span] = []
    for name in teams:
        if not classes.get(name, "").startswith("team"):
            continue
        for m in re.finditer(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", text):
            if not any(s.start < m.end() and m.start() < s.end for s in spans):
                added.append(Span(m.start(), m.end(), "ORG", name))
    return added


def _product(text: str, span: Span, makers: frozenset[str], given: frozenset[str],
             common: frozenset[str], place_kind: Callable[[str], str]) -> Span | None:
    """The product a maker's name starts, as a MISC span, or None."""
    if span.label not in ("ORG", "PERSON", "GPE", "NORP"):
        return None
    words = _WORD_RE.findall(span.text)
    for i in range(len(words)):
        for n in (2, 1):
            maker = " ".join(words[i : i + n])
            if len(words) < i + n or maker not in makers:
                continue  # (a possessive "Ford's" is no model name either)
            rest = words[i + n :]
            if rest and _YEAR_BEFORE_RE.search(text, max(0, span.start - 6), span.start):
                return Span(span.start, span.end, "MISC", span.text)  # "2020 Kia Telluride"
            if span.label == "PERSON" and (maker.split()[0] in given or not any(
                    _MODEL_TOKEN_RE.fullmatch(w) or w.lower() in common for w in rest)):
                return None  # "Lincoln Riley", "Bentley Lloyd"; not "Dodge Charger"
            if rest:
                if any(w.rstrip(".,") in _COMPANY_WORDS or place_kind(w) for w in rest):
                    return None  # "Ford Motor Co", "Mitsubishi Tokyo"
                if len(rest) > 1 and all(w.islower() or all(
                        p in common for p in w.lower().strip(".,;:").split("-")) for w in rest):
                    # "HP Throttles Viruses" (Title Case): the company, then ordinary words
                    end = span.start + span.text.index(maker) + len(maker)
                    return Span(span.start, end, "ORG", text[span.start : end])
                return Span(span.start, span.end, "MISC", span.text)
            # "Ford GT", "Roku HD": the model is the next word, outside the span.
            m = re.match(r" ([\w\-]+)", text[span.end : span.end + 20])
            if m and _MODEL_TOKEN_RE.fullmatch(m.group(1)) and m.group(1) not in _COMPANY_WORDS:
                end = span.end + m.end()
                return Span(span.start, end, "MISC", text[span.start : end])
            return None
    return None


# Products and platforms that recognisers often call organisations or people, alone or
# leading a model name ("Android", "iPad", "Wii U", "MacBook Air", "Windows 8.1 Update").
# Only names that are no company's, team's or person's in news: not "Galaxy" (LA Galaxy) or
# "Alexa" and "Siri" (given names), which the maker rule and the recogniser handle.
_PRODUCT_NAMES = frozenset("""Android iPhone iPhones iPad iPads iPod iMac MacBook iOS Windows Xbox
    PlayStation Kindle Gmail Wii Chromebook""".split())


# Centres that are places one goes to, not bodies: "Ridgewood Community Center", "Norris
# Conference Center" (a "Cancer Center" or "Research Center" stays an organisation).
_VENUE_CENTER_RE = re.compile(
    r"\b(?:Community|Conference|Convention|Performance|Event|Events|Civic|Recreation|"
    r"Aquatic|Aquatics|Visitor|Visitors|Fitness|Exhibition|Expo|Shopping|Senior|Nature|"
    r"Training)\s(?:Center|Centre)(?:['’]s)?$")


def _product_name(name: str) -> bool:
    """Whether a name is a product or platform (by its first word) rather than a name."""
    first = POSSESSIVE_RE.sub("", name.split()[0]) if name.split() else ""
    return first in _PRODUCT_NAMES


# Makers in makers.txt that are product lines or platforms, not companies.
_NOT_COMPANIES = frozenset({"Android", "Galaxy", "iPad", "iPhone", "PlayStation", "Xbox",
                            "Range Rover", "Chevy", "Fordson"})


def _maker_of(product: Span, makers: frozenset[str]) -> Span | None:
    """The company inside a product's name, as an ORG span nested in it ("Samsung" in
    "Samsung Galaxy S5", "Kia" in "2020 Kia Telluride"): the item is news about the company
    too, and a reader (and annotation guides that allow nested names) counts it."""
    for m in _WORD_RE.finditer(product.text):
        for n in (2, 1):
            words = product.text[m.start():].split()[:n]
            name = " ".join(words)
            if len(words) == n and name in makers:
                if name in _NOT_COMPANIES:
                    return None
                start = product.start + m.start()
                return Span(start, start + len(name), "ORG", name)
    return None


def _team(text: str, span: Span, place_kind: Callable[[str], str]) -> bool:
    """Whether a span that is a place's name (or "<place> State") is a team or a university
    by its context."""
    name = span.text.rstrip(".,;:")
    if (_STATE_SCHOOL_RE.search(name)
            and not _PLACE_BEFORE_STATE_RE.search(text, max(0, span.start - 12), span.start)
            and not re.match(r" [A-Z]", text[span.end : span.end + 2])):
        head = name[: -len(" State")]
        return place_kind(head) in ("region", "city", "city+") and span.label in ("GPE", "LOC")
    return sports_team_at(text, span.start, span.end) and place_kind(name) in (
        "region", "city", "city+")


def _ordinary_person(name: str, common: frozenset[str], people: str) -> bool:
    """A one-word person that is an ordinary word and no common name ("Meet", "That")."""
    word = name.strip().rstrip(".,;:")
    if " " in word or not word[:1].isupper():
        return False
    word = POSSESSIVE_RE.sub("", word)
    return (word.lower() in common and word.capitalize() not in _name_words()
            and word not in people.split())


def _job_after(span: Span, common: frozenset[str]) -> Span:
    """An organisation loses a general manager's title after it ("Pirates GM", "NBA GM"),
    unless the words before are ordinary ones ("Automaker GM" is General Motors)."""
    if span.label != "ORG" or not span.text.endswith(" GM"):
        return span
    head = span.text[:-3].rstrip()
    if not head or all(w.lower() in common for w in head.split()):
        return span
    return Span(span.start, span.start + len(head), span.label, head)


def _state_school(text: str, span: Span) -> bool:
    """Whether " State" follows the span as a university's name ("Coppin State", "Ball
    State"), not a state's nickname ("the Sunshine State")."""
    return bool(_STATE_AFTER_RE.match(text, span.end)) and not text.endswith(
        ("the ", "The "), 0, span.start)


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the line of ``text`` holding ``text[start:end]``."""
    hi = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if hi < 0 else hi


_NAME_GOES_ON_RE = re.compile(r"(?:['’]s)?\s(?:of\s(?:the\s)?)?[A-Z]")


def _fragment(text: str, span: Span, common: frozenset[str], listed: dict[str, str]) -> bool:
    """Whether a one-word organisation that is an ordinary word is no name by itself: an
    ordinary word of four letters or more in capitals ("PHOTOS", "BOTTOM LINE", "UPDATE";
    not "WHO", "EA"), or a piece of a longer name the recogniser broke, as the capitalised
    words after it show ("the World Ranking", "The Wheel of Fortune", "the Sunshine
    State"). Listed names stay."""
    word = POSSESSIVE_RE.sub("", span.text.strip().rstrip(".,;:"))
    if " " in word or word in listed or word.lower() not in common:
        return False
    if word.isupper():
        return len(word) > 3 and word.lower() in truecase_words()
    return bool(_NAME_GOES_ON_RE.match(text[span.end : _line_bounds(text, span.start,
                                                                     span.end)[1]]))


_NEXT_CAP_RE = re.compile(r" ([A-Z][a-z][\w'’\-]*)")
_PREV_CAP_RE = re.compile(r"(?<![.!?:] )(?<!^)\b([A-Z][a-z][\w'’\-]*) $")
_ORG_NEXT = frozenset("""Party Reporter Boxing Sport Sports Media News Network Radio TV Records
    Agency Association Authority Board Bureau Club College Commission Committee Council Court
    Department Office Police Patrol Service Society Times Post Magazine""".split())
_TITLES = frozenset("""CEO Chief President Chairman Coach Director Secretary Spokesman Spokeswoman
    Commissioner Manager Founder Owner Executive Officer Senator Governor Mayor General""".split())


def _broken_off(text: str, span: Span, spans: list[Span], listed: dict[str, str]) -> bool:
    """Whether a one-word organisation in a sentence-case line is a piece of a longer name
    no recogniser found, as a capitalised word right before or after it that no span
    holds shows ("Jones Gap State Park", "Hampton Roads", "Golden Given Road", "Little
    Mack"). Acronyms, listed names, titles ("Apple CEO") and company words stay."""
    word = span.text.strip()
    if " " in word or word.isupper() or word in listed or not word[:1].isupper():
        return False
    lo, hi = _line_bounds(text, span.start, span.end)
    line_words = text[lo:hi].split()
    if is_title_case(text[lo:hi]) or sum(w[:1].isupper() for w in line_words) * 2 >= len(
            line_words):
        return False  # a headline written mostly in capitals says nothing about names
    for m, pos in ((_NEXT_CAP_RE.match(text, span.end, hi), 1),
                   (_PREV_CAP_RE.search(text, lo, span.start), 0)):
        if m is None:
            continue
        w = re.sub(r"['’]s$", "", m.group(1))
        if (w in _TITLES or w in _COMPANY_WORDS or w in _ORG_NEXT or w in CALENDAR
                or w in listed or (pos == 0 and w in ("The", "A", "An"))):
            continue  # "Apple CEO", "Labour Party", "Sunday's Texans-Chiefs", "The Bravery"
        a, b = m.start(1), m.end(1)
        if pos == 0 and (a == lo or text[max(lo, a - 2) : a].strip() in (".", "!", "?", ":")):
            continue  # a sentence's first word
        if not any(s.start < b and a < s.end for s in spans):
            return True
    return False


_RUN_AFTER_RE = re.compile(r"(?:\s[A-Z][\w'’\-]*)+")
_RUN_BEFORE_RE = re.compile(r"(?:[A-Z][\w'’\-]*\s)+$")


def _capital_run(text: str, span: Span) -> Span:
    """The run of capitalised words around a span, on its line, as one MISC span."""
    lo, hi = _line_bounds(text, span.start, span.end)
    after = _RUN_AFTER_RE.match(text, span.end, hi)
    before = _RUN_BEFORE_RE.search(text, max(lo, span.start - 60), span.start)
    start = before.start() if before else span.start
    end = after.end() if after else span.end
    return Span(start, end, "MISC", text[start:end])


_OPENING_RE = re.compile(r"(?:^|\n|[:\"“‘—|]\s*)$")


def _opening_word(text: str, span: Span, people: str) -> bool:
    """A one-word "person" opening a line or following a colon or quote that is a word
    Title Case lines write in lower case ("Storm Alert: Snow and bitter cold", "Light Snow
    Expected…" after truecasing keeps only the first capital) or that the item writes in
    lower case elsewhere, unless a person named in full in the item has it ("Mike Brown …
    Brown")."""
    word = POSSESSIVE_RE.sub("", span.text.strip())
    if " " in word or word in people.split() or not word.isalpha():
        return False
    low = word.lower()
    if low not in truecase_words() and (low not in text or not re.search(rf"\b{low}\b", text)):
        return False  # written in lower case elsewhere in the item: "a chance for snow"
    lo, hi = _line_bounds(text, span.start, span.end)
    return bool(_OPENING_RE.search(text[max(0, lo - 1) : span.start])) or is_title_case(
        text[lo:hi])
