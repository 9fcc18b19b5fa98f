"""Train the listing splitter and write the model file shipped in the package.

    python scripts/train_splitter.py [--data ../shared/data] [--out PATH] [--seed 0]
                                     [--write-fixture]

Trains on every source in the shared data except the sample listing and a fixed held-out
slice (about one pair in eight, the floor test's fixture), then prints how the new model
splits the listing. Deterministic for a given seed; takes
under a minute on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import splitter_data as sd

from storyline.understand.split.scorer import MODEL_PATH
from storyline.understand.split.splitter import Splitter
from storyline.understand.split.tags import normalise
from storyline.understand.split.train import TrainSettings

HELDOUT_FIXTURE = sd.REPO / "tests" / "fixtures" / "split_heldout.jsonl"


def main(argv: list[str] | None = None) -> int:
    """Train on all sources but the listing, save, and check the listing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=sd.DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="model file to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--write-fixture", action="store_true", help="also rewrite the floor test's held-out slice"
    )
    args = parser.parse_args(argv)

    pairs, titles_only, excluded = sd.load_all(args.data)
    # The listing and the held-out slice of the floor test stay out of training.
    train = [p for p in pairs if p.source != "listing" and not sd.is_heldout(p)]
    train_titles = [p for p in titles_only if p.source != "listing"]
    print(f"training on {len(train)} pairs and {len(train_titles)} headline-only lines")
    for reason, count in sorted(excluded.items()):
        print(f"  excluded {count:5d}  {reason}")
    extra = sd.load_extra_titles(args.data)
    print(f"headline-end statistics also from {len(extra)} UCI titles")
    start = time.perf_counter()
    scorer = sd.train_on(train, train_titles, TrainSettings(seed=args.seed), extra)
    print(f"trained in {time.perf_counter() - start:.0f} s")
    scorer.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")

    splitter = Splitter(scorer)
    listing = [p for p in pairs if p.source == "listing"]
    right = 0
    # Split as the product splits a listing: all its lines together (split/adapt.py).
    for pair, result in zip(listing, splitter.split_many([p.line for p in listing]),
                            strict=True):
        ok = not result.flagged and result.teaser == normalise(pair.teaser)
        right += ok
        if not ok:
            print(f"  listing miss: {result.headline!r} | {result.teaser[:40]!r}")
    print(f"sample listing: {right}/{len(listing)}")
    if args.write_fixture:
        heldout = [p for p in pairs if p.source != "listing" and sd.is_heldout(p)]
        with HELDOUT_FIXTURE.open("w", encoding="utf-8") as fh:
            for pair in heldout:
                row = {"source": pair.source, "publisher": pair.publisher or pair.source,
                       "title": pair.title, "teaser": pair.teaser}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(heldout)} held-out pairs to {HELDOUT_FIXTURE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
