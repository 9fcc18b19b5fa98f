"""The UCI News Aggregator dev set as a stream of items, for the grouping bench and tests.

The stream is fair: days in order, rows shuffled within each day with a fixed seed, dates at
day resolution only. The item carries the headline and the publisher's name (as its source);
never the row ID, URL, hostname, story or crawl time, which would give the answer away
(all rows of a story share the crawl time within a minute, and ID order follows it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from storyline.model import Item

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "stories" / (
    "uci-news-aggregator-dev.parquet"
)
SEED = 20140310


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the stream: the headline, its publisher, its day and its gold story."""

    title: str
    publisher: str
    day: int  # days since the epoch
    story: str


def load_rows(path: Path = DEV, seed: int = SEED) -> list[Row]:
    """All rows in day order, shuffled within each day with ``seed``."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["TITLE", "PUBLISHER", "STORY", "TIMESTAMP"])
    titles = table.column("TITLE").to_pylist()
    publishers = table.column("PUBLISHER").to_pylist()
    stories = table.column("STORY").to_pylist()
    days = table.column("TIMESTAMP").to_numpy() // 86_400_000
    rng = np.random.default_rng(seed)
    # Sort by day only, then a random key: within a day, file and ID order are crawl order.
    order = np.lexsort((rng.random(len(days)), days))
    return [
        Row(titles[i] or "", publishers[i] or "", int(days[i]), stories[i]) for i in order
    ]


def item_id(position: int, repeat: int = 0) -> str:
    """An id from the stream position: unique, and carrying nothing about the row."""
    return "i" + hashlib.blake2b(f"{repeat}:{position}".encode(), digest_size=8).hexdigest()


def to_item(row: Row, position: int, repeat: int = 0, shift_days: int = 0) -> Item:
    """The row as an :class:`Item` published on its day (midnight UTC), shifted if asked."""
    published = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=row.day + shift_days)
    return Item(
        id=item_id(position, repeat),
        source_id=row.publisher,
        raw_text=row.title,
        headline=row.title,
        published=published,
        published_estimated=False,
    )


def stream(
    rows: list[Row], repeat: int = 1, limit: int | None = None
) -> Iterator[tuple[Item, str]]:
    """Items with their gold story label, replayed ``repeat`` times with shifted dates.

    Each replay starts the day after the previous one ended, and its gold labels are new
    (a story of replay 2 is not the story of replay 1).
    """
    if not rows:
        return
    span = rows[-1].day - rows[0].day + 1
    count = 0
    for r in range(repeat):
        for position, row in enumerate(rows):
            if limit is not None and count >= limit:
                return
            yield to_item(row, position, r, r * span), f"{r}:{row.story}"
            count += 1


def day_split(rows: list[Row]) -> int:
    """The first day of the later half of the days (the held-out half when tuning)."""
    days = sorted({row.day for row in rows})
    return days[len(days) // 2]


def write_slice(out: Path, first_day_index: int = 3, days: int = 2, keep_one_in: int = 3) -> int:
    """Write the test fixture: every row of one story in ``keep_one_in`` over a few days.

    Whole stories are kept (a story cut in parts would be unfair to score), in stream order.
    """
    import json

    rows = load_rows()
    wanted = sorted({row.day for row in rows})[first_day_index : first_day_index + days]
    picked = [
        row for row in rows
        if row.day in wanted
        and int(hashlib.blake2b(row.story.encode(), digest_size=4).hexdigest(), 16) % keep_one_in
        == 0
    ]
    with out.open("w", encoding="utf-8") as handle:
        for row in picked:
            record = {"title": row.title, "publisher": row.publisher, "day": row.day,
                      "story": row.story}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(picked)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "uci_slice.jsonl"
    print(write_slice(target), "rows written to", target)
