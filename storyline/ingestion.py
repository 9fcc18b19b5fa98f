"""The ingest run: inputs in, items understood, grouped and stored. The CLI and API call this.

A run reads and parses every input first (a bad input is reported and skipped), rebuilds the
grouper from the stored stories around the new items' dates, then understands, groups and
stores one input at a time, each in its own transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

import httpx

from storyline.group.base import Grouper
from storyline.group.dedup import DuplicateDetector
from storyline.group.stories import StoryGrouper
from storyline.ingest import parse_input
from storyline.ingest.inputs import FetchSettings, InputError, RawInput, read_input
from storyline.ingest.records import ParseContext, Parsed
from storyline.model import Assignment, Item
from storyline.store.db import Store, item_time
from storyline.understand.build import build_pipeline
from storyline.understand.pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Options of an ingest run."""

    # Publication date for inputs that carry none (listings); else the ingest time is used.
    date: datetime | None = None
    source_name: str | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)


@dataclass(slots=True)
class InputReport:
    """What happened to one input."""

    location: str
    source: str = ""
    format: str = ""
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the input could not be read at all."""
        return bool(self.errors)


@dataclass(slots=True)
class IngestReport:
    """What happened to every input of a run."""

    inputs: list[InputReport] = field(default_factory=list)

    @property
    def new(self) -> int:
        """Items stored for the first time."""
        return sum(r.new for r in self.inputs)

    @property
    def duplicate(self) -> int:
        """Items already stored (or repeated within the run)."""
        return sum(r.duplicate for r in self.inputs)

    @property
    def failed(self) -> int:
        """Inputs that could not be read, plus records rejected inside readable inputs."""
        return sum(1 for r in self.inputs if r.failed) + sum(r.rejected for r in self.inputs)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data, for JSON (CLI ``--json`` and the API)."""
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "failed": self.failed,
            "inputs": [
                {
                    "location": r.location, "source": r.source, "format": r.format,
                    "new": r.new, "duplicate": r.duplicate, "rejected": r.rejected,
                    "warnings": r.warnings, "errors": r.errors,
                }
                for r in self.inputs
            ],
        }


@dataclass(slots=True)
class Pending:
    """An input read and parsed, waiting to be understood, grouped and stored."""

    report: InputReport
    raw: RawInput
    parsed: Parsed


Progress = Callable[[str, int], None]

# Stories active this many days before the earliest new item (or after the latest) are
# replayed into the grouper; longer than any grouper's window, so nothing it needs is missed.
REPLAY_DAYS = 7


def default_grouper() -> Grouper:
    """The grouper a run uses unless told otherwise."""
    return StoryGrouper()


