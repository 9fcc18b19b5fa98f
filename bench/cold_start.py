"""A new grouper on a small stream: how well it groups its first few hundred items.

    python bench/cold_start.py [--items 300] [--set NAME=VALUE ...]

Users start with an empty database: the grouper's first items are compared before it has
seen enough text to know which words are common or what the embeddings' shared direction is
(``group/background.py``). This bench takes each day of the UCI dev set's held-out half
(``_uci.day_split``), draws ``--items`` of that day's headlines at random (seeded), replays
them through a fresh grouper in the stream's order, and prints B-cubed precision, recall and
F1 per day and their mean, for the settings given (default settings unless ``--set``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._uci import day_split, load_rows, to_item  # noqa: E402
from bench.group import parse_settings  # noqa: E402
from storyline.group.embed import StaticEmbedder  # noqa: E402
from storyline.group.metrics import bcubed  # noqa: E402
from storyline.group.stories import StoryGrouper  # noqa: E402


def main(argv: Sequence[str] | None = None) -> None:
    """Print per-day and mean B-cubed scores of fresh groupers on small samples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300, help="headlines drawn per day")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    settings = parse_settings(args.set)
    rows = load_rows()
    split = day_split(rows)
    days = sorted({row.day for row in rows if row.day >= split})
    embedder = StaticEmbedder()
    rng = random.Random(args.seed)
    scores = []
    for day in days:
        positions = [i for i, row in enumerate(rows) if row.day == day]
        if len(positions) < args.items:
            continue
        picked = sorted(rng.sample(positions, args.items))  # stream order kept
        grouper = StoryGrouper(settings, embedder=embedder)
        predicted: list[str] = []
        where: dict[str, int] = {}
        for position in picked:
            item = to_item(rows[position], position)
            where[item.id] = len(predicted)
            predicted.append(grouper.learn_one(item).story_id)
            for event in grouper.drain_events():
                if event.kind == "split":
                    for moved in event.reason["items"]:
                        predicted[where[moved]] = event.other_ids[0]
        gold = [rows[p].story for p in picked]
        score = bcubed([grouper.resolve(s) for s in predicted], gold)
        scores.append(score)
        print(f"{day}: P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f} "
              f"({len(set(gold))} gold stories)")
    print(f"{len(scores)} days of {args.items} items: mean P "
          f"{statistics.mean(s.precision for s in scores):.3f} R "
          f"{statistics.mean(s.recall for s in scores):.3f} F1 "
          f"{statistics.mean(s.f1 for s in scores):.3f}")


if __name__ == "__main__":
    main()
