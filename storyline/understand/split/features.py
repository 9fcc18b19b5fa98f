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
    ) -> None:
        self.stats = stats
        # Hashed counts of word pairs in headlines (see ``phrase_key``): "Fox News", "Gaza
        # Strip". A cut inside a common phrase is unlikely.
        self.phrases = np.zeros(1, dtype=np.uint16) if phrases is None else phrases
        start_k = sum(v[0] for v in stats.values())
        start_n = sum(v[1] for v in stats.values())
        end_k = sum(v[2] for v in stats.values())
        end_n = sum(v[3] for v in stats.values())
        self.start_prior = (start_k + 1.0) / (start_n + 2.0)
        self.end_prior = (end_k + 1.0) / (end_n + 2.0)

    def without_words(self) -> Lexicon:
        """The same priors with no word known: what a text in an unseen language looks like."""
        blind = Lexicon({}, self.phrases)
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
_TABLE_COLS = N_ROW + 4
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


def candidate_features(tokens: list[str], table: TokenTable) -> NDArray[np.float64]:
    """Feature matrix for a tokenised line (at least two tokens): one row per cut after token
    ``i`` (for ``i < min(len(tokens) - 1, MAX_HEAD_TOKENS)``), then one "no cut" row.

    Written for speed: a handful of whole-array numpy operations per line, no per-candidate
    Python loop.
    """
    n = len(tokens)
    c = min(n - 1, MAX_HEAD_TOKENS)  # number of real cuts
    k = min(n, c + RIGHT_WINDOW + 2)  # tokens the cut features look at
    span = min(n, max(k, _REPEAT_SPAN))  # tokens the repetition features look at
    if n > span:
        looked = table.lookup([*tokens[:span], tokens[-2], tokens[-1]])
        before_last, last_row = looked[span], looked[span + 1]
        looked = looked[:span]
    else:
        looked = table.lookup(tokens)
        before_last, last_row = looked[n - 2], looked[n - 1]
    # rows[j + 1] is token j; zero rows stand for "no token" on either side.
    rows = np.zeros((k + 3, _TABLE_COLS))
    rows[1 : k + 1] = looked[:k]
    head = rows[1 : k + 1]
    lang = int(np.argmax(head[:, _MARKERS : _MARKERS + 4].sum(axis=0) + _LANG_TIEBREAK))
    if lang == _GERMAN:
        # German capitalises every noun, so a capital says nothing about a sentence start:
        # read capitalised words that are not sentence starters as lower-case content words.
        noun = (head[:, _CAP] > 0) & (head[:, _STARTER] == 0)
        noun[0] = False
        head[noun, _CAP] = 0.0
        head[noun, _LOWER] = 1.0
        head[noun, _BARE_NAME] = 0.0

    # Prefix sums of per-token counts: cs[j] sums tokens 0..j-1.
    cs = np.zeros((k + 1, 15))
    counts = cs[1:]
    counts[:, :14] = head @ _COLUMNS
    cap = head[:, _CAP] + head[:, _ALLCAPS]
    # A "cue" is a lower-case or punctuated word followed by a capitalised one: the classic
    # sentence-case boundary. Counting earlier cues tells the model "this is the first one".
    counts[:-1, 14] = (counts[:-1, 1] + counts[:-1, 3] + counts[:-1, 7] > 0) * (cap[1:] > 0)
    cue = counts[:, 14].copy()
    np.cumsum(counts, axis=0, out=counts)
    # Line length as seen through a window: teasers can be whole articles (some feeds put
    # 250 words in a summary), and features must not stretch beyond what training covered.
    total_chars = float(sum(map(len, tokens[:_LENGTH_SPAN])) + min(n, _LENGTH_SPAN))

    feats = np.zeros((c + 1, N_FEATURES))
    feats[:c, 0:N_ROW] = rows[1 : c + 1, :N_ROW]
    feats[:c, N_ROW : 2 * N_ROW] = rows[2 : c + 2, :N_ROW]
    feats[:c, 2 * N_ROW : 3 * N_ROW] = rows[3 : c + 3, :N_ROW]
    feats[:c, 3 * N_ROW : 4 * N_ROW] = rows[0:c, :N_ROW]
    feats[c, 0:N_ROW] = last_row[:N_ROW]
    feats[c, 3 * N_ROW : 4 * N_ROW] = before_last[:N_ROW]
    off = 4 * N_ROW
    # Headline length in tokens, one-hot in bins (a learnt length prior).
    feats[:c, off : off + N_POS] = _POS_ONEHOT[1 : c + 1]
    feats[c, off : off + N_POS] = _POS_ONEHOT[min(n, MAX_HEAD_TOKENS + 1)]
    off += N_POS

    left = np.arange(1, c + 2, dtype=np.float64)  # headline tokens; the no-cut row uses k
    left[c] = k
    at_left = np.empty((c + 1, 15))
    at_left[:c] = cs[1 : c + 1]
    at_left[c] = cs[k]
    before = np.empty((c + 1, 15))  # sums over the headline without its last word
    before[:c] = cs[0:c]
    before[c] = cs[k - 1]
    idx = np.arange(c)
    lo = np.minimum(idx + 2, k)
    hi = np.minimum(idx + 2 + RIGHT_WINDOW, k)
    window = cs[hi] - cs[lo]
    right_n = np.maximum(hi - lo, 1)[:, None]
    left_chars = at_left[:, 9]
    left_chars[c] = total_chars

    ctx = feats[:, off : off + N_CONTEXT]
    ctx[c, 0] = 1.0
    ctx[:, 1] = np.log1p(left_chars) / 5.0
    ctx[:, 2] = left_chars / total_chars
    ctx[:, 3] = at_left[:, 0] / np.maximum(left - at_left[:, 2] - 1.0, 1.0)  # Title Case ~ 1
    ctx[:, 4] = at_left[:, 1] / left
    ctx[:, 5] = np.minimum(before[:, 3], 3.0) / 3.0  # sentence ends inside the headline
    ctx[:, 6] = np.minimum(at_left[:, 7], 2.0) / 2.0
    ctx[:, 7] = np.minimum(np.maximum(at_left[:, 5], -1.0), 2.0)
    ctx[:, 8] = at_left[:, 6] % 2
    ctx[:c, 9:12] = window[:, [1, 0, 4]] / right_n
    ctx[:, 12] = at_left[:, 4] > 0
    ctx[:, 13] = np.minimum(before[:, 14], 4.0) / 4.0
    ctx[:c, 14] = (before[:c, 14] == 0) * cue[:c]
    # A dateline opens the teaser: "LONDON (Reuters) -", "AP -", "MADRI, 24 SET (ANSA) -".
    marks = cs[np.minimum(idx + 7, k), 8] - cs[lo, 8]
    ctx[:c, 15] = rows[2 : c + 2, _DATELINE_HEAD] * (marks > 0)
    ctx[:, 16] = math.log1p(min(n, _LENGTH_SPAN)) / 4.0
    ctx[:, 17] = float(bool(_SENT_END.search(tokens[-1])))
    ctx[:, 18] = last_row[_ELLIPSIS]
    ctx[:c, 19] = (n - idx - 1) <= 3
    content = looked[:, _CONTENT_COL] > 0
    _repetition(looked[:, _WORD_ID_COL].astype(np.intp), content, c, ctx[:, 20:25],
                ctx[:, 26:28])
    phrases = table.lexicon.phrases
    hashes = rows[1 : c + 2, _HASH_COL].astype(np.int64)
    keys = (hashes[:-1] * _PHRASE_MULT + hashes[1:]) & (len(phrases) - 1)
    ctx[:c, 25] = np.log1p(phrases[keys]) / 6.0
    # "AP -", "(Reuters) -": a wire dateline opens a teaser and never stands in a headline
    # (no gold title holds one; 760 AG News teasers do).
    wire = np.zeros(k)
    wire[1:] = (head[1:, _DASH] > 0) & (head[:-1, _AGENCY] > 0)
    np.cumsum(wire, out=wire)
    ctx[:c, 28] = wire[:c] > 0
    ctx[c, 28] = wire[k - 1] > 0
    # "… shakes | Peru Yesterday, the …": a bare name before a clause opener ends the
    # headline; it does not open the teaser (1 of 7,301 gold teasers opens so).
    ctx[:c, 29] = rows[2 : c + 2, _BARE_NAME] * rows[3 : c + 3, _CLAUSE_OPENER]
    off += N_CONTEXT
    feats[:, off + lang] = 1.0
    return feats


