"""Dates mentioned in an item, resolved against its publication date — or left unresolved.

A focused regular-expression resolver for English, Spanish, Portuguese and German (dateparser's
search is two orders of magnitude slower and guesses where it should not). Rules:

* Explicit dates ("8 November 2020", "Nov. 8", "19 May", "8 de noviembre") resolve to the day;
  a missing year is the one that puts the date no more than a week after the reference, or the
  next one when the sentence speaks of the future. A weekday that disagrees with the date
  ("Friday 7 November" in 2020) is flagged, and the day number wins.
* Deictic words ("yesterday", "today", "ayer", "heute", "last month", "two days ago") resolve
  against the reference date.
* Narrative expressions ("a week later", "the next day", a bare "On Sunday" after an explicit
  date) resolve against the last explicit date before them in the item; without one they stay
  unresolved. A bare weekday with no such anchor resolves against the reference only when the
  reference is the publisher's own date, never a listing date given for a whole page.
* Weeks ("last week") and vague spans ("a couple of months later") stay unresolved.

The reference is ``item.published`` (UTC); the lead sets it from ``--date`` for listings.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from storyline.model import Fact, Item

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january enero janeiro januar jänner jan",
        "february febrero fevereiro februar feb",
        "march marzo março märz marco mar",
        "april abril apr",
        "may mayo maio mai",
        "june junio junho juni jun",
        "july julio julho juli jul",
        "august agosto aug",
        "september septiembre setiembre setembro sept sep",
        "october octubre outubro oktober oct okt",
        "november noviembre novembro nov",
        "december diciembre dezembro dezember dec dez",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "monday lunes segunda-feira montag",
        "tuesday martes terça-feira terca-feira dienstag",
        "wednesday miércoles miercoles quarta-feira mittwoch",
        "thursday jueves quinta-feira donnerstag",
        "friday viernes sexta-feira freitag",
        "saturday sábado sabado samstag sonnabend",
        "sunday domingo sonntag",
    ]
):
    for _name in _names.split():
        WEEKDAYS[_name] = _number

# Three-letter month abbreviations are only months with a dot or a day number after them.
_MONTH_FULL = "|".join(sorted((m for m in MONTHS if len(m) > 3), key=len, reverse=True))
_MONTH_ABBR = "|".join(
    m for m in MONTHS if (len(m) <= 3 or m == "sept") and m not in ("may", "mai")
)
MONTH = rf"(?:{_MONTH_FULL}|May|Mai|(?:{_MONTH_ABBR})\.)"
MONTH_D = rf"(?:{_MONTH_FULL}|May|Mai|(?:{_MONTH_ABBR})\.?)"  # when a day number follows
WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))

NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "um": 1, "uma": 1, "dois": 2, "duas": 2,
    "três": 3, "ein": 1, "eine": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3,
}
_NUM = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT = r"(?:day|week|month|year)s?"

_FUTURE_RE = re.compile(
    r"\b(?:will|'ll|shall|going to|scheduled|set to|plans? to|planned|upcoming|due to|"
    r"expected|to be held|va a|van a|vai|vão|wird|werden|próxim\w*|nächst\w*|\w+rán?)\b",
    re.IGNORECASE,
)
# Past-tense evidence (en, es, pt, de): only with it does a bare weekday count backwards.
_PAST_RE = re.compile(
    r"\b(?:was|were|said|had|did|\w{3,}ed|fue|fueron|\w{3,}(?:ó|aron|ieron|ió)|foi|"
    r"(?:ha|han|había|habían|há|tem|têm)\s+(?:sido\s+)?\w+(?:ado|ido)|"
    r"\w{3,}(?:ou|aram|eram|iram)|wurden?|war|waren|hatte)\b",
    re.IGNORECASE,
)
_YEAR_CUES = frozenset(
    """in since until till by from to of between and the early late mid before after during
    through en em de desde hasta até ate seit im bis vor nach von zwischen año ano jahr year
    season""".split()
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """One resolved (or unresolvable) date expression in a text."""

    start: int
    end: int
    surface: str
    value: str  # ISO date, "YYYY-MM", "YYYY", or "" when unresolved
    granularity: str  # "day", "month", "year" (or "week" when unresolved)
    relative: bool
    anchor: str  # "explicit", "reference", "narrative" or "none"
    confidence: float
    note: str = ""


@dataclass(slots=True)
class _Context:
    text: str
    reference: date
    estimated: bool
    anchor: date | None  # last explicit day date seen so far, in reading order


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around [start, end)."""
    lo = max(text.rfind(". ", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start))
    his = [i for i in (text.find(". ", end), text.find("!", end), text.find("?", end)) if i >= 0]
    return text[lo + 1 : min(his) if his else len(text)]