def ingest(
    store: Store,
    locations: Sequence[str],
    settings: IngestSettings | None = None,
    *,
    pipeline: Pipeline | None = None,
    grouper_factory: Callable[[], Grouper] = default_grouper,
    transport: httpx.BaseTransport | None = None,
    stdin: BinaryIO | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every location (path, URL or ``-``) into the store and report what happened."""
    settings = settings or IngestSettings()
    now = now or datetime.now(UTC)
    raws: list[RawInput | InputReport] = []
    for location in locations:
        try:
            raws.append(
                read_input(location, name=settings.source_name, stdin=stdin,
                           transport=transport, settings=settings.fetch)
            )
        except InputError as exc:
            raws.append(InputReport(location=location, errors=[str(exc)]))
        if progress:
            progress("read", 1)
    return ingest_raw(store, raws, settings, pipeline=pipeline, grouper_factory=grouper_factory,
                      now=now, progress=progress)


def ingest_raw(
    store: Store,
    raws: Sequence[RawInput | InputReport],
    settings: IngestSettings | None = None,
    *,
    pipeline: Pipeline | None = None,
    grouper_factory: Callable[[], Grouper] = default_grouper,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest inputs already read (by ``ingest`` or by the fetcher).

    An :class:`InputReport` in ``raws`` stands for an input that could not be read: it is
    reported as given. Each readable input is parsed, understood, grouped and stored in its
    own transaction.
    """
    settings = settings or IngestSettings()
    now = now or datetime.now(UTC)
    report = IngestReport()
    pending: list[Pending] = []
    for raw in raws:
        if isinstance(raw, InputReport):
            report.inputs.append(raw)
            continue
        item_report = InputReport(location=raw.source.location)
        report.inputs.append(item_report)
        parsed = _parse(store, raw, settings, item_report, now)
        if parsed is not None:
            pending.append(parsed)
    if not pending:
        return report
    pipeline = pipeline or build_pipeline(store.split_corrections())
    grouping = rebuild_grouping(store, [p.parsed.items for p in pending], grouper_factory)
    for entry in pending:
        store_pending(store, entry, pipeline, grouping)
        if progress:
            progress("stored", len(entry.parsed.items))
    return report


def _parse(
    store: Store, raw: RawInput, settings: IngestSettings, report: InputReport, now: datetime
) -> Pending | None:
    report.source = raw.source.name
    store.save_source(raw.source, now)
    ctx = ParseContext(raw.source.id, raw.source.name, now, settings.date)
    try:
        fmt, parsed = parse_input(raw, ctx)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not cost the other inputs
        message = f"{raw.source.name}: could not be parsed: {type(exc).__name__}: {exc}"
        report.errors.append(message)
        store.record_source_result(raw.source.id, now, message)
        return None
    report.format = str(fmt)
    report.warnings.extend(parsed.warnings)
    report.rejected = len(parsed.rejected)
    for message in [*parsed.warnings, *parsed.rejected]:
        log.debug("%s", message)
    for source in parsed.sources.values():
        store.save_source(source, now)
    if parsed.rejected and not parsed.items:
        store.record_source_result(raw.source.id, now, parsed.rejected[0])
    else:
        store.record_source_result(
            raw.source.id, now, parsed.warnings[0] if parsed.warnings else None
        )
    return Pending(report, raw, parsed)


@dataclass(slots=True)
class Grouping:
    """The grouper and the near-duplicate detector, rebuilt together from the store."""

    grouper: Grouper
    duplicates: DuplicateDetector


def rebuild_grouping(
    store: Store, batches: Iterable[list[Item]], factory: Callable[[], Grouper]
) -> Grouping:
    """A grouper and a duplicate detector that agree with the stored stories around the new
    items' dates."""
    grouping = Grouping(factory(), DuplicateDetector())
    times = [item_time(item) for batch in batches for item in batch]
    if not times:
        return grouping
    window = timedelta(days=REPLAY_DAYS)
    for item, assignment in store.replay_links(min(times) - window, max(times) + window):
        grouping.grouper.learn_one(item, assignment)
        grouping.duplicates.add(item)
    drain = getattr(grouping.grouper, "drain_events", None)
    if callable(drain):
        drain()  # replaying stored links repeats no history
    return grouping


def store_pending(store: Store, entry: Pending, pipeline: Pipeline, grouping: Grouping) -> None:
    """Understand, de-duplicate, group and store one parsed input, in one transaction."""
    report = entry.report
    unique: dict[str, Item] = {}
    for item in entry.parsed.items:
        if item.id in unique:
            report.duplicate += 1
        else:
            unique[item.id] = item
    known = store.existing_item_ids(unique)
    report.duplicate += len(known)
    fresh = [item for item_id, item in unique.items() if item_id not in known]
    fresh.sort(key=item_time)
    understood = list(pipeline.run(fresh))
    failures = Counter(
        flag for item in understood for flag in item.flags if flag.startswith("component ")
    )
    for flag, count in sorted(failures.items()):
        report.warnings.append(f"{report.source}: {count} items: {flag}")
    # Exact copies are found in the whole store; near copies among recent items.
    originals = store.originals_by_content_hash({i.content_hash for i in understood})
    story_of = store.stories_of(list(originals.values()))
    grouper = grouping.grouper
    resolve = getattr(grouper, "resolve", None)
    assignments: list[Assignment] = []
    prefetch = getattr(grouper, "prefetch", None)
    if callable(prefetch):  # embeds the batch in one call; the vectors are the same
        prefetch(understood)
    for item in understood:
        original = originals.get(item.content_hash) or grouping.duplicates.check(item)
        if original is not None and original in story_of:
            # A copy joins its original's story but does not count as more coverage.
            story = resolve(story_of[original]) if callable(resolve) else story_of[original]
            item.duplicate_of = original
            assignments.append(
                Assignment(story, 1.0, is_new_story=False,
                           explanation={"duplicate_of": original, "similarity": 1.0})
            )
            continue
        assignment = grouper.learn_one(item)
        grouping.duplicates.add(item)
        originals.setdefault(item.content_hash, item.id)
        story_of[item.id] = assignment.story_id
        assignments.append(assignment)
    drain = getattr(grouper, "drain_events", None)
    events = drain() if callable(drain) else []
    store.write_batch(understood, assignments, events)
    report.new += len(understood)
