"""Candidate features for many lines at once.

Every line's candidate rows are built by the same few whole-array numpy operations over the
concatenated tokens of the batch. A line holds only about thirty tokens, so per line the
work is dominated by the fixed cost of a numpy call; done per line, that cost (some sixty
calls) was most of the splitter's time. Done per batch, it is paid once for hundreds of
lines. A batch of one line is the single-line case (``features.candidate_features``).

Layout: line ``l`` has ``n`` tokens, ``c = min(n - 1, MAX_HEAD_TOKENS)`` cuts and ``c + 1``
rows (the last one is "no cut"); its features read the first ``k`` tokens (the cuts and a
window to their right) and its repetition features the first ``m`` tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storyline.understand.split import features as f
from storyline.understand.split.pairs import NO_WORD, gap_keys

Array = NDArray[np.float64]
Index = NDArray[np.intp]

# Repetition is looked for in this many tokens: a teaser repeats the headline's words early.
REPEAT_SPAN = 48
# Tokens that count towards the line-length features.
LENGTH_SPAN = 80

_ROW = f.N_ROW
_CTX = 4 * f.N_ROW + f.N_POS  # first context column
_LANG = _CTX + f.N_CONTEXT  # first language column
_RESTATED = _CTX + f.CONTEXT_FEATURES.index("right_name_restated")


def _segment_ids(sizes: Index) -> Index:
    """For segments of ``sizes``, the segment of every element."""
    return np.repeat(np.arange(len(sizes)), sizes)


def _local_positions(sizes: Index) -> Index:
    """For segments of ``sizes``, every element's position inside its segment."""
    starts = np.cumsum(sizes) - sizes
    return np.arange(int(sizes.sum())) - np.repeat(starts, sizes)


