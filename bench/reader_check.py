"""How close careful readers come to the dev set's gold stories, next to storyline.

    python bench/reader_check.py [--data bench/data/uci_reader_groupings.json]
                                 [--set NAME=VALUE ...]

Issue 5 asks for B-cubed F1 >= 0.92 against the UCI aggregator's story labels. Those labels
are one aggregator's clustering, not a ground truth: this bench asks what readers score
against them. ``bench/data/uci_reader_groupings.json`` holds samples of held-out days (150 or
200 headlines each, drawn with a fixed seed, shown in random order) that two readers grouped
into stories by reading them (see ``docs/grouping.md``, "Readers against the gold"). For each
sample it prints B-cubed precision/recall/F1 of each reader against the gold, the two readers
against each other, and storyline against the gold and against the readers: storyline's
labels are those of one grouper replaying the whole stream up to the last sampled day
(default settings unless ``--set``, bare headlines, no duplicate detection), restricted to
the sample.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._uci import item_id, load_rows, stream  # noqa: E402
from bench.group import parse_settings, prefetched  # noqa: E402
from storyline.group.embed import StaticEmbedder  # noqa: E402
from storyline.group.metrics import bcubed  # noqa: E402
from storyline.group.settings import GroupingSettings  # noqa: E402
from storyline.group.stories import StoryGrouper  # noqa: E402

DATA = ROOT / "bench" / "data" / "uci_reader_groupings.json"


def stream_labels(positions: set[int], settings: GroupingSettings) -> dict[int, str]:
    """Story ids that one grouper, replaying the stream from the start (embedding ahead as
    ``bench/group.py`` does), gives the positions: resolved after the replay, splits applied
    as the store applies them."""
    rows = load_rows()
    grouper = StoryGrouper(settings, embedder=StaticEmbedder())
    wanted = {item_id(p): p for p in positions}
    found: dict[str, str] = {}
    for item, _ in prefetched(grouper, stream(rows, limit=max(positions) + 1)):
        assignment = grouper.learn_one(item)
        if item.id in wanted:
            found[item.id] = assignment.story_id
        for event in grouper.drain_events():
            if event.kind == "split":
                for moved in event.reason["items"]:
                    if moved in found:
                        found[moved] = event.other_ids[0]
    return {wanted[i]: grouper.resolve(s) for i, s in found.items()}


def main(argv: list[str] | None = None) -> None:
    """Print the per-sample table and the means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a grouping setting for storyline's run")
    args = parser.parse_args(argv)
    samples = json.loads(args.data.read_text(encoding="utf-8"))
    rows = load_rows()
    for sample in samples:
        if [rows[p].title for p in sample["positions"]] != sample["titles"]:
            raise SystemExit(f"{args.data}: sample of day {sample['day']} no longer matches "
                             "the stream (dev set or shuffle changed)")
    ours = stream_labels({p for s in samples for p in s["positions"]},
                         parse_settings(args.set))
    table: dict[str, list[float]] = {}
    print(f"{'day':>6} {'items':>5} {'reader':>20} {'P':>6} {'R':>6} {'F1':>6}")
    for sample in samples:
        gold = [rows[p].story for p in sample["positions"]]
        mine = [ours[p] for p in sample["positions"]]
        readers = sample["readers"]
        lines = [(f"{name} vs gold", labels, gold) for name, labels in readers.items()]
        names = list(readers)
        lines.append((f"{names[0]} vs {names[1]}", readers[names[0]], readers[names[1]]))
        lines.append(("storyline vs gold", mine, gold))
        lines += [(f"storyline vs {name}", mine, labels) for name, labels in readers.items()]
        for label, predicted, truth in lines:
            score = bcubed(predicted, truth)
            table.setdefault(label.replace(names[1], "reader").replace(names[0], "reader"),
                             []).append(score.f1)
            print(f"{sample['day']:>6} {len(gold):5d} {label:>20} {score.precision:6.3f} "
                  f"{score.recall:6.3f} {score.f1:6.3f}")
    print()
    for label, values in table.items():
        print(f"mean F1 {label:>20}: {statistics.mean(values):.3f} "
              f"(min {min(values):.3f}, max {max(values):.3f}, {len(values)} values)")


if __name__ == "__main__":
    main()
