"""Closed-class word lists for English, Spanish, Portuguese and German.

Written by hand, not learnt from data: they name kinds of words (articles, prepositions,
pronouns, auxiliaries, time adverbs) that open a teaser sentence or glue a headline together,
so they carry over to publishers the model has never seen. No content words, no names.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "de")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that typically open a teaser's first sentence. Matched case-sensitively
# after stripping opening quotes, so "the" inside a headline does not count.
STARTERS: frozenset[str] = _words(
    # English
    "The A An In On At As After Before When While With For From By Yesterday Today Tonight "
    "This That These Those It He She They We I You Our His Her Their Its There Here Some Many "
    "Several Two Three Four Five Since Despite Although Though But And If According Following "
    "Last Over Under Now Just One Every Almost Nearly About Around During Amid Earlier Later "
    "What How Why Who Where Thousands Hundreds Millions Dozens Only Once So Such Even Having "
    "Each Both All Any Most More Much Another Other Unlike Like Instead Meanwhile However "
    "Sunday Monday Tuesday Wednesday Thursday Friday Saturday Until Ahead Within Without "
    "Among Across Between Nearly Almost Not No Few Over Up "
    # Spanish
    "El La Los Las Un Una Unos Unas En Con Por Para Tras Según Desde Durante Ante Este Esta "
    "Estos Estas Ese Esa Hoy Ayer Cuando Aunque Pero Y Si Más Al Del Su Sus Lo Le Se No Cada "
    "Todos Todas Miles Cientos Dos Tres Hace Mientras Como Sin Sobre Entre Hasta Otro Otra "
    "Ya Quien Quienes Qué Cómo Cuál Aquí Allí "
    # Portuguese
    "O Os As Um Uma Em No Na Nos Nas Com Após Segundo Esse Essa Isso Isto Hoje Ontem Quando "
    "Embora Mas E Mais Ao Aos Do Da Dos Das Seu Sua Seus Suas Milhares Duas Três Há Enquanto "
    "Sem Até Já Neste Nesta Nesse Nessa Pela Pelo Depois Antes "
    # German
    "Der Die Das Ein Eine Einen Einem Im Am Um Auf Nach Vor Bei Mit Seit Für Wegen Trotz Laut "
    "Heute Gestern Morgen Als Wenn Während Doch Aber Und Es Er Sie Wir Ich Man Dieser Diese "
    "Dieses Zum Zur Vom Beim Über Unter Auch Noch Schon Mehr Zwei Drei Nun Jetzt Wer Was Wie "
    "Warum Wo Bislang Bisher Rund Knapp Erst Zuvor Damit Dabei Denn"
)

# Function words per language (lower case): language guess and "glue word" cue.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the a an of to in on at for with by from and or as is are was were be been has have had "
        "that this it its his her their after over into but not will would says said up out "
        "about than who which what how why when he she they we you i our than more"
    ),
    "es": _words(
        "el la los las de del y en un una que por con para se su sus al lo es son ha han como "
        "más pero sobre tras entre este esta ya no le les muy desde hasta fue según"
    ),
    "pt": _words(
        "o a os as de do da dos das e em no na nos nas um uma que por com para se seu sua ao é "
        "são foi mais mas sobre após entre este esta não pelo pela já ser como"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einem und in im auf mit für von zu zum zur ist "
        "sind war wird werden hat haben nicht sich auch bei nach aus über vom am es als wie "
        "noch nur oder aber"
    ),
}

# Words that identify a language better than others (used for the language guess only).
LANGUAGE_MARKERS: dict[str, frozenset[str]] = {
    "en": _words("the of to and is are was were with that this for from has have said says"),
    "es": _words("el los las del y que por con para su sus al es son ha han según más"),
    "pt": _words("os do da dos das em no na um uma que com para seu sua ao é são foi não"),
    "de": _words("der die das den dem des ein eine und im auf mit für von zu ist sind wird hat"),
}

ALL_FUNCTION_WORDS: frozenset[str] = frozenset().union(*FUNCTION_WORDS.values())

# Time adverbs that open a teaser's first clause ("Yesterday, the Peruvian congress…"); with a
# starter followed by a comma ("However,", "On Monday," does not count: "On" has no comma)
# they make ``clause_opener`` (features.py).
TIME_OPENERS: frozenset[str] = _words(
    "Yesterday Today Tonight Earlier Meanwhile However Ayer Hoy Anoche Ontem Hoje Gestern Heute"
)

# Small words that Title Case keeps lower case; capitalised, they betray Title Case (or a start).
SMALL_WORDS: frozenset[str] = _words(
    "a an the and but or nor for of to in on at by with from as is vs via into over up"
)

# Auxiliaries and reporting verbs: a finite verb suggests a clause (teaser or headline).
VERB_CUES: frozenset[str] = _words(
    "is are was were has have had will would could can may might must says said say told "
    "announced reported plans wants gets got makes made takes took been being does did do "
    "es son fue fueron ha han dijo anunció será está están tiene tienen puede "
    "é são foi foram tem têm disse anunciou será está estão vai pode "
    "ist sind war waren hat haben wird werden soll sollen will kann können gibt sagte"
)

# Abbreviations ending in a full stop that do not end a sentence.
ABBREVIATIONS: frozenset[str] = _words(
    "mr. mrs. ms. dr. st. jr. sr. inc. co. corp. ltd. plc. no. vs. gov. sen. rep. gen. lt. "
    "col. sgt. capt. prof. rev. mt. ft. jan. feb. mar. apr. aug. sept. sep. oct. nov. dec. "
    "u.s. u.k. u.n. e.u. d.c. a.m. p.m. sr. sra. dra. nº núm. etc. z.b. bzw. ca. dt. "
    "calif. fla. ky. mass. n.y. wash. ariz. colo. conn. ill. mich. minn. tenn. tex. va. pa."
)

# News agencies, which open datelines ("LONDON (Reuters) -", "AP -", "MADRI, 24 SET (ANSA) -").
AGENCIES: frozenset[str] = _words(
    "reuters ap afp ansa dpa efe upi xinhua bloomberg apa sid kna epd lusa agência agencia "
    "europa press spacecom space.com pti ians"
)