def batch_features(lines: Sequence[list[str]], table: f.TokenTable,
                   dtype: type[np.floating[Any]] = np.float64) -> tuple[Array, Index]:
    """Feature rows of tokenised lines (each at least two tokens), stacked, and the row
    offsets: line ``l`` owns rows ``offsets[l]:offsets[l + 1]``, its cuts then "no cut".

    The rows equal those the lines would get one at a time; see the module docstring.
    ``dtype`` is the rows' type: training builds them in float64; the splitter asks for
    float32, which halves the memory the rows are written to and read from.
    """
    n = np.array([len(t) for t in lines], dtype=np.intp)
    c = np.minimum(n - 1, f.MAX_HEAD_TOKENS)
    k = np.minimum(n, c + f.RIGHT_WINDOW + 2)
    m = np.minimum(n, np.maximum(k, REPEAT_SPAN))
    # One table lookup for the batch: each line's first m tokens, then its last two tokens.
    wanted: list[str] = []
    for tokens, span in zip(lines, m.tolist(), strict=True):
        wanted.extend(tokens[:span])
        wanted.append(tokens[-2])
        wanted.append(tokens[-1])
    looked = table.lookup(wanted)  # per line: m token rows, then before-last, last
    looked_start = np.cumsum(m + 2) - (m + 2)
    last_row = looked[looked_start + m + 1]
    before_last = looked[looked_start + m]

    # Padded token rows: per line a zero row, its first k tokens, two zero rows, so the rows
    # "before the first token" and "after the k-th" read as "no token" without a test.
    rows_start = np.cumsum(k + 3) - (k + 3)
    tok_line = _segment_ids(k)
    tok_pos = _local_positions(k)
    tok_at = rows_start[tok_line] + 1 + tok_pos  # where each token sits in ``rows``
    rows = np.zeros((int((k + 3).sum()), f._TABLE_COLS))
    rows[tok_at] = looked[looked_start[tok_line] + tok_pos]
    head = rows[tok_at]

    lang_votes = np.add.reduceat(head[:, f._MARKERS : f._MARKERS + 4], np.cumsum(k) - k, axis=0)
    lang = np.argmax(lang_votes + f._LANG_TIEBREAK, axis=1)
    # German capitalises every noun, so a capital says nothing about a sentence start:
    # read capitalised words that are not sentence starters as lower-case content words.
    german = lang[tok_line] == f._GERMAN
    if german.any():
        noun = german & (head[:, f._CAP] > 0) & (head[:, f._STARTER] == 0) & (tok_pos > 0)
        head[noun, f._CAP] = 0.0
        head[noun, f._LOWER] = 1.0
        head[noun, f._BARE_NAME] = 0.0
        rows[tok_at] = head

    # Per-token counts and their prefix sums: cs(l, j) sums tokens 0..j-1 of line l. All
    # counts are whole numbers, so differences of one running sum over the batch are exact.
    counts = np.zeros((len(head), 15))
    counts[:, :14] = head @ f._COLUMNS
    cap = head[:, f._CAP] + head[:, f._ALLCAPS]
    # A "cue" is a lower-case or punctuated word followed by a capitalised one: the classic
    # sentence-case boundary. Counting earlier cues tells the model "this is the first one".
    follows = np.zeros(len(head), dtype=bool)
    follows[:-1] = (cap[1:] > 0) & (tok_line[1:] == tok_line[:-1])
    cue = (counts[:, 1] + counts[:, 3] + counts[:, 7] > 0) * follows
    counts[:, 14] = cue
    running = np.zeros((len(head) + 1, 15))
    np.cumsum(counts, axis=0, out=running[1:])
    tok_first = np.cumsum(k) - k  # the line's first token in ``head``

    def cs(line: Index, j: Index) -> Array:
        out: Array = running[tok_first[line] + j] - running[tok_first[line]]
        return out

    # Candidate rows: cut i of line l, then the line's "no cut" row.
    n_rows = c + 1
    offsets = np.zeros(len(lines) + 1, dtype=np.intp)
    np.cumsum(n_rows, out=offsets[1:])
    row_line = _segment_ids(n_rows)
    i = _local_positions(n_rows)
    is_cut = i < c[row_line]
    cut_line, ci = row_line[is_cut], i[is_cut]
    no_cut = offsets[1:] - 1
    lines_ix = np.arange(len(lines))
    at = rows_start[cut_line] + 1 + ci  # the token before the cut, in ``rows``
    cut_k = k[cut_line]

    # The cut rows are written in place, not built apart and copied in: at ~300 columns that
    # copy cost about as much splitting speed as the wider rows themselves (~8 %).
    feats: Array = np.zeros((len(row_line), f.N_FEATURES), dtype=dtype)
    cut_rows = np.flatnonzero(is_cut)
    feats[cut_rows, 0:_ROW] = rows[at, :_ROW]
    feats[cut_rows, _ROW : 2 * _ROW] = rows[at + 1, :_ROW]
    feats[cut_rows, 2 * _ROW : 3 * _ROW] = rows[at + 2, :_ROW]
    feats[cut_rows, 3 * _ROW : 4 * _ROW] = rows[at - 1, :_ROW]
    # Headline length in tokens, one-hot in bins (a learnt length prior).
    feats[cut_rows, 4 * _ROW : _CTX] = f._POS_ONEHOT[ci + 1]

    # Sums over the headline (at_left), over it without its last word (before) and over the
    # window of tokens right of the cut.
    at_left = cs(cut_line, ci + 1)
    before = cs(cut_line, ci)
    lo = np.minimum(ci + 2, cut_k)
    hi = np.minimum(ci + 2 + f.RIGHT_WINDOW, cut_k)
    window = cs(cut_line, hi) - cs(cut_line, lo)
    right_n = np.maximum(hi - lo, 1)[:, None]
    # Line length as seen through a window: teasers can be whole articles (some feeds put
    # 250 words in a summary), and features must not stretch beyond what training covered.
    total_chars = np.array(
        [sum(map(len, t[:LENGTH_SPAN])) + min(len(t), LENGTH_SPAN) for t in lines], dtype=float
    )
    ctx = np.zeros((len(ci), _LANG - _CTX))
    _fill_context(ctx, at_left, before, (ci + 1).astype(float), at_left[:, 9],
                  total_chars[cut_line])
    ctx[:, 9:12] = window[:, [1, 0, 4]] / right_n
    ctx[:, 14] = (before[:, 14] == 0) * cue[tok_first[cut_line] + ci]
    # A dateline opens the teaser: "LONDON (Reuters) -", "AP -", "MADRI, 24 SET (ANSA) -".
    marks = cs(cut_line, np.minimum(ci + 7, cut_k))[:, 8] - cs(cut_line, lo)[:, 8]
    ctx[:, 15] = rows[at + 1, f._DATELINE_HEAD] * (marks > 0)
    ctx[:, 19] = (n[cut_line] - ci - 1) <= 3
    phrases = table.lexicon.phrases
    hashes = rows[:, f._HASH_COL].astype(np.int64)
    keys = (hashes[at] * f._PHRASE_MULT + hashes[at + 1]) & (len(phrases) - 1)
    ctx[:, 25] = np.log1p(phrases[keys]) / 6.0
    classes = rows[:, f._CLASS_COL].astype(np.int64) - 1
    classes[classes < 0] = NO_WORD
    ctx[:, 31:38] = table.lexicon.pairs.features(
        gap_keys(classes, rows[:, f._MARK_COL].astype(np.int64), at))
    # "AP -", "(Reuters) -": a wire dateline opens a teaser and never stands in a headline
    # (no gold title holds one; 760 AG News teasers do).
    wire = np.zeros(len(head))
    wire[1:] = (head[1:, f._DASH] > 0) & (head[:-1, f._AGENCY] > 0) & (tok_pos[1:] > 0)
    wire_seen = np.zeros(len(head) + 1)
    np.cumsum(wire, out=wire_seen[1:])

    def wired(line: Index, j: Index) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = wire_seen[tok_first[line] + j + 1] > wire_seen[tok_first[line]]
        return out

    ctx[:, 28] = wired(cut_line, ci)
    # "… shakes | Peru Yesterday, the …": a bare name before a clause opener ends the
    # headline; it does not open the teaser (1 of 7,301 gold teasers opens so).
    ctx[:, 29] = rows[at + 1, f._BARE_NAME] * rows[at + 2, f._CLAUSE_OPENER]
    feats[cut_rows, _CTX:_LANG] = ctx

    # The "no cut" rows: the last token and the one before it, the whole line's sums.
    feats[no_cut, 0:_ROW] = last_row[:, :_ROW]
    feats[no_cut, 3 * _ROW : 4 * _ROW] = before_last[:, :_ROW]
    feats[no_cut, 4 * _ROW : _CTX] = f._POS_ONEHOT[np.minimum(n, f.MAX_HEAD_TOKENS + 1)]
    whole = feats[no_cut, _CTX:_LANG]
    whole[:, 0] = 1.0
    _fill_context(whole, cs(lines_ix, k), cs(lines_ix, k - 1), k.astype(float), total_chars,
                  total_chars)
    whole[:, 28] = wired(lines_ix, k - 1)
    feats[no_cut, _CTX:_LANG] = whole

    # Columns shared by all of a line's rows.
    line_ends = np.array([bool(f._SENT_END.search(t[-1])) for t in lines], dtype=float)
    # math.log1p, as in training data built before batching (numpy's differs in the last bit)
    length = np.array([math.log1p(min(len(t), LENGTH_SPAN)) / 4.0 for t in lines])
    feats[:, _CTX + 16] = length[row_line]
    feats[:, _CTX + 17] = line_ends[row_line]
    feats[:, _CTX + 18] = last_row[row_line, f._ELLIPSIS]
    feats[np.arange(len(row_line)), _LANG + lang[row_line]] = 1.0
    _repetition(looked, looked_start, m, c, offsets, feats)
    return feats, offsets


