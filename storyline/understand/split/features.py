"""Candidate boundaries and their features.

A line is cut at a space: candidate ``i`` puts tokens ``0..i`` in the headline and the rest in
the teaser. One more candidate, the last row, means "no cut" (a headline-only line). Each
candidate is described by the shapes of the tokens around it (capitalisation, punctuation,
closed-class words), by what lies to its left (is the headline in Title Case? are quotes
still open?) and right (does a sentence-case clause follow?), and by length priors.

Token shapes are cached per distinct token string: news vocabulary repeats, and this is what
keeps splitting at thousands of lines per second in pure Python and numpy.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from storyline.understand.split.knowledge import N_CLUSTER_CLASSES, word_knowledge, word_usage
from storyline.understand.split.pairs import CutPairs, token_class
from storyline.understand.split.words import (
    ABBREVIATIONS,
    AGENCIES,
    ALL_FUNCTION_WORDS,
    LANGUAGE_MARKERS,
    LANGUAGES,
    SMALL_WORDS,
    STARTERS,
    TIME_OPENERS,
    VERB_CUES,
)

# Headlines longer than this many tokens are not considered (the longest gold title has 27).
MAX_HEAD_TOKENS = 40
# Tokens to the right of a candidate that its features look at.
RIGHT_WINDOW = 5

_OPEN = "“«‹\"'‘([¿¡„"
_CLOSE = "”»›\"'’)]"
_SENT_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_DASHES = frozenset({"-", "--", "–", "—", "|", "·", "•"})
_ABBREV_SHAPE = re.compile(r"^(?:[A-Za-z]\.){1,3}$")
_HAS_DIGIT = re.compile(r"\d")

# Token shape columns (one row per token). Order matters: the model's weights follow it.
TOKEN_FEATURES: tuple[str, ...] = (
    "cap",  # first letter upper case, not all capitals
    "allcaps",  # two or more letters, all upper case
    "lower",  # first letter lower case
    "digit_start",
    "open_quote",  # starts with a quote or bracket
    "end_period",  # ends a sentence with "." (not an abbreviation)
    "end_excl_q",  # ends with "!" or "?"
    "end_colon",
    "end_comma",  # "," or ";"
    "end_close_quote",  # ends with a closing quote or bracket
    "ellipsis",
    "dash",  # a dash or bar on its own
    "abbrev",  # "U.S.", "Mr.", "Ky."
    "function_word",  # closed-class word (lower case)
    "starter",  # capitalised teaser opener ("The", "Yesterday", "Die", "Según")
    "verb_cue",
    "agency",  # "Reuters", "(AP)", "AFP"
    "small_capitalised",  # "To", "Of", "In": Title Case or a sentence start
    "has_digit",
    "possessive",  # "Biden's"
    "long",  # log length
    "single_letter",
    "ends_dash",  # "AP-" / "Reuters-"
    "quote_balance",  # opening minus closing curly quotes and brackets
    "straight_quotes",  # number of '"'
    "dateline_head",  # could open a dateline: "LONDON", "AP", "Reuters"
    "dateline_mark",  # closes a dateline: a dash or "(Reuters)"
    "marker_en",  # language marker words (for the language guess)
    "marker_es",
    "marker_pt",
    "marker_de",
    "plain_lower",  # a lower-case word, not a web address or "iPhone": never opens a teaser
    "clause_opener",  # "Yesterday", "Today,", "However,": opens a teaser's first clause
    "bare_name",  # capitalised, not a starter, no punctuation after it: "Peru", "Sagasti"
    "ordinary",  # an ordinary English word in lower case ("Opener", "Capital"; knowledge.py)
    "given_name",  # a given name ("Justin", "MARK")
    "place",  # a one-word place name ("Peru", "YORK")
    # How the word is used in English web text (knowledge.WordUsage): capitalised more or
    # less often than not, how common, whether known, and its Brown cluster class.
    "usage_cap_ratio",
    "usage_frequency",
    "usage_known",
    *(f"usage_class_{i}" for i in range(N_CLUSTER_CLASSES)),
)
N_TOKEN = len(TOKEN_FEATURES)


def _plain_word(core: str) -> bool:
    """Letters only (hyphens and apostrophes allowed), no capital after the first letter."""
    bare = core.replace("-", "").replace("'", "").replace("’", "")
    return bare.isalpha() and bare[1:].islower() if len(bare) > 1 else bare.isalpha()


def _letters(token: str) -> str:
    return "".join(ch for ch in token if ch.isalpha())


def token_info(token: str) -> tuple[tuple[float, ...], str]:
    """The shape features of one token (see ``TOKEN_FEATURES``) and its bare lower-case form."""
    letters = _letters(token)
    core = token.strip(_OPEN + _CLOSE + ".,;:!?…")
    lower_core = core.lower()
    first = letters[:1]
    allcaps = len(letters) >= 2 and letters.isupper()
    stripped_end = token.rstrip(_CLOSE)
    is_abbrev = (bool(_ABBREV_SHAPE.match(core + ".")) and token.endswith(".")) or (
        token.lower().strip(_OPEN + _CLOSE) in ABBREVIATIONS
    )
    agency = lower_core in AGENCIES
    shape = (
        float(bool(first) and first.isupper() and not allcaps),
        float(allcaps),
        float(bool(first) and first.islower()),
        float(token[:1].isdigit()),
        float(token[:1] in _OPEN),
        float(stripped_end.endswith(".") and not stripped_end.endswith("...") and not is_abbrev),
        float(stripped_end.endswith(("!", "?"))),
        float(token.endswith(":")),
        float(token.endswith((",", ";"))),
        float(token[-1:] in _CLOSE and len(token) > 1),
        float(stripped_end.endswith(("...", "…"))),
        float(token in _DASHES),
        float(is_abbrev),
        float(lower_core in ALL_FUNCTION_WORDS and bool(first) and first.islower()),
        float(core in STARTERS),
        float(lower_core in VERB_CUES),
        float(agency),
        float(lower_core in SMALL_WORDS and bool(first) and first.isupper()),
        float(bool(_HAS_DIGIT.search(token))),
        float(lower_core.endswith(("'s", "’s"))),
        math.log1p(len(token)) / 3.0,
        float(len(letters) == 1),
        float(len(token) > 1 and token.endswith("-") and token[:-1].isalpha()),
        float(sum(token.count(ch) for ch in "“«(‹[¿¡„") - sum(token.count(ch) for ch in "”»)›]")),
        float(token.count('"')),
        float(allcaps or agency),
        float(token in _DASHES or (agency and token.startswith("("))),
        *(float(lower_core in LANGUAGE_MARKERS[lang]) for lang in LANGUAGES),
        float(core[:1].islower() and _plain_word(core)),
        float(core in TIME_OPENERS or (token.endswith(",") and core in STARTERS)),
        float(bool(first) and first.isupper() and not allcaps and core not in STARTERS
              and token[-1:].isalnum()),
        *word_knowledge(core),
        *word_usage(core),
    )
    return shape, lower_core


class Lexicon:
    """Word statistics learnt from training text (no whole headlines, single words only).

    ``start``: how often a word form (case kept) opens a sentence in teaser text, out of its
    occurrences there; "The" almost always, "British" rarely. ``end``: how often a word (lower
    case) ends a headline, out of its occurrences in headlines; "profits" often, "hit" rarely.
    Both are smoothed towards the overall rate, so rare words say little.
    """

    def __init__(
        self,
        stats: dict[str, tuple[float, float, float, float]],
        phrases: NDArray[np.uint16] | None = None,
        pairs: CutPairs | None = None,
    ) -> None:
        self.stats = stats
        # Hashed counts of word pairs in headlines (see ``phrase_key``): "Fox News", "Gaza
        # Strip". A cut inside a common phrase is unlikely.
        self.phrases = np.zeros(1, dtype=np.uint16) if phrases is None else phrases
        # Cut counts by word class (pairs.py); none: the seven columns stay zero.
        self.pairs = CutPairs.empty() if pairs is None else pairs
        start_k = sum(v[0] for v in stats.values())
        start_n = sum(v[1] for v in stats.values())
        end_k = sum(v[2] for v in stats.values())
        end_n = sum(v[3] for v in stats.values())
        self.start_prior = (start_k + 1.0) / (start_n + 2.0)
        self.end_prior = (end_k + 1.0) / (end_n + 2.0)

    def without_words(self) -> Lexicon:
        """The same priors with no word known: what a text in an unseen language looks like."""
        blind = Lexicon({}, self.phrases, self.pairs)
        blind.start_prior, blind.end_prior = self.start_prior, self.end_prior
        return blind

    def features(self, token: str) -> tuple[float, float, float, float]:
        """(start logit, start evidence, end logit, end evidence) for one token."""
        core = token.strip(_OPEN + _CLOSE + ".,;:!?…")
        sk, sn, _, _ = self.stats.get(core, (0.0, 0.0, 0.0, 0.0))
        _, _, ek, en = self.stats.get(core.lower(), (0.0, 0.0, 0.0, 0.0))
        alpha = 5.0
        ps = (sk + alpha * self.start_prior) / (sn + alpha)
        pe = (ek + alpha * self.end_prior) / (en + alpha)
        return (
            math.log(ps / (1.0 - ps + 1e-9) + 1e-9) / 5.0,
            math.log1p(sn) / 8.0,
            math.log(pe / (1.0 - pe + 1e-9) + 1e-9) / 5.0,
            math.log1p(en) / 8.0,
        )


N_LEX = 4
N_ROW = N_TOKEN + N_LEX  # features per token
# Extra table columns after the features: characters (with the following space), word hash.
_CHARS_COL = N_ROW
_HASH_COL = N_ROW + 1
_CONTENT_COL = N_ROW + 2  # a content word (not a function word, over two letters)
_WORD_ID_COL = N_ROW + 3  # the bare word's number in the table: equal words, equal numbers
_CLASS_COL = N_ROW + 4  # the word's class + 1 and closing mark (pairs.token_class)
_MARK_COL = N_ROW + 5
_TABLE_COLS = N_ROW + 6
PHRASE_BITS = 20
_PHRASE_MULT = 1_000_003


def word_hash(word: str) -> int:
    """Stable hash of a bare lower-case word (crc32), the unit of the phrase table."""
    return zlib.crc32(word.encode("utf-8"))


def phrase_key(first: int, second: int, size: int) -> int:
    """Bucket of the word pair (``word_hash`` values) in a phrase table of ``size``."""
    return (first * _PHRASE_MULT + second) & (size - 1)


def phrase_counts(texts: Sequence[str]) -> Counter[tuple[int, int]]:
    """Counts of adjacent word pairs (``word_hash`` of lower case, unpunctuated words)."""
    counts: Counter[tuple[int, int]] = Counter()
    strip = _OPEN + _CLOSE + ".,;:!?…"
    for text in texts:
        words = [word_hash(t.strip(strip).lower()) for t in tokenize(text)]
        counts.update(itertools.pairwise(words))
    return counts


def phrase_table(counts: Counter[tuple[int, int]], min_count: int = 2) -> NDArray[np.uint16]:
    """Hashed table of the pair ``counts`` (see ``phrase_counts``). Pairs seen fewer than
    ``min_count`` times are dropped; counts saturate at 65535."""
    size = 1 << PHRASE_BITS
    table = np.zeros(size, dtype=np.int64)
    for (a, b), n in counts.items():
        if n >= min_count:
            table[phrase_key(a, b, size)] += n
    return np.minimum(table, 65535).astype(np.uint16)


class TokenTable:
    """Per-token features (shape and word statistics), computed once per distinct token.

    News vocabulary repeats, so a line's feature rows are mostly one fancy-index into this
    table; this is what keeps splitting at thousands of lines per second. Memory is bounded:
    past ``capacity`` distinct tokens the table starts afresh. Results never depend on what
    is cached, so splitting stays deterministic.
    """

    def __init__(self, lexicon: Lexicon, capacity: int = 200_000) -> None:
        self.lexicon = lexicon
        self.capacity = capacity
        self._reset()

    def _reset(self) -> None:
        self._index: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}
        self._size = 0  # rows used (a token new twice in one line takes two)
        self._rows = np.zeros((4096, _TABLE_COLS))

    def _add(self, token: str) -> int:
        shape, word = token_info(token)
        row = self._size
        self._size += 1
        if row == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        self._rows[row, :N_TOKEN] = shape
        self._rows[row, N_TOKEN:N_ROW] = self.lexicon.features(token)
        self._rows[row, _CHARS_COL] = len(token) + 1.0  # characters, with the following space
        self._rows[row, _HASH_COL] = word_hash(word)
        self._rows[row, _CONTENT_COL] = len(word) > 2 and word not in ALL_FUNCTION_WORDS
        self._rows[row, _WORD_ID_COL] = self._word_ids.setdefault(word, len(self._word_ids))
        cls, mark = token_class(token)
        self._rows[row, _CLASS_COL] = cls + 1  # 0: no word (the rows padding a line)
        self._rows[row, _MARK_COL] = mark
        self._index[token] = row
        return row

    def lookup(self, tokens: list[str]) -> NDArray[np.float64]:
        """Rows of ``tokens``: shape, word statistics, length, word hash and word number."""
        if self._size + len(tokens) > self.capacity:
            self._reset()
        index = self._index
        ids = [index.get(t, -1) for t in tokens]
        if -1 in ids:
            ids = [i if i >= 0 else self._add(t) for i, t in zip(ids, tokens, strict=True)]
        return self._rows[ids]


_POS_BINS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30)
N_POS = len(_POS_BINS) + 1
# One-hot headline length bins, indexed by the number of headline tokens.
_POS_ONEHOT = np.eye(N_POS)[np.searchsorted(_POS_BINS, np.arange(MAX_HEAD_TOKENS + 2))]
# Per-candidate columns beyond the token rows; see ``candidate_features``.
CONTEXT_FEATURES: tuple[str, ...] = (
    "no_cut",
    "chars_left_log",
    "share_left",
    "left_title_case",
    "left_lower_share",
    "left_sentence_ends",
    "left_colons",
    "open_quote_balance",
    "straight_quote_open",
    "right_lower_share",
    "right_cap_share",
    "right_verb",
    "left_verb",
    "earlier_cues",
    "first_cue",
    "dateline",
    "line_tokens_log",
    "line_ends_sentence",
    "line_ends_ellipsis",
    "right_len_short",
    "left_repeated_right",  # share of headline words the teaser repeats
    "left_tail_repeated",  # the last two headline words recur in the teaser
    "right_head_repeated",  # the first teaser words recur later in the teaser
    "right_head_in_left",  # the first teaser word already appeared in the headline
    "cut_bigram_repeated",  # the two words around the cut recur together elsewhere
    "cut_phrase_common",  # the two words around the cut are a common pair in headlines
    "cut_echo",  # the same word either side of the cut: "... (AP) | AP - ..."
    "right_restates_start",  # the teaser opens with the line's first two words
    "left_dateline",  # the headline holds a wire dateline: an agency then a dash ("AP -")
    "name_then_opener",  # the teaser would open "Peru Yesterday, …": a name, then a clause opener
    "right_name_restated",  # "… Philippoussis | Mark Philippoussis withdrew": a capitalised
    # word, then a headline word: the teaser names in full whom the headline named
    # How often a headline ends between words of these classes (pairs.CutPairs): the two
    # words around the cut (whole clusters, their first bits, how often seen), the word
    # before it and the word after it alone, the two words before it and the two after it.
    "cut_class_pair",
    "cut_class_pair_coarse",
    "cut_class_pair_seen",
    "cut_left_class",
    "cut_right_class",
    "cut_left_classes",
    "cut_right_classes",
)
N_CONTEXT = len(CONTEXT_FEATURES)
# Layout of a candidate row: token rows (shape + word statistics) of the word before the cut,
# the two after it and the one before that; headline length bin; context; language.
N_FEATURES = 4 * N_ROW + N_POS + N_CONTEXT + len(LANGUAGES)

_CAP, _ALLCAPS, _LOWER = 0, 1, 2
_END_PERIOD, _END_EXCL, _END_COLON = 5, 6, 7
_FUNC, _VERB = 13, 15
_ELLIPSIS = TOKEN_FEATURES.index("ellipsis")
_BALANCE = TOKEN_FEATURES.index("quote_balance")
_SMALL_CAP = TOKEN_FEATURES.index("small_capitalised")
_DATELINE_HEAD = TOKEN_FEATURES.index("dateline_head")
_DATELINE_MARK = TOKEN_FEATURES.index("dateline_mark")
_MARKERS = TOKEN_FEATURES.index("marker_en")
_STARTER = TOKEN_FEATURES.index("starter")
_DASH = TOKEN_FEATURES.index("dash")
_AGENCY = TOKEN_FEATURES.index("agency")
_CLAUSE_OPENER = TOKEN_FEATURES.index("clause_opener")
_BARE_NAME = TOKEN_FEATURES.index("bare_name")
_GERMAN = LANGUAGES.index("de")
# Ties in the language guess (including no marker at all) go to English, then es, pt, de.
_LANG_TIEBREAK = np.array([0.3, 0.2, 0.1, 0.0])


def _column_map() -> NDArray[np.float64]:
    """Linear map from a token's table row to the per-token counts that get prefix-summed."""
    m = np.zeros((_TABLE_COLS, 14))
    m[[_CAP, _ALLCAPS, _SMALL_CAP], 0] = [1.0, 1.0, -1.0]  # 0 capitalised content word
    m[_LOWER, 1] = 1.0  # 1 lower-case word
    m[_FUNC, 2] = 1.0  # 2 function word
    m[[_END_PERIOD, _END_EXCL], 3] = 1.0  # 3 sentence end
    m[_VERB, 4] = 1.0  # 4 verb cue
    m[_BALANCE, 5] = 1.0  # 5 open quotes/brackets
    m[_BALANCE + 1, 6] = 1.0  # 6 straight quotes
    m[_END_COLON, 7] = 1.0  # 7 colon
    m[_DATELINE_MARK, 8] = 1.0  # 8 dateline mark
    m[N_ROW, 9] = 1.0  # 9 characters
    for j in range(4):  # 10-13 language markers
        m[_MARKERS + j, 10 + j] = 1.0
    return m


_COLUMNS = _column_map()


def tokenize(text: str) -> list[str]:
    """Tokens of a normalised text (single spaces between tokens)."""
    return text.split(" ") if text else []