def _future(text: str, start: int, end: int) -> bool:
    """True when the sentence around [start, end) speaks of the future."""
    return bool(_FUTURE_RE.search(_sentence(text, start, end)))


def _past(text: str, start: int, end: int) -> bool:
    """True when the sentence around [start, end) has a verb in a past tense."""
    return bool(_PAST_RE.search(_sentence(text, start, end)))


def infer_year(month: int, day: int | None, reference: date, future: bool,
               ahead: int = 7) -> int:
    """The year of a day-month (or month) without one, seen from the reference date.

    The most recent such date that is at most ``ahead`` days after the reference; when the
    sentence speaks of the future and that date lies more than a week in the past, the next.
    """
    year = reference.year
    d = day or 1
    if day is None:  # a month: compare months, not days
        if (year, month) > (reference.year, reference.month):
            year -= 1
        if future and (year, month) < (reference.year, reference.month):
            year += 1
        return year
    candidate = date(year, month, min(d, calendar.monthrange(year, month)[1]))
    if candidate > reference + timedelta(days=ahead):
        year -= 1
    elif future and candidate < reference - timedelta(days=7):
        year += 1
    return year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _mention(m: re.Match[str], value: str, granularity: str, relative: bool, anchor: str,
             confidence: float, note: str = "") -> DateMention:
    return DateMention(m.start(), m.end(), m.group(), value, granularity, relative, anchor,
                       confidence, note)


def _unresolved(m: re.Match[str], granularity: str, note: str) -> DateMention:
    return _mention(m, "", granularity, True, "none", 0.5, note)


# -- handlers: each turns one regex match into a DateMention (or None to ignore it) ---------

def _explicit(m: re.Match[str], ctx: _Context) -> DateMention | None:
    month = MONTHS[m.group("month").lower().rstrip(".")]
    day = int(m.group("day"))
    year_text = m.group("year")
    inferred = year_text is None
    # A listing date may be days after the item was written: no future tense reading then.
    # News announces dates up to a month ahead; a listing date may be later than the item.
    future = not ctx.estimated and _future(ctx.text, m.start(), m.end())
    ahead = 7 if ctx.estimated else 31
    year = int(year_text) if year_text else infer_year(month, day, ctx.reference, future, ahead)
    d = _safe_date(year, month, day)
    if d is None:
        return None
    note, confidence = "", 0.95 if not inferred else 0.85
    weekday = m.group("weekday")
    if weekday and WEEKDAYS[weekday.lower()] != d.weekday():
        note, confidence = "weekday does not match the date", confidence - 0.2
    ctx.anchor = d
    return _mention(m, d.isoformat(), "day", False, "explicit", confidence,
                    note or ("year inferred" if inferred else ""))


def _iso(m: re.Match[str], ctx: _Context) -> DateMention | None:
    d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if d is None:
        return None
    ctx.anchor = d
    return _mention(m, d.isoformat(), "day", False, "explicit", 0.95)


def _month_year(m: re.Match[str], ctx: _Context) -> DateMention | None:
    month = MONTHS[m.group("month").lower().rstrip(".")]
    return _mention(m, f"{int(m.group('year')):04d}-{month:02d}", "month", False, "explicit", 0.9)


def _bare_month(m: re.Match[str], ctx: _Context) -> DateMention | None:
    month = MONTHS[m.group("month").lower().rstrip(".")]
    cue = m.group("cue").lower()
    if cue in ("last", "pasado", "passado", "letzten"):
        year = ctx.reference.year - (1 if month >= ctx.reference.month else 0)
    elif cue in ("next", "próximo", "proximo", "nächsten"):
        year = ctx.reference.year + (1 if month <= ctx.reference.month else 0)
    else:
        future = not ctx.estimated and _future(ctx.text, m.start(), m.end())
        year = infer_year(month, None, ctx.reference, future)
    return _mention(m, f"{year:04d}-{month:02d}", "month", False, "reference", 0.8,
                    "year inferred")


