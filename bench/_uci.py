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

from storyline.model import Fact, Item

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "stories" / (
    "uci-news-aggregator-dev.parquet"
)
SEED = 20140310
ROOT = Path(__file__).resolve().parents[1]
# What the understanding stage made of a row: headline, teaser, kicker and language as the
# pipeline left them, and its facts as (kind, value, surface, field, confidence): all the
# grouper reads of them. CACHE_FORMAT changes whenever this does.
Understood = tuple[
    str, str | None, str | None, str | None, tuple[tuple[str, str, str, str, float], ...]
]
CACHE_FORMAT = 2


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


def to_item(
    row: Row, position: int, repeat: int = 0, shift_days: int = 0,
    understood: Understood | None = None,
) -> Item:
    """The row as an :class:`Item` published on its day (midnight UTC), shifted if asked, with
    what the understanding stage made of it when ``understood`` is given."""
    published = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=row.day + shift_days)
    item = Item(
        id=item_id(position, repeat),
        source_id=row.publisher,
        raw_text=row.title,
        headline=row.title,
        published=published,
        published_estimated=False,
    )
    if understood is not None:
        item.headline = understood[0]
        item.teaser, item.kicker, item.language = understood[1:4]
        item.facts = [Fact(kind, value, surface, where, confidence=confidence)
                      for kind, value, surface, where, confidence in understood[4]]
    return item


def stream(
    rows: list[Row], repeat: int = 1, limit: int | None = None,
    facts: list[Understood] | None = None,
) -> Iterator[tuple[Item, str]]:
    """Items with their gold story label, replayed ``repeat`` times with shifted dates.

    Each replay starts the day after the previous one ended, and its gold labels are new
    (a story of replay 2 is not the story of replay 1). ``facts`` (from :func:`understand`,
    one per row) gives each item what the understanding stage found in it.
    """
    if not rows:
        return
    span = rows[-1].day - rows[0].day + 1
    count = 0
    for r in range(repeat):
        for position, row in enumerate(rows):
            if limit is not None and count >= limit:
                return
            understood = facts[position] if facts is not None else None
            yield to_item(row, position, r, r * span, understood), f"{r}:{row.story}"
            count += 1


def understanding_version() -> str:
    """A digest of what decides the understanding stage's output: its code, its data and
    model files (by size and mtime) and the environment that picks the recogniser."""
    import os

    digest = hashlib.blake2b(digest_size=8)
    base = ROOT / "storyline" / "understand"
    for path in sorted(base.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(base)).encode())
            if path.suffix == ".py":
                digest.update(path.read_bytes())
            else:
                stat = path.stat()
                digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update((ROOT / "storyline" / "model.py").read_bytes())
    for name in ("STORYLINE_NER_BACKEND", "STORYLINE_NER_MODEL"):
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    return digest.hexdigest()


_PIPELINE: list[object] = []  # the worker's pipeline, built once per process


def _understand_chunk(chunk: list[tuple[int, Row]]) -> list[Understood]:
    """Run the product's pipeline (``build_pipeline()``, as ``storyline/ingestion.py`` does)
    over a chunk of rows, in a worker process."""
    from storyline.understand.build import build_pipeline
    from storyline.understand.pipeline import Pipeline

    if not _PIPELINE:
        _PIPELINE.append(build_pipeline())
    pipeline = _PIPELINE[0]
    assert isinstance(pipeline, Pipeline)
    items = [to_item(row, position) for position, row in chunk]
    return [
        (item.headline, item.teaser, item.kicker, item.language,
         tuple((f.kind, f.value, f.surface, f.field, f.confidence) for f in item.facts))
        for item in pipeline.run(items)
    ]


def understand(
    rows: list[Row], path: Path = DEV, workers: int = 2, cache_dir: Path = Path("/tmp"),
    log: bool = True,
) -> list[Understood]:
    """What the understanding stage finds in every row, computed on ``workers`` processes and
    cached under ``cache_dir``, keyed by the data file's size and mtime, the row order's seed
    and :func:`understanding_version` (so a change to the code or models recomputes it)."""
    import multiprocessing as mp
    import pickle
    import sys
    import time

    stat = path.stat()
    key = hashlib.blake2b(
        f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{SEED}:{len(rows)}:{CACHE_FORMAT}:"
        f"{understanding_version()}".encode(), digest_size=8,
    ).hexdigest()
    cache = cache_dir / f"storyline-uci-facts-{key}.pkl"
    if cache.exists():
        with cache.open("rb") as handle:
            cached: list[Understood] = pickle.load(handle)
        if len(cached) == len(rows):
            return cached
    start = time.perf_counter()
    indexed = list(enumerate(rows))
    chunks = [indexed[i : i + 2000] for i in range(0, len(indexed), 2000)]
    out: list[Understood] = []
    with mp.get_context("spawn").Pool(workers) as pool:
        for done in pool.imap(_understand_chunk, chunks):
            out.extend(done)
    if log:
        seconds = time.perf_counter() - start
        print(f"understood {len(out)} items in {seconds:.0f} s ({len(out) / seconds:.0f}/s on "
              f"{workers} processes); cached in {cache}", file=sys.stderr, flush=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(out, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(cache)
    return out


def day_split(rows: list[Row]) -> int:
    """The first day of the later half of the days (the held-out half when tuning)."""
    days = sorted({row.day for row in rows})
    return days[len(days) // 2]


def write_slice(out: Path, first_day_index: int = 27, days: int = 2, keep_one_in: int = 3) -> int:
    """Write the test fixture: every row of one story in ``keep_one_in`` over a few days.

    Whole stories are kept (a story cut in parts would be unfair to score), in stream order.
    The default days (2014-04-15 and 16) lie in the held-out half (``day_split``), which
    neither the grouper's settings nor the fine-tuned embedding model ever saw.
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