def _fill_context(
    ctx: Array, at_left: Array, before: Array, left: Array, left_chars: Array, total: Array
) -> None:
    """Context columns computed alike for cuts and "no cut" rows, from the sums over the
    headline (``at_left``), over it without its last word (``before``), its token count
    (``left``) and characters (``left_chars``)."""
    ctx[:, 1] = np.log1p(left_chars) / 5.0
    ctx[:, 2] = left_chars / total
    ctx[:, 3] = at_left[:, 0] / np.maximum(left - at_left[:, 2] - 1.0, 1.0)  # Title Case ~ 1
    ctx[:, 4] = at_left[:, 1] / left
    ctx[:, 5] = np.minimum(before[:, 3], 3.0) / 3.0  # sentence ends inside the headline
    ctx[:, 6] = np.minimum(at_left[:, 7], 2.0) / 2.0
    ctx[:, 7] = np.minimum(np.maximum(at_left[:, 5], -1.0), 2.0)
    ctx[:, 8] = at_left[:, 6] % 2
    ctx[:, 12] = at_left[:, 4] > 0
    ctx[:, 13] = np.minimum(before[:, 14], 4.0) / 4.0


def _repetition(
    looked: Array, looked_start: Index, m: Index, c: Index, offsets: Index, feats: Array
) -> None:
    """Fill the repetition columns of the cut rows (the "no cut" rows keep zeros).

    Teasers restate their headline ("Novartis hits acquisition trail | Swiss drugmaker
    Novartis has announced..."): at the right cut the headline's words recur on the right,
    while a cut too late leaves teaser words on the left that do not recur; and a cut inside
    a phrase the teaser repeats ("laud comedy | Sideways ... comedy Sideways") is suspect.
    Equal words have equal numbers in the token table, looked at in a line's first ``m``
    tokens.
    """
    line = _segment_ids(m)
    pos = _local_positions(m)
    at = looked_start[line] + pos
    words = looked[at, f._WORD_ID_COL].astype(np.int64)
    content = looked[at, f._CONTENT_COL] > 0
    # First and last position of each token's word in its line: sort by (line, word, pos).
    key = line * (int(words.max()) + 1) + words
    order = np.lexsort((pos, key))
    sorted_key = key[order]
    group_start = np.ones(len(order), dtype=bool)
    group_start[1:] = sorted_key[1:] != sorted_key[:-1]
    group = np.cumsum(group_start) - 1
    firsts = pos[order][group_start]
    group_end = np.append(np.flatnonzero(group_start)[1:] - 1, len(order) - 1)
    lasts = pos[order][group_end]
    first_pos = np.empty(len(order), dtype=np.intp)
    last_pos = np.empty(len(order), dtype=np.intp)
    first_pos[order] = firsts[group]
    last_pos[order] = lasts[group]

    tok_first = np.cumsum(m) - m
    cut_line = _segment_ids(c)
    i = _local_positions(c)
    t = tok_first[cut_line] + i  # token i of the cut's line (the last headline word)
    cut_rows = offsets[cut_line] + i
    out = feats[:, _CTX + 20 : _CTX + 25]

    # Content word j counts for cuts j .. last_pos[j] - 1 (it recurs right of those cuts).
    # As a difference array over the batch's rows: +1 at cut j, -1 at cut last_pos[j] (at
    # most the line's "no cut" row), so each line's running sum is back to 0 at its end.
    marks = np.zeros(len(feats) + 1)
    in_cuts = content & (pos < c[line])
    js = np.flatnonzero(in_cuts)
    np.add.at(marks, offsets[line[js]] + pos[js], 1.0)
    np.add.at(marks, offsets[line[js]] + np.minimum(last_pos[js], c[line[js]]), -1.0)
    recurring = np.cumsum(marks)[:-1]
    seen_content = np.zeros(len(content) + 1)
    np.cumsum(content, out=seen_content[1:])
    n_content = seen_content[t + 1] - seen_content[tok_first[cut_line]]
    out[cut_rows, 0] = recurring[cut_rows] / np.maximum(n_content, 1)
    recurs_after = content & (last_pos > pos)  # a content word that occurs again later on
    tail = content[t] & (last_pos[t] > i)
    prev = i > 0
    tail[prev] |= content[t[prev] - 1] & (last_pos[t[prev] - 1] > i[prev])
    out[cut_rows, 1] = tail
    has_second = i + 2 < m[cut_line]
    # the first teaser words (tokens i + 1, i + 2) occur again later
    head = recurs_after[t + 1].copy()
    head[has_second] |= recurs_after[t[has_second] + 2]
    out[cut_rows, 2] = head
    out[cut_rows, 3] = content[t + 1] & (first_pos[t + 1] <= i)
    # a capitalised first teaser word, then a headline word: "| Mark Philippoussis withdrew"
    capital = looked[at, f._CAP] + looked[at, f._ALLCAPS] > 0
    restated = np.zeros(len(t), dtype=bool)
    restated[has_second] = (capital[t[has_second] + 1] & content[t[has_second] + 2]
                            & (first_pos[t[has_second] + 2] <= i[has_second]))
    feats[cut_rows, _RESTATED] = restated
    # the word pair around each cut occurs more than once in the line
    pair_ok = np.zeros(len(words), dtype=bool)
    pair_ok[:-1] = line[1:] == line[:-1]
    pair_at = np.flatnonzero(pair_ok)
    n_words = int(words.max()) + 1  # word numbers stay under the table's capacity
    pair_key = (line[pair_at] * n_words + words[pair_at]) * n_words + words[pair_at + 1]
    _, inverse, counts = np.unique(pair_key, return_inverse=True, return_counts=True)
    pair_count = np.zeros(len(words), dtype=np.intp)
    pair_count[pair_at] = counts[inverse]
    out[cut_rows, 4] = pair_count[t] > 1
    echo = feats[:, _CTX + 26 : _CTX + 28]
    echo[cut_rows, 0] = first_pos[t] == first_pos[t + 1]
    # the teaser opens with the line's first two words: "... (AP) | AP - ..." restated
    line_start = tok_first[cut_line]
    opens = (first_pos[t + 1] == first_pos[line_start]) & (m[cut_line] >= 3)
    opens[has_second] &= first_pos[t[has_second] + 2] == first_pos[line_start[has_second] + 1]
    opens[~has_second] = False
    echo[cut_rows, 1] = opens



def candidate_features(tokens: list[str], table: f.TokenTable) -> Array:
    """Feature matrix for one tokenised line (at least two tokens): one row per cut after
    token ``i`` (for ``i < min(len(tokens) - 1, MAX_HEAD_TOKENS)``), then one "no cut" row."""
    feats, _ = batch_features([tokens], table)
    return feats