_DEICTIC = {
    "yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1, "this morning": 0,
    "this afternoon": 0, "this evening": 0, "last night": -1, "earlier today": 0,
    "day before yesterday": -2, "day after tomorrow": 2,
    "ayer": -1, "hoy": 0, "anoche": -1, "anteayer": -2, "esta mañana": 0, "esta tarde": 0,
    "esta noche": 0, "pasado mañana": 2, "mañana": 1,
    "ontem": -1, "hoje": 0, "amanhã": 1, "anteontem": -2, "esta manhã": 0, "hoje à noite": 0,
    "gestern": -1, "heute": 0, "morgen": 1, "vorgestern": -2, "übermorgen": 2,
    "heute morgen": 0, "gestern abend": -1,
}


def _deictic(m: re.Match[str], ctx: _Context) -> DateMention | None:
    word = m.group().lower()
    word = " ".join(word.split())
    if word == "morgen" and m.group()[0].isupper():
        return None  # German "Morgen" is "morning" (or a sentence start): no guess
    if word == "mañana" and re.search(r"(?:la|esta|por la|de la)\s+$", ctx.text[: m.start()],
                                      re.IGNORECASE):
        return None  # "por la mañana": the morning, not tomorrow
    d = ctx.reference + timedelta(days=_DEICTIC[word])
    return _mention(m, d.isoformat(), "day", True, "reference", 0.8 if ctx.estimated else 0.9)


_PERIODS = {
    "last month": ("month", -1), "this month": ("month", 0), "next month": ("month", 1),
    "earlier this month": ("month", 0), "later this month": ("month", 0),
    "last year": ("year", -1), "this year": ("year", 0), "next year": ("year", 1),
    "earlier this year": ("year", 0), "later this year": ("year", 0),
    "el mes pasado": ("month", -1), "este mes": ("month", 0), "el próximo mes": ("month", 1),
    "el año pasado": ("year", -1), "este año": ("year", 0), "el próximo año": ("year", 1),
    "o mês passado": ("month", -1), "este mês": ("month", 0), "no mês passado": ("month", -1),
    "o ano passado": ("year", -1), "este ano": ("year", 0), "no ano passado": ("year", -1),
    "no próximo ano": ("year", 1), "letzten monat": ("month", -1), "diesen monat": ("month", 0),
    "letztes jahr": ("year", -1), "dieses jahr": ("year", 0), "nächstes jahr": ("year", 1),
    "vergangenes jahr": ("year", -1), "im vergangenen jahr": ("year", -1),
}


def _period(m: re.Match[str], ctx: _Context) -> DateMention | None:
    granularity, shift = _PERIODS[" ".join(m.group().lower().split())]
    if granularity == "year":
        return _mention(m, f"{ctx.reference.year + shift:04d}", "year", True, "reference", 0.9)
    d = _shift_months(ctx.reference.replace(day=1), shift)
    return _mention(m, f"{d.year:04d}-{d.month:02d}", "month", True, "reference", 0.9)


def _week(m: re.Match[str], ctx: _Context) -> DateMention | None:
    return _unresolved(m, "week", "a week is not a day, month or year")


def _count(text: str) -> int | None:
    text = text.lower()
    return int(text) if text.isdigit() else NUMBERS.get(text)


def _offset(d: date, n: int, unit: str) -> tuple[str, str]:
    unit = unit.rstrip("s")
    if unit == "day":
        return (d + timedelta(days=n)).isoformat(), "day"
    if unit == "week":
        return (d + timedelta(days=7 * n)).isoformat(), "day"
    if unit == "month":
        shifted = _shift_months(d, n)
        return f"{shifted.year:04d}-{shifted.month:02d}", "month"
    return f"{d.year + n:04d}", "year"


def _ago(m: re.Match[str], ctx: _Context) -> DateMention | None:
    n = _count(m.group("n"))
    if n is None:
        return None
    value, granularity = _offset(ctx.reference, -n, m.group("unit").lower())
    return _mention(m, value, granularity, True, "reference", 0.8)


def _later(m: re.Match[str], ctx: _Context) -> DateMention | None:
    n = _count(m.group("n"))
    unit = m.group("unit").lower()
    if n is None or ctx.anchor is None:
        return _unresolved(m, "day" if unit.startswith(("day", "week")) else unit.rstrip("s"),
                           "no earlier explicit date to count from")
    sign = -1 if m.group("dir").lower() in ("earlier", "before") else 1
    value, granularity = _offset(ctx.anchor, sign * n, unit)
    return _mention(m, value, granularity, True, "narrative", 0.75)


