"""Word tokens and capitalised-name candidates, for term similarity and story explanations.

Written by hand because the need is narrow (lower-cased word tokens without stop words, in
the four languages of the sample feeds) and a tokenizer library would dominate the cost.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")

# The most frequent function words of each language the sample feeds carry. Per language,
# because a function word of one is a content word of another: German "war", "man", "die".
STOP_WORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "en": frozenset(
        """
        a about above after again against all also am an and any are as at be because been
        before being below between both but by can could did do does doing down during each few
        for from further had has have having he her here hers herself him himself his how i if
        in into is it its itself just me more most my myself no nor not now of off on once only
        or other our ours out over own same she should so some such than that the their theirs
        them themselves then there these they this those through to too under until up very was
        we were what when where which while who whom why will with would you your yours yourself
        says said say new one two amid via per us vs get gets got may might must shall still yet
        already ever never year years day days week time times first last next since back like
        make made according including told around even latest report reports
        """.split()
    ),
    "es": frozenset(
        """
        de la que el en y a los del se las por un para con no una su al lo como más pero sus le
        ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien
        desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes
        algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual
        poco ella estar estas algunas algo nosotros ser es son fue era han ha sido así además
        mientras según tras hoy ayer mañana año años día días vez veces parte caso través cada
        gran mismo misma hace hacer puede pueden tiene tienen había están estaba
        """.split()
    ),
    "pt": frozenset(
        """
        de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao
        ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso
        ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram
        essa num nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho lhe
        deles essas esses pelas este ainda sobre após ano anos dia dias vez pode podem estar
        hoje ontem
        """.split()
    ),
    "de": frozenset(
        """
        der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es
        an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so
        zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei sagte sagt neue
        neuen jahr jahre heute gestern seit wieder schon ab kann können
        """.split()
    ),
}
STOP_WORDS: frozenset[str] = frozenset().union(*STOP_WORDS_BY_LANGUAGE.values())


def stop_words(language: str | None) -> frozenset[str]:
    """English function words, plus those of ``language`` when it is known."""
    english = STOP_WORDS_BY_LANGUAGE["en"]
    if not language or language == "en":
        return english
    return english | STOP_WORDS_BY_LANGUAGE.get(language, frozenset())


def words(text: str, language: str | None = None) -> list[str]:
    """Lower-cased word tokens without possessive endings, stop words or bare numbers."""
    stop = stop_words(language)
    out = []
    for match in _WORD.finditer(text):
        token = _POSSESSIVE.sub("", match.group().casefold())
        if len(token) < 2 or token in stop or token.isdigit():
            continue
        out.append(token)
    return out


_NAME_RUN = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’.-]*|[A-Z]{2,})(?:\s+(?:[A-Z][\w'’.-]*|de|da|del|van|von|al|bin))*"
)
_SENTENCE_END = re.compile(r"(?:[.!?:;\"“”‘’(\[–—-]|\n)\s*$")
_INNER_STOP = re.compile(r"(?<=[a-z0-9])[.:;!?]\s+")
# Capitalised in English whatever their role, so never evidence of a shared name.
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december today yesterday tomorrow".split()
)


def capitalised_names(text: str) -> set[str]:
    """Capitalised word runs not at the start of a sentence: cheap name candidates.

    The first word of a sentence is capitalised whatever it is, so a run there only counts
    from its second word. The understand stage's entities replace these when present.
    """
    names: set[str] = set()
    for match in _NAME_RUN.finditer(text):
        before = text[: match.start()]
        at_start = not before.strip() or bool(_SENTENCE_END.search(before))
        for piece in _INNER_STOP.split(match.group()):
            parts = piece.split()
            if at_start:
                parts = parts[1:]
            at_start = True  # every piece after an inner full stop starts a sentence
            parts = [_POSSESSIVE.sub("", p) for p in parts]
            while parts and (parts[-1].islower() or parts[-1].casefold() in _CALENDAR):
                parts.pop()
            while parts and parts[0].casefold() in _CALENDAR:
                parts.pop(0)
            name = " ".join(parts).strip(".-'’").casefold()
            if len(name) > 1 and name not in STOP_WORDS:
                names.add(name)
    return names
