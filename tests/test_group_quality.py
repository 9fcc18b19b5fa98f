"""Grouping quality on a committed slice of the UCI News Aggregator dev set, against floors.

The slice (tests/fixtures/uci_slice.jsonl) holds every headline of one story in three over two
days of the dev set, in stream order (shuffled within each day), written by
``python bench/_uci.py``. Data: UCI Machine Learning Repository, "News Aggregator"
(Gasparetti 2017), CC BY 4.0. The full figures come from ``bench/group.py``.
"""

from __future__ import annotations

import json
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storyline.group.metrics import bcubed
from storyline.group.stories import StoryGrouper
from storyline.model import Item

HERE = Path(__file__).parent
FLOORS = tomllib.loads((HERE / "floors.toml").read_text(encoding="utf-8"))["group"]


def test_story_grouper_meets_its_floors_on_the_slice() -> None:
    text = (HERE / "fixtures" / "uci_slice.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    grouper = StoryGrouper()
    grouper.predict_one(Item("iwarm0000000000", "s", "warm up", "warm up"))  # loads the model
    predicted: list[str] = []
    position: dict[str, int] = {}
    start = time.perf_counter()
    for n, row in enumerate(rows):
        item = Item(
            id=f"i{n:06d}{'0' * 10}",
            source_id=row["publisher"],
            raw_text=row["title"],
            headline=row["title"],
            published=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=row["day"]),
        )
        position[item.id] = len(predicted)
        predicted.append(grouper.learn_one(item).story_id)
        for event in grouper.drain_events():
            if event.kind == "split":  # as the store does: the listed items move
                for moved in event.reason["items"]:
                    predicted[position[moved]] = event.other_ids[0]
    rate = len(rows) / (time.perf_counter() - start)
    scores = bcubed([grouper.resolve(s) for s in predicted], [row["story"] for row in rows])
    assert scores.f1 >= FLOORS["slice_bcubed_f1"], scores
    assert scores.precision >= FLOORS["slice_bcubed_precision"], scores
    assert rate >= FLOORS["slice_items_per_second"], rate