def _vague(m: re.Match[str], ctx: _Context) -> DateMention | None:
    return _unresolved(m, "month" if "month" in m.group().lower() else "day", "vague span")


def _weekday(m: re.Match[str], ctx: _Context) -> DateMention | None:
    name = m.group("weekday")
    if name[0].islower() and not m.group("cue"):
        return None  # a bare lower-case weekday is too often something else ("domingo")
    target = WEEKDAYS[name.lower()]
    cue = (m.group("cue") or "").lower().strip()
    ref = ctx.reference
    if cue in ("last", "el pasado", "pasado", "passado", "letzten", "vergangenen"):
        back = (ref.weekday() - target) % 7 or 7
        d, anchor = ref - timedelta(days=back), "reference"
    elif cue in ("next", "el próximo", "próximo", "próxima", "nächsten", "kommenden",
                 "this coming", "coming"):
        d, anchor = ref + timedelta(days=(target - ref.weekday()) % 7 or 7), "reference"
    elif target == ref.weekday() and not ctx.estimated:
        d, anchor = ref, "reference"  # last or next such weekday: either way, that day
    elif not ctx.estimated and _future(ctx.text, m.start(), m.end()):
        d, anchor = ref + timedelta(days=(target - ref.weekday()) % 7), "reference"
    elif not ctx.estimated and (_past(ctx.text, m.start(), m.end())
                                or ctx.text[m.end() : m.end() + 2] in ("'s", "’s")):
        d, anchor = ref - timedelta(days=(ref.weekday() - target) % 7), "reference"
    elif ctx.anchor is not None and ctx.anchor <= ref:
        # "Friday 7 November ... On Sunday": the first such weekday after the last date.
        d, anchor = ctx.anchor + timedelta(days=(target - ctx.anchor.weekday()) % 7), "narrative"
        if d > ref + timedelta(days=1):
            return _unresolved(m, "day", "weekday after the anchor lies beyond the reference")
    elif ctx.estimated:
        return _unresolved(m, "day", "reference date is an estimate; weekday not resolved")
    else:
        return _unresolved(m, "day", "no tense to tell the last such weekday from the next")
    return _mention(m, d.isoformat(), "day", True, anchor, 0.7)


def _year(m: re.Match[str], ctx: _Context) -> DateMention | None:
    before = ctx.text[: m.start()]
    after = ctx.text[m.end() :]
    prev = re.search(r"([\w\-]+)\W*$", before)
    prev_word = prev.group(1).lower() if prev else ""
    if re.search(r"[$€£¥#]\s*$|\d[.,]?$", before) or re.match(r"\s*(?:%|per\s?cent|[.,]\d)",
                                                              after):
        return None
    range_next = re.match(r"\s*(?:[-–—]|to|a|bis|até|y|and)\s*(?:1[89]|20)\d\d\b", after)
    ends = not after.strip() or after.lstrip()[:1] in ".,;:)!?'\"’”"
    if not (prev_word in _YEAR_CUES or prev_word.startswith("mid") or range_next or ends
            or re.search(r"[-–—]\s*$", before)):
        return None
    return _mention(m, m.group(), "year", False, "explicit", 0.9)


def _next_day(m: re.Match[str], ctx: _Context) -> DateMention | None:
    which = (m.group("which") or m.group("w2") or "").lower()
    if ctx.anchor is None:
        return _unresolved(m, "day", "no earlier explicit date to count from")
    shift = -1 if which in ("previous", "day before") else 1
    return _mention(m, (ctx.anchor + timedelta(days=shift)).isoformat(), "day", True,
                    "narrative", 0.75)


def _deictic_any(m: re.Match[str], ctx: _Context) -> DateMention | None:
    word = " ".join(m.group().lower().split())
    if word.startswith("the "):
        word = word[4:]
    if word not in _DEICTIC:
        return None
    return _deictic(m, ctx)


