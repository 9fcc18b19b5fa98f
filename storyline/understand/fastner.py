"""A fast named-entity recogniser of our own, distilled from spaCy's ``en_core_web_sm``.

spaCy's small English pipeline tags about 290 headline + teaser items a second on one core;
the understand stage must do 1,000 a second on two cores with everything else included. This
recogniser gets most of the way to spaCy's spans for a tenth of the cost:

* candidate tokens are the cheap part: only words with a capital letter (and the connectors
  between two of them: "Bank *of* America") can be inside an entity; every other word is
  ``O`` without being scored, but still serves as context;
* each candidate gets about twenty sparse features (the word, its shape and suffix, its
  neighbours, its place in the capitalised run, whether the line is Title Case, whether the
  word is a common lower-case word, whether the gazetteer knows it) and a linear softmax
  model over them gives the probabilities of ``O`` / ``B-X`` / ``I-X`` for X in PERSON, ORG,
  GPE, NORP, MISC;
* :func:`decode` decides each entity's extent first and its kind second, from the summed
  probabilities of its tokens.

The weights were fitted by ``scripts/train_fast_recogniser.py`` on spaCy's own labels over
text that is not the evaluation set (AG News, BBC, the shared feeds, UCI headlines); the file
``data/fastner.npz`` is the whole model. Training is deterministic: the same inputs and spaCy
version rebuild the same file.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from storyline.understand.entities import Span
from storyline.understand.gazetteer import Gazetteer

# spaCy's OntoNotes labels, folded into the five classes the stage uses. Numbers, dates and
# quantities are none of our business (the dates component has its own resolver).
TEACHER_LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "GPE", "NORP": "NORP",
                  "FAC": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC",
                  "LAW": "MISC", "LANGUAGE": "MISC"}
KINDS = ("PERSON", "ORG", "GPE", "NORP", "MISC")
CLASSES = ("O", *(f"{p}-{k}" for k in KINDS for p in "BI"))

# Lower-case words that may sit inside a name between two capitalised words ("Sheriff's
# Office" too: the possessive is a token of its own).
CONNECTORS = frozenset("of the de del da do dos du des di la le van von der den for and & at y "
                       "e bin al el on upon 's ’s".split())

# Words, "U.S."-style initialisms, a possessive 's on its own, or one punctuation mark.
# Words (with inner apostrophes, dots, hyphens: "U.S", "O'Neill") and an optional final dot,
# or one punctuation mark. The dot stays on initialisms ("U.S."), initials ("S.") and name
# abbreviations ("St.", "Sen.", "Calif.") so "Alexander S. Vindman" and "St. Louis" stay one
# run of capitalised tokens; elsewhere it is a token of its own. (One simple pattern and a
# set lookup: an alternation of abbreviations tried at every position cost twice as much.)
_TOKEN_RE = re.compile(r"\w+(?:[&'’.\-]\w+)*\.?|\S")
_ABBREVIATIONS = frozenset(
    """Mr Mrs Ms Dr St Ste Sen Sens Rep Reps Gov Gen Jr Sr Lt Col Sgt Mt Ft Co Corp Inc Ltd Bros
    Prof Rev Capt Maj Adm Cmdr Supt Atty Gens No Ave Blvd Ala Ariz Ark Calif Colo Conn Fla Ga
    Ill Kan Kans Ky La Md Mass Mich Minn Miss Neb Nev Okla Ore Pa Tenn Tex Va Vt Wash Wis
    Wyo""".split()
)
_SENTENCE_END = frozenset(".!?:;\"“”‘'(—–-|")
_SHAPE_TABLE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "X" * 26 + "x" * 26 + "d" * 10,
)

MODEL_FILE = "fastner.npz"


def tokenize(text: str) -> list[tuple[int, int]]:
    """Word tokens as (start, end) offsets; a possessive "'s" is split off its word."""
    out: list[tuple[int, int]] = []
    for m in _TOKEN_RE.finditer(text):
        start, end = m.span()
        if end - start > 1 and text[end - 1] == ".":
            core = text[start : end - 1]
            if not ("." in core or core in _ABBREVIATIONS or (len(core) == 1 and core.isupper())):
                out.append((start, end - 1))
                out.append((end - 1, end))
                continue
        if end - start > 3 and text[end - 2] in "'’" and text[end - 1] in "sS":
            out.append((start, end - 2))
            out.append((end - 2, end))
        else:
            out.append((start, end))
    return out


def shape(word: str) -> str:
    """spaCy-like word shape: "Obama" → "Xxxxx", "U.S." → "X.X.", runs cut at four."""
    s = word.translate(_SHAPE_TABLE)
    if len(s) <= 4:
        return s
    out = [s[0]]
    run = 1
    for c in s[1:]:
        run = run + 1 if c == out[-1] else 1
        if run <= 4:
            out.append(c)
    return "".join(out)


def _is_candidate(word: str) -> bool:
    return word.lower() != word  # has a capital letter (one C call instead of a loop)


def _titlecase(words: list[str]) -> bool:
    """A Title Case line, where capitals say little about names."""
    long = [w for w in words if len(w) > 3 and w.isalpha()]
    return len(long) >= 3 and sum(w[0].isupper() for w in long) >= 0.7 * len(long)


class Featurizer:
    """Turns a text into candidate tokens and their feature strings.

    ``place_kind`` maps a word or two-word name to a gazetteer cue ("country", "city"…) or "";
    ``common`` holds words usually written in lower case (capitalised, they are often just
    the first word of a sentence or a Title Case headline).
    """

    def __init__(self, place_kind: Callable[[str], str], common: frozenset[str]) -> None:
        self.place_kind = place_kind
        self.common = common
        self._words: dict[str, tuple[str, str, str, str]] = {}

    def _word(self, word: str) -> tuple[str, str, str, str]:
        """(lower, shape, suffix, cue) of a word, cached: news repeats its words a lot."""
        info = self._words.get(word)
        if info is None:
            low = word.lower()
            cue = ""
            if _is_candidate(word):
                cue = self.place_kind(word) + ("~cw" if low in self.common else "")
            info = (low, shape(word), low[-3:], cue)
            if len(self._words) > 200_000:  # bounded: a long-running process sees many words
                self._words.clear()
            self._words[word] = info
        return info

    def features(self, text: str) -> tuple[list[tuple[int, int]], list[int], list[list[str]]]:
        """Tokens of ``text``, the indexes of its candidate tokens and their features."""
        toks = tokenize(text)
        words = [text[s:e] for s, e in toks]
        infos = [self._word(w) for w in words]
        n = len(toks)
        cand = [_is_candidate(w) for w in words]
        for i in range(1, n - 1):  # "Bank of America": a connector between two capitals
            if not cand[i] and cand[i - 1] and cand[i + 1] and infos[i][0] in CONNECTORS:
                cand[i] = True
        # Lines (fields) are separate: Title Case is decided per line, and no run crosses one.
        line_of = [0] * n
        title_lines: set[int] = set()
        line, first = 0, 0
        for i in range(n + 1):
            if i == n or (i > 0 and "\n" in text[toks[i - 1][1] : toks[i][0]]):
                if _titlecase(words[first:i]):
                    title_lines.add(line)
                if i == n:
                    break
                line, first = line + 1, i
            line_of[i] = line
        idx: list[int] = []
        feats: list[list[str]] = []
        run_start = 0
        for i in range(n):
            if not cand[i]:
                continue
            if i == 0 or not cand[i - 1] or line_of[i - 1] != line_of[i]:
                run_start = i
            run_end = i
            while run_end + 1 < n and cand[run_end + 1] and line_of[run_end + 1] == line_of[i]:
                run_end += 1
            low, shp, suf, cue = infos[i]
            p1 = infos[i - 1][0] if i > 0 and line_of[i - 1] == line_of[i] else "<s>"
            p2 = infos[i - 2][0] if i > 1 and line_of[i - 2] == line_of[i] else "<s>"
            n1 = infos[i + 1][0] if i + 1 < n and line_of[i + 1] == line_of[i] else "</s>"
            n2 = infos[i + 2][0] if i + 2 < n and line_of[i + 2] == line_of[i] else "</s>"
            p1s = infos[i - 1][1] if p1 != "<s>" else "<s>"
            n1s = infos[i + 1][1] if n1 != "</s>" else "</s>"
            start = p1 == "<s>" or p1[-1:] in _SENTENCE_END
            tc = "T" if line_of[i] in title_lines else "-"
            length = run_end - run_start + 1
            pos = "S" if length == 1 else ("B" if i == run_start else (
                "E" if i == run_end else "I"))
            ctx = f"{'^' if start else ''}{tc}"
            p1cue = infos[i - 1][3] if p1 != "<s>" else ""
            n1cue = infos[i + 1][3] if n1 != "</s>" else ""
            f = [
                "b", "w=" + low, "s=" + shp, "x=" + suf, "c=" + cue, "k=" + ctx,
                "ks=" + ctx + shp, "kc=" + ctx + cue, "p1=" + p1, "n1=" + n1, "p2=" + p2,
                "n2=" + n2, "p1s=" + p1s, "n1s=" + n1s, "pc=" + p1cue, "nc=" + n1cue,
                f"r={pos}{min(length, 4)}", f"rc={pos}{cue}", "wn=" + low + "|" + n1,
                "pw=" + p1 + "|" + low, f"kr={ctx}{pos}{min(length, 4)}",
                "kw=" + tc + low,
            ]
            if len(low) > 4:
                f.append("x4=" + low[-4:])
            idx.append(i)
            feats.append(f)
        return toks, idx, feats


def decode(text: str, toks: list[tuple[int, int]], idx: list[int], probs: Any) -> list[Span]:
    """Turn per-candidate class probabilities into spans, deciding extent before kind.

    A token is inside an entity when its non-``O`` probability wins; it continues the
    previous token's entity when that token is inside one, touches it on the same line and
    its ``I-*`` mass beats its ``B-*`` mass. Each entity's kind is then the kind with most
    probability summed over its tokens: tagging tokens one by one broke names apart
    ("Yao" PERSON + "Ming" ORG); deciding the kind per entity does not.
    """
    inside = probs[:, 0] < 0.5
    begin = probs[:, 1::2].sum(axis=1) >= probs[:, 2::2].sum(axis=1)
    per_kind = probs[:, 1::2] + probs[:, 2::2]
    spans: list[Span] = []
    first = -1
    for row, i in enumerate(idx):
        joins = (first >= 0 and not begin[row] and idx[row - 1] == i - 1
                 and "\n" not in text[toks[i - 1][1] : toks[i][0]])
        if first >= 0 and not (inside[row] and joins):
            spans.append(_kind_span(text, toks, idx, per_kind, first, row - 1))
            first = -1
        if inside[row] and first < 0:
            first = row
    if first >= 0:
        spans.append(_kind_span(text, toks, idx, per_kind, first, len(idx) - 1))
    return [s for s in spans if s.text]


def _kind_span(text: str, toks: list[tuple[int, int]], idx: list[int], per_kind: Any,
               first: int, last: int) -> Span:
    kind = KINDS[int(per_kind[first : last + 1].sum(axis=0).argmax())]
    return _span(text, toks, kind, idx[first], idx[last])


def _span(text: str, toks: list[tuple[int, int]], kind: str, first: int, last: int) -> Span:
    # A run that starts or ends on a connector ("of", "the") is trimmed to its capitals.
    while first < last and text[toks[first][0] : toks[first][1]].lower() in CONNECTORS:
        first += 1
    while last > first and text[toks[last][0] : toks[last][1]].lower() in CONNECTORS:
        last -= 1
    start, end = toks[first][0], toks[last][1]
    if text[start:end].lower() in CONNECTORS:
        return Span(start, start, kind, "")
    return Span(start, end, kind, text[start:end])


class FastRecognizer:
    """The distilled recogniser: a linear model over sparse features, in numpy.

    Loads ``data/fastner.npz`` (or ``path``) on first use. Labels are spaCy's PERSON, ORG,
    GPE (GPE and LOC), NORP and MISC (FAC, EVENT, PRODUCT, WORK_OF_ART, LAW, LANGUAGE).
    """

    name = "fast"

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = path
        self._model: tuple[Featurizer, dict[str, int], Any, Any] | None = None
        self._lock = threading.Lock()

    def load(self) -> tuple[Featurizer, dict[str, int], Any, Any]:
        """Load the model now (it is otherwise loaded on first use) and return its parts."""
        with self._lock:
            if self._model is None:
                from storyline.understand.gazetteer import default_gazetteer

                if self.path is None:
                    ref = resources.files("storyline.understand") / "data" / MODEL_FILE
                    with resources.as_file(ref) as p:
                        data = np.load(p, allow_pickle=False)
                else:
                    data = np.load(self.path, allow_pickle=False)
                vocab = str(data["vocab"]).split("\n")
                common = (common_words() if self.path is None
                          else frozenset(str(data["common"]).split("\n")))
                weights = data["weights"].astype(np.float32)
                classes = np.array(str(data["classes"]).split("\n"))
                featurizer = Featurizer(place_cue(default_gazetteer()), common)
                self._model = (featurizer, {f: i for i, f in enumerate(vocab)}, weights,
                               classes)
            return self._model

    def entities(self, text: str) -> list[Span]:
        """Return the entity spans of one text."""
        return self.entities_many([text])[0]

    def entities_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Return the entity spans of many texts, scoring all their candidates at once."""
        return predict(*self.load(), texts)


