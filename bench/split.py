"""Benchmark of the listing splitter: exact-boundary accuracy per source, flagged share, speed.

    python bench/split.py [--data ../shared/data] [--quick] [--calibrate]

Accuracy is leave-one-source-out: for each source a model is trained on all the others (never
on the sample listing) and tested on that source, so each figure says how the splitter does on
a publisher it has never seen. The listing row uses the model trained on everything else,
which is the shipped configuration. ``--quick`` skips the retraining and scores every source
with the shipped model instead (in-sample, so optimistic: for a smoke check only).

The lines of each publisher (a corpus, or one feed) are split together as one listing, so the
splitter adapts to that publisher's headline lengths (``split/adapt.py``), as it does on a
listing a user ingests; "alone" is the accuracy of the same model splitting each line on its
own, without that adaptation.

A split is right when it is not flagged and its teaser is exactly the gold teaser (hence the
headline, with any kicker and media tag, is exactly the gold title). Flagged lines count as
wrong in "acc all"; "acc unflagged" is over the lines that were not flagged.

``--calibrate`` also fits the softmax temperature on the leave-one-source-out scores (the
value to put in ``TrainSettings.temperature``) and prints, for a few thresholds, how many
lines would be flagged and how many of those were in fact split right.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# One core, one thread: the speed figure must not borrow from BLAS threads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import numpy as np
import splitter_data as sd

from storyline.understand.split.scorer import MODEL_PATH
from storyline.understand.split.splitter import ListingSplit, Splitter
from storyline.understand.split.tags import normalise
from storyline.understand.split.train import TrainSettings, make_examples


def split_by_publisher(splitter: Splitter, pairs: list[sd.Pair],
                       adapt: bool = True) -> list[ListingSplit]:
    """The pairs' lines split as listings, one per publisher (in the pairs' order), or each
    on its own without ``adapt``."""
    lines = [p.line for p in pairs]
    if not adapt:
        return splitter.split_many(lines, adapt=False)
    return splitter.split_listings(lines, [p.publisher or p.source for p in pairs])


def score(splitter: Splitter, pairs: list[sd.Pair],
          errors: list[dict[str, object]] | None = None,
          adapt: bool = True) -> tuple[int, int, int]:
    """(right, flagged, right among unflagged) over the pairs; the lines split wrong (or
    flagged) are appended to ``errors`` when it is given."""
    right = flagged = 0
    for pair, result in zip(pairs, split_by_publisher(splitter, pairs, adapt), strict=True):
        ok = not result.flagged and result.teaser == normalise(pair.teaser)
        if result.flagged:
            flagged += 1
        elif ok:
            right += 1
        if errors is not None and not ok:
            errors.append({"source": pair.source, "line": pair.line,
                           "gold_teaser": normalise(pair.teaser), "teaser": result.teaser,
                           "flagged": result.flagged,
                           "confidence": round(result.confidence, 3)})
    return right, flagged, right


class Calibration:
    """Leave-one-source-out scores of the gold lines, for fitting the temperature."""

    def __init__(self) -> None:
        self.lines: list[tuple[np.ndarray, int, float, bool]] = []  # scores, gold, weight, right

    def add(self, splitter: Splitter, pairs: list[sd.Pair]) -> None:
        """Score the pairs with ``splitter`` (its model never saw their source)."""
        weight = 1.0 / max(len(pairs), 1) ** 0.5  # sources balanced as in training
        examples = make_examples([(p.title, p.teaser, 1.0) for p in pairs], splitter.table)
        for example in examples:
            if example is None:
                continue
            # Raw scores, before the model's own temperature: the fit starts from them.
            raw = splitter.scorer.scores(example.feats)
            right = int(np.argmax(raw)) == example.gold
            self.lines.append((raw, example.gold, weight, right))

    def nll(self, temperature: float) -> float:
        """Weighted mean negative log-likelihood of the gold cuts at ``temperature``."""
        total = weights = 0.0
        for raw, gold, weight, _ in self.lines:
            z = raw / temperature
            z = z - z.max()
            total -= weight * (z[gold] - np.log(np.exp(z).sum()))
            weights += weight
        return total / weights

    def report(self, current: float) -> None:
        """Print the fitted temperature and the threshold trade-off it gives."""
        grid = np.exp(np.linspace(np.log(0.5), np.log(8.0), 41))
        losses = [self.nll(t) for t in grid]
        best = float(grid[int(np.argmin(losses))])
        print(
            f"temperature: fitted {best:.2f} (nll {min(losses):.3f}); "
            f"shipped {current:.2f} (nll {self.nll(current):.3f})"
        )
        conf = []
        for raw, _, _, _ in self.lines:
            z = raw / best
            p = np.exp(z - z.max())
            conf.append(p.max() / p.sum())
        c = np.array(conf)
        right = np.array([r for _, _, _, r in self.lines])
        for th in (0.25, 0.3, 0.35, 0.4, 0.5, 0.6):
            low = c < th
            print(
                f"  threshold {th:.2f}: flagged {low.mean():6.1%}, of which right "
                f"{right[low].mean() if low.any() else 0.0:6.1%}; acc all "
                f"{(right & ~low).mean():6.1%}"
            )


def headline_only(splitter: Splitter, titles: list[sd.Pair]) -> int:
    """How many headline-only lines come out uncut (teaser empty), each split on its own: a
    listing of nothing but headlines would adapt towards "no cut" and flatter the count."""
    return sum(r.teaser == "" for r in splitter.split_many([p.title for p in titles],
                                                           adapt=False))


def speed(splitter: Splitter, lines: list[str], runs: int = 5, adapt: bool = True) -> float:
    """Median lines per second over ``runs`` passes (the first pass warms the caches)."""
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        splitter.split_many(lines, adapt=adapt)
        rates.append(len(lines) / (time.perf_counter() - start))
    return statistics.median(rates)


def load_time(path: Path = MODEL_PATH, runs: int = 5) -> float:
    """Median seconds to load the shipped model (each load starts with empty caches)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        Splitter.load(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Print the per-source table, flagged share, speed and load time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=sd.DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true", help="shipped model only (in-sample)")
    parser.add_argument("--calibrate", action="store_true", help="fit the temperature")
    parser.add_argument("--seed", type=int, default=0,
                        help="training seed of the leave-one-source-out models (the shipped "
                        "model uses 0); differences under ~2 points need several seeds")
    parser.add_argument("--errors", type=Path,
                        help="write the lines split wrong (or flagged) to this JSONL file")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    pairs, titles_only, excluded = sd.load_all(args.data)
    extra = [] if args.quick else sd.load_extra_titles(args.data)
    shipped = Splitter.load()
    print("excluded from evaluation (not a headline/teaser pair):")
    for reason, count in sorted(excluded.items()):
        print(f"  {count:5d}  {reason}")
    print()
    header = (
        f"{'source':10} {'lines':>6} {'acc all':>8} {'flagged':>8} {'acc unfl':>9} {'hl-only':>9}"
        f" {'alone':>7}"
    )
    print(header)
    print("-" * len(header))
    total = right_all = flagged_all = right_alone_all = 0
    calibration = Calibration()
    errors: list[dict[str, object]] | None = [] if args.errors else None
    for source in sd.SOURCES:
        test = [p for p in pairs if p.source == source]
        test_titles = [p for p in titles_only if p.source == source]
        if args.quick or source == "listing":
            splitter = shipped
        else:
            train = [p for p in pairs if p.source not in (source, "listing")]
            train_titles = [p for p in titles_only if p.source not in (source, "listing")]
            scorer = sd.train_on(train, train_titles, extra_titles=extra,
                                 settings=TrainSettings(seed=args.seed))
            splitter = Splitter(scorer, threshold=shipped.threshold)
        right, flagged, _ = score(splitter, test, errors)
        right_alone, _, _ = score(splitter, test, adapt=False)
        if args.calibrate and not args.quick and source != "listing":
            calibration.add(splitter, test)
        n = len(test)
        unflagged = n - flagged
        hl = headline_only(splitter, test_titles)
        hl_text = f"{hl}/{len(test_titles)}" if test_titles else "-"
        print(
            f"{source:10} {n:6d} {right / n:8.1%} {flagged / n:8.1%} "
            f"{right / max(unflagged, 1):9.1%} {hl_text:>9} {right_alone / n:7.1%}",
            flush=True,
        )
        total += n
        right_all += right
        flagged_all += flagged
        right_alone_all += right_alone
    print("-" * len(header))
    print(f"{'all':10} {total:6d} {right_all / total:8.1%} {flagged_all / total:8.1%} "
          f"{'':9} {'':9} {right_alone_all / total:7.1%}")
    mode = "in-sample" if args.quick else "leave-one-source-out"
    print(f"(threshold {shipped.threshold:.2f}; {mode})")
    print()
    if args.errors and errors is not None:
        with args.errors.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in errors)
        print(f"{len(errors)} lines split wrong or flagged written to {args.errors}")
    if args.calibrate and calibration.lines:
        calibration.report(shipped.scorer.temperature)
        print()
    lines = [p.line for p in pairs]
    print(f"speed: {speed(shipped, lines):,.0f} lines/s as one listing, "
          f"{speed(shipped, lines, adapt=False):,.0f} without adaptation "
          "(one core, median of 5 runs)")
    print(f"model load: {load_time() * 1000:.0f} ms (median of 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