_FLAGS = re.IGNORECASE
_DAY = r"(?P<day>[0-3]?\d)(?!\d)(?:st|nd|rd|th|º|\.)?"
_YEAR_OPT = r"(?:,?\s+(?:de\s+|of\s+)?(?P<year>(?:1[89]|20)\d\d)(?!\d))?"
_WD_OPT = rf"(?:(?P<weekday>{WEEKDAY}),?\s+(?:the\s+)?)?"
PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], _Context], DateMention | None]]] = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso),
    (re.compile(rf"\b{_WD_OPT}{_DAY}\s+(?:de\s+|of\s+)?(?P<month>{MONTH_D})(?![a-zà-ÿ]){_YEAR_OPT}",
                _FLAGS), _explicit),
    (re.compile(rf"\b{_WD_OPT}(?P<month>{MONTH_D})\s+{_DAY}(?![\d:%]){_YEAR_OPT}", _FLAGS),
     _explicit),
    (re.compile(rf"\b(?P<month>{MONTH})\s+(?:de\s+|of\s+)?(?P<year>(?:1[89]|20)\d\d)\b", _FLAGS),
     _month_year),
    (re.compile(rf"\b(?P<cue>in|since|until|by|during|early|late|mid-?|last|next|this|en|em|im|"
                rf"desde|seit|bis|hasta|até|el pasado|pasado|el próximo|próximo|letzten|"
                rf"nächsten|ende|anfang|mitte|principios de|finales de|fines de|início de|"
                rf"fim de)\s+(?P<month>{MONTH})(?![\w\-])(?!\s+(?:de\s+|of\s+)?\d)", _FLAGS),
     _bare_month),
    (re.compile(r"\b(?:(?:earlier|later)\s+this\s+(?:month|year)|(?:last|this|next)\s+"
                r"(?:month|year)|(?:el|o|no)\s+(?:mes|mês|año|ano)\s+(?:pasado|passado)|"
                r"(?:el|no)\s+próximo\s+(?:mes|año|ano)|este\s+(?:mes|mês|año|ano)|"
                r"(?:letzten|diesen)\s+Monat|(?:im\s+vergangenen|vergangenes|letztes|dieses|"
                r"nächstes)\s+Jahr)\b", _FLAGS), _period),
    (re.compile(r"\b(?:(?:last|this|next)\s+week|la\s+semana\s+(?:pasada|próxima)|esta\s+semana|"
                r"(?:na\s+)?semana\s+passada|esta\s+semana|(?:letzte|diese|nächste)\s+Woche)\b",
                _FLAGS), _week),
    (re.compile(rf"\b(?P<n>{_NUM})\s+(?P<unit>{_UNIT})\s+ago\b", _FLAGS), _ago),
    (re.compile(rf"\b(?P<n>{_NUM})\s+(?P<unit>{_UNIT})\s+(?P<dir>later|after|earlier|before)\b",
                _FLAGS), _later),
    (re.compile(r"\bthe\s+(?P<which>next|following|previous)\s+day\b|\bthe\s+(?P<w2>day\s+"
                r"before|day\s+after)\b(?!\s+(?:yesterday|tomorrow))", _FLAGS), _next_day),
    (re.compile(r"\b(?:a\s+(?:couple|few)\s+of\s+(?:days|weeks|months)\s+(?:later|earlier|"
                r"ago)|(?:some|several|a\s+few)\s+(?:days|weeks|months)\s+(?:later|earlier|ago))\b",
                _FLAGS), _vague),
    (re.compile(r"\b(?:the\s+)?(?:day\s+before\s+yesterday|day\s+after\s+tomorrow)\b|"
                r"\b(?:yesterday|today|tonight|tomorrow|this\s+(?:morning|afternoon|evening)|"
                r"last\s+night|earlier\s+today|pasado\s+mañana|anteayer|ayer|hoy|anoche|"
                r"esta\s+(?:mañana|tarde|noche)|mañana|anteontem|ontem|hoje\s+à\s+noite|hoje|"
                r"amanhã|esta\s+manhã|vorgestern|übermorgen|gestern\s+abend|gestern|"
                r"heute\s+morgen|heute|morgen)\b", _FLAGS), _deictic_any),
    (re.compile(rf"(?:\b(?P<cue>last|next|this\s+coming|coming|el\s+pasado|el\s+próximo|próxim[oa]|"
                rf"pasado|passado|letzten|vergangenen|nächsten|kommenden|on|este|esta|el|la|"
                rf"no|na|am)\s+)?"
                rf"\b(?P<weekday>{WEEKDAY})\b(?!\s*[,]?\s*(?:[0-3]?\d\b|{MONTH_D}))", _FLAGS),
     _weekday),
    (re.compile(r"(?<![\w./])(?P<y>(?:1[89]|20)\d\d)(?![\w/]|[.,]\d|-\w)"), _year),
]