# Repetition is looked for in this many tokens: a teaser repeats the headline's words early.
_REPEAT_SPAN = 48
# Tokens that count towards the line-length features.
_LENGTH_SPAN = 80


def _repetition(
    words: NDArray[np.intp],
    content: NDArray[np.bool_],
    c: int,
    out: NDArray[np.float64],
    echo: NDArray[np.float64],
) -> None:
    """Fill the repetition columns for the ``c`` cuts (the "no cut" row keeps zeros).

    ``words`` numbers the line's bare words (equal words, equal numbers; ``TokenTable``).
    Teasers restate their headline ("Novartis hits acquisition trail | Swiss drugmaker
    Novartis has announced..."): at the right cut the headline's words recur on the right,
    while a cut too late leaves teaser words on the left that do not recur; and a cut inside
    a phrase the teaser repeats ("laud comedy | Sideways ... comedy Sideways") is suspect.
    """
    m = len(words)
    cuts = min(c, m - 1)
    if cuts <= 0:
        return
    # A line has at most _REPEAT_SPAN words here, so an m x m equality matrix is cheaper
    # than dictionaries built word by word in Python.
    same = words[:, None] == words[None, :]
    first_pos = same.argmax(axis=1)
    last_pos = m - 1 - same[:, ::-1].argmax(axis=1)
    i = np.arange(cuts)
    # Content word j counts for cuts j .. last_pos[j] - 1 (it recurs right of those cuts):
    # a difference array over cuts, summed up, instead of a cuts x words matrix.
    js = np.flatnonzero(content[:cuts])
    recurring = np.bincount(js, minlength=cuts + 1) - np.bincount(
        np.minimum(last_pos[js], cuts), minlength=cuts + 1
    )
    n_content = np.cumsum(content[:cuts])
    out[:cuts, 0] = np.cumsum(recurring[:cuts]) / np.maximum(n_content, 1)
    tail = content[:cuts] & (last_pos[:cuts] > i)
    tail[1:] |= content[: cuts - 1] & (last_pos[: cuts - 1] > i[1:])
    out[:cuts, 1] = tail
    # the first teaser words (j = i + 1, i + 2) occur again later
    later = content & (last_pos > np.arange(m))
    head = later[1 : cuts + 1].copy()
    head[: min(cuts, m - 2)] |= later[2 : min(cuts, m - 2) + 2]
    out[:cuts, 2] = head
    out[:cuts, 3] = content[1 : cuts + 1] & (first_pos[1 : cuts + 1] <= i)
    # the word pair around each cut occurs more than once in the line
    pairs = words[:-1] * (words.max() + 1) + words[1:]
    out[:cuts, 4] = (pairs[:cuts, None] == pairs[None, :]).sum(axis=1) > 1
    word_ids = first_pos[: cuts + 2]  # equal words, equal ids
    echo[:cuts, 0] = word_ids[:cuts] == word_ids[1 : cuts + 1]
    if m >= 3:
        opens = word_ids[1 : cuts + 1] == word_ids[0]
        opens[: len(word_ids) - 2] &= word_ids[2 : cuts + 2] == word_ids[1]
        if len(word_ids) < cuts + 2:
            opens[-1] = False
        echo[:cuts, 1] = opens


def tokenize(text: str) -> list[str]:
    """Tokens of a normalised text (single spaces between tokens)."""
    return text.split(" ") if text else []