def predict(featurizer: Featurizer, vocab: dict[str, int], weights: Any, classes: Any,
            texts: Sequence[str]) -> list[list[Span]]:
    """Spans of many texts under a model's parts (also used by the training script)."""
    parsed = []
    ids: list[int] = []
    offsets: list[int] = []
    for text in texts:
        toks, idx, feats = featurizer.features(text)
        parsed.append((text, toks, idx))
        for f in feats:
            offsets.append(len(ids))
            ids.extend(vocab[x] for x in f if x in vocab)
    if not offsets:
        return [[] for _ in texts]
    # Every candidate has the bias feature "b", so no token's feature list is empty.
    scores = np.add.reduceat(weights[np.asarray(ids, dtype=np.int64)],
                             np.asarray(offsets, dtype=np.int64), axis=0)
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    out: list[list[Span]] = []
    pos = 0
    for text, toks, idx in parsed:
        out.append(decode(text, toks, idx, probs[pos : pos + len(idx)]))
        pos += len(idx)
    return out


def common_words(path: str | Path | None = None) -> frozenset[str]:
    """The model's words usually written in lower case (read alone: npz members load lazily).
    The shipped model's list is read once per process: the recogniser, its corrections and
    the listing splitter all use it."""
    if path is None:
        return _shipped_common_words()
    with np.load(path, allow_pickle=False) as data:
        return frozenset(str(data["common"]).split("\n"))


@functools.cache
def _shipped_common_words() -> frozenset[str]:
    ref = resources.files("storyline.understand") / "data" / MODEL_FILE
    with resources.as_file(ref) as p, np.load(p, allow_pickle=False) as data:
        return frozenset(str(data["common"]).split("\n"))


def place_cue(gazetteer: Gazetteer) -> Callable[[str], str]:
    """A word's gazetteer cue: "country", "demonym", "continent", "region", big or small city."""

    def cue(word: str) -> str:
        if len(word) < 2:
            return ""
        # Postal codes ("AZ") came after the model was trained: not a cue, so the model's
        # features stay as they were ("UT" may be a university).
        found = [p for p in gazetteer.lookup(word) if not (p.abbrev and "." not in p.name)]
        if not found:
            return ""
        best = found[0]
        for p in found:
            if p.kind in ("country", "demonym", "continent"):
                return p.kind
            if p.population > best.population:
                best = p
        if best.kind == "city":
            return "city+" if best.population >= 100_000 else "city"
        return best.kind
    return cue