# What each pattern cannot match without, in PATTERNS order: (needs a digit, one of these
# words). Most texts name no month, weekday or deictic word, and these scans are much cheaper
# than the fourteen case-insensitive patterns with their optional leading groups.
_MONTH_WORDS = frozenset(MONTHS)
_TRIGGERS: list[tuple[bool, frozenset[str] | None]] = [
    (True, None),
    (True, _MONTH_WORDS),
    (True, _MONTH_WORDS),
    (True, _MONTH_WORDS),
    (False, _MONTH_WORDS),
    (False, frozenset("month year mes mês año ano monat jahr".split())),
    (False, frozenset("week semana woche".split())),
    (False, frozenset({"ago"})),
    (False, frozenset("later after earlier before".split())),
    (False, frozenset({"day"})),
    (False, frozenset("days weeks months".split())),
    (False, frozenset("""yesterday today tonight tomorrow morning afternoon evening night mañana
        anteayer ayer hoy anoche tarde noche anteontem ontem hoje amanhã manhã vorgestern
        übermorgen gestern heute morgen""".split())),
    (False, frozenset(w.split("-")[0] for w in WEEKDAYS)),
    (True, None),
]
assert len(_TRIGGERS) == len(PATTERNS)
_WORD_RE = re.compile(r"[^\W\d_]+")
_DIGIT_RE = re.compile(r"\d")


def find_dates(
    text: str, reference: date, estimated: bool = False, anchor: date | None = None
) -> tuple[list[DateMention], date | None]:
    """Find and resolve the date expressions of one text, in reading order.

    ``anchor`` is the last explicit day date of earlier text of the same item (narrative
    expressions count from it); the anchor after this text is returned with the mentions.
    """
    found: list[tuple[int, int, int, re.Match[str]]] = []
    words = frozenset(_WORD_RE.findall(text.lower()))
    digit = _DIGIT_RE.search(text) is not None
    for priority, (pattern, _handler) in enumerate(PATTERNS):
        need_digit, need_words = _TRIGGERS[priority]
        if (need_digit and not digit) or (need_words is not None and words.isdisjoint(
                need_words)):
            continue  # this pattern cannot match here
        for m in pattern.finditer(text):
            found.append((m.start(), -(m.end() - m.start()), priority, m))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    ctx = _Context(text, reference, estimated, anchor)
    taken_until = -1
    mentions: list[DateMention] = []
    for start, _neg_len, priority, m in found:
        if start < taken_until:
            continue
        mention = PATTERNS[priority][1](m, ctx)
        if mention is not None:
            mentions.append(mention)
            taken_until = m.end()
    return mentions, ctx.anchor


class DatesComponent:
    """Adds ``date`` facts resolved against the item's publication date."""

    name = "dates"
    requires: tuple[str, ...] = ("headline", "teaser", "published")
    provides: tuple[str, ...] = ("facts",)

    def __init__(self, body_chars: int = 1000) -> None:
        self.body_chars = body_chars

    def __call__(self, item: Item) -> Item:
        """Find the dates in headline, teaser and body and append one fact per mention."""
        reference = None if item.published is None else item.published.date()
        anchor: date | None = None
        for fld, text in (("headline", item.headline), ("teaser", item.teaser),
                          ("body", item.body[: self.body_chars])):
            if not text:
                continue
            if reference is None:
                mentions = [_without_reference(mn) for mn in
                            find_dates(text, date(2000, 1, 1), True, None)[0]]
            else:
                mentions, anchor = find_dates(text, reference, item.published_estimated, anchor)
            for mn in mentions:
                extra: dict[str, Any] = {
                    "resolved": bool(mn.value), "granularity": mn.granularity,
                    "relative": mn.relative, "anchor": mn.anchor,
                    "reference": reference.isoformat() if reference else None,
                    "reference_estimated": item.published_estimated,
                }
                if mn.note:
                    extra["note"] = mn.note
                item.facts.append(
                    Fact(kind="date", value=mn.value, surface=mn.surface, field=fld,
                         start=mn.start, end=mn.end, component=self.name,
                         confidence=mn.confidence, extra=extra)
                )
        return item


def _without_reference(mn: DateMention) -> DateMention:
    """Without a reference date only dates that carry their own year stay resolved."""
    if mn.anchor == "explicit" and "inferred" not in mn.note:
        return mn
    return DateMention(mn.start, mn.end, mn.surface, "", mn.granularity, mn.relative, "none",
                       0.5, "no reference date")
