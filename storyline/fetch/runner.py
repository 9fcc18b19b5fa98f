"""One fetch pass, and the loop that repeats it: due sources in, items stored, health recorded.

A pass fetches the due sources concurrently (in chunks, so bodies never pile up in memory),
parses each body with the ingest parsers (HTML pages with :mod:`storyline.ingest.html`),
fetches full text for new items of sources that ask for it, reconciles dates, then stores one
source at a time through the ingest's write path, each source in its own transaction. A
source's validators and due time are written only after its items are committed: a crash in
between costs a refetch whose items are already stored and skipped, never a lost item.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from storyline.fetch import dates
from storyline.fetch.fetcher import (
    ERROR,
    NOT_MODIFIED,
    OK,
    SKIPPED,
    FetcherSettings,
    FetchRequest,
    FetchResult,
    fetch_all,
)
from storyline.fetch.guard import Resolver
from storyline.fetch.registry import DOWN_AFTER, WatchedSource
from storyline.fetch.scheduler import due_sources, next_wake, prune_log, record_fetch
from storyline.group.base import Grouper
from storyline.ingest import html, parse_input
from storyline.ingest.detect import Format, detect_format
from storyline.ingest.inputs import RawInput, resolve_host
from storyline.ingest.records import ParseContext, Parsed
from storyline.ingestion import (
    Grouping,
    InputReport,
    Pending,
    default_grouper,
    rebuild_grouping,
    store_pending,
)
from storyline.model import Item, Source
from storyline.store.db import Store, item_time
from storyline.understand.build import build_pipeline
from storyline.understand.pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    """Options of a fetch pass."""

    fetcher: FetcherSettings = field(default_factory=FetcherSettings)
    dates: dates.DateSettings = field(default_factory=dates.DateSettings)
    chunk: int = 64  # sources fetched and parsed together before their bodies are dropped
    full_text_per_source: int = 30  # article pages fetched per source and pass, at most


@dataclass(slots=True)
class SourceReport:
    """What a pass did with one source."""

    source_id: str
    name: str
    url: str
    outcome: str  # "ok", "not_modified", "error" or "skipped"
    status: int | None = None
    format: str = ""
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    health: str = ""
    duration: float = 0.0


@dataclass(slots=True)
class FetchReport:
    """What one pass did, source by source."""

    sources: list[SourceReport] = field(default_factory=list)
    stopped: bool = False
    duration: float = 0.0

    @property
    def new(self) -> int:
        """Items stored for the first time."""
        return sum(s.new for s in self.sources)

    @property
    def failed(self) -> list[SourceReport]:
        """The sources that failed in this pass."""
        return [s for s in self.sources if s.outcome == ERROR]

    @property
    def not_modified(self) -> int:
        """Sources that answered 304 Not Modified."""
        return sum(1 for s in self.sources if s.outcome == NOT_MODIFIED)


Progress = Callable[[str, int], None]


@dataclass(slots=True)
class _Fetched:
    source: WatchedSource
    result: FetchResult
    report: SourceReport
    pending: Pending | None = None
    parse_error: str | None = None


def _request(source: WatchedSource) -> FetchRequest:
    return FetchRequest(
        source.url,
        etag=source.etag,
        last_modified=source.last_modified,
        allow_private=source.allow_private,
        key=source.id,
    )


def parse_body(
    source: WatchedSource, result: FetchResult, now: datetime
) -> tuple[str, Parsed, RawInput]:
    """Parse a fetched body as a feed, a page, a table or a listing; raises ValueError when
    the body is none of them."""
    record = Source(id=source.id, name=source.name, kind="url", location=source.url)
    raw = RawInput(record, result.data, result.content_type)
    ctx = ParseContext(source.id, source.name, now)
    if b"\x00" in result.data[:2048]:
        raise ValueError(f"{source.name}: binary content, not a feed or a page")
    fmt = detect_format(result.data, source.url, result.content_type)
    if fmt is Format.HTML:
        kind, parsed = html.parse_page(
            result.data, ctx, result.final_url or source.url, result.content_type
        )
        return f"html {kind}", parsed, raw
    content_type = (result.content_type or "").lower()
    if fmt is Format.LISTING and not content_type.startswith("text/plain"):
        # Anything unrecognised would otherwise be read as lines of a listing: garbage items.
        raise ValueError(
            f"{source.name}: not a feed, a page or a listing "
            f"(content type {result.content_type or 'not given'})"
        )
    fmt, parsed = parse_input(raw, ctx)
    return str(fmt), parsed, raw


def _parse(entry: _Fetched, now: datetime, settings: RunnerSettings) -> None:
    report = entry.report
    try:
        fmt, parsed, raw = parse_body(entry.source, entry.result, now)
    except ValueError as exc:
        entry.parse_error = str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - a parser bug must not cost the other sources
        entry.parse_error = f"{entry.source.name}: could not be parsed: {type(exc).__name__}: {exc}"
        return
    report.format = fmt
    report.warnings.extend(parsed.warnings)
    report.rejected = len(parsed.rejected)
    if parsed.rejected and not parsed.items:
        entry.parse_error = parsed.rejected[0]
        return
    input_report = InputReport(location=entry.source.url, source=entry.source.name, format=fmt)
    entry.pending = Pending(input_report, raw, parsed)


def _fill_full_text(
    store: Store,
    entries: Sequence[_Fetched],
    settings: RunnerSettings,
    transport: httpx.AsyncBaseTransport | None,
    resolve: Resolver,
    stop: threading.Event | None,
    rng: random.Random | None,
) -> dict[str, datetime]:
    """Fetch article pages of new, summary-only items of full-text sources; returns page dates.

    A page that cannot be fetched or read leaves the item with its summary and a flag.
    """
    wanted: list[tuple[Item, WatchedSource]] = []
    for entry in entries:
        if entry.pending is None or not entry.source.full_text:
            continue
        items = entry.pending.parsed.items
        known = store.existing_item_ids(i.id for i in items)
        fresh = [i for i in items if i.id not in known and i.url and not i.body]
        wanted += [(i, entry.source) for i in fresh[: settings.full_text_per_source]]
    if not wanted:
        return {}
    requests = [
        FetchRequest(item.url or "", allow_private=source.allow_private, key=item.id)
        for item, source in wanted
    ]
    results = fetch_all(
        requests, settings.fetcher, transport=transport, resolve=resolve, stop=stop, rng=rng
    )
    page_dates: dict[str, datetime] = {}
    for (item, _source), result in zip(wanted, results, strict=True):
        if result.outcome != OK:
            item.flags.append(f"full text: {result.error or 'not fetched'}; kept the summary")
            continue
        try:
            article = html.extract_article(result.data, result.final_url, result.content_type)
        except Exception as exc:  # noqa: BLE001 - one bad page must not cost the pass
            article = None
            log.debug("full text of %s failed: %s", item.url, exc)
        if article is None:
            item.flags.append("full text: no article text found on the page; kept the summary")
            continue
        item.body = article.text
        item.authors = item.authors or article.author
        item.language = item.language or article.language
        if article.published is not None:
            page_dates[item.id] = article.published
    return page_dates


def _store_one(store: Store, entry: _Fetched, pipeline: Pipeline, grouping: Grouping) -> None:
    assert entry.pending is not None
    for extra in entry.pending.parsed.sources.values():
        store.save_source(extra, entry.pending.parsed.items[0].first_seen or datetime.now(UTC))
    store_pending(store, entry.pending, pipeline, grouping)
    entry.report.new = entry.pending.report.new
    entry.report.duplicate = entry.pending.report.duplicate
    entry.report.warnings.extend(
        w for w in entry.pending.report.warnings if w not in entry.report.warnings
    )


def fetch_once(
    store: Store,
    due_only: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    settings: RunnerSettings | None = None,
    resolve: Resolver = resolve_host,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
    pipeline: Pipeline | None = None,
    grouper_factory: Callable[[], Grouper] = default_grouper,
    progress: Progress | None = None,
) -> FetchReport:
    """Fetch the due sources (every unpaused one with ``due_only=False``) and store new items.

    Setting ``stop`` ends the pass early and cleanly: sources not yet fetched, or fetched but
    not yet stored, keep their state and stay due.
    """
    settings = settings or RunnerSettings()
    started = time.monotonic()
    now = now or datetime.now(UTC)
    report = FetchReport()
    sources = due_sources(store, now, due_only=due_only)
    state = _PassState(pipeline, grouper_factory)
    done = 0
    for start in range(0, len(sources), settings.chunk):
        if stop is not None and stop.is_set():
            break
        chunk = sources[start : start + settings.chunk]
        results = fetch_all(
            [_request(s) for s in chunk],
            settings.fetcher,
            transport=transport,
            resolve=resolve,
            stop=stop,
            rng=rng,
        )
        fetched = [_fetched(source, result) for source, result in zip(chunk, results, strict=True)]
        for entry in fetched:
            if entry.result.outcome == OK:
                _parse(entry, now, settings)
                entry.result.data = b""  # parsed: the body is no longer needed
        if progress:
            progress("fetched", len(chunk))
        # Each chunk is stored before the next is fetched: memory stays bounded by the chunk.
        _store_chunk(store, fetched, report, state, now, settings, transport, resolve, stop, rng)
        done += len(chunk)
        if progress:
            progress("stored", len(chunk))
    report.stopped = report.stopped or done < len(sources)
    report.duration = time.monotonic() - started
    return report


@dataclass(slots=True)
class _PassState:
    """What a pass keeps between chunks: the pipeline, and a grouper with the time span its
    replay covers (rebuilt from the store when a chunk reaches outside it)."""

    pipeline: Pipeline | None
    factory: Callable[[], Grouper]
    grouping: Grouping | None = None
    earliest: Item | None = None
    latest: Item | None = None

    def grouping_for(self, store: Store, items: Sequence[Item]) -> Grouping:
        """The grouping for a chunk's items, rebuilt when they reach outside the replay."""
        lo, hi = min(items, key=item_time), max(items, key=item_time)
        if self.grouping is not None and self.earliest is not None and self.latest is not None:
            if item_time(self.earliest) <= item_time(lo) and item_time(hi) <= item_time(
                self.latest
            ):
                return self.grouping
            lo = min(lo, self.earliest, key=item_time)
            hi = max(hi, self.latest, key=item_time)
        # Replayed from the store, which holds everything this pass stored so far.
        self.grouping = rebuild_grouping(store, [[lo, hi]], self.factory)
        self.earliest, self.latest = lo, hi
        return self.grouping


def _fetched(source: WatchedSource, result: FetchResult) -> _Fetched:
    return _Fetched(
        source,
        result,
        SourceReport(
            source.id,
            source.name,
            source.url,
            result.outcome,
            status=result.status,
            error=result.error if result.outcome == ERROR else None,
            duration=result.duration,
        ),
    )


def _store_chunk(
    store: Store,
    fetched: list[_Fetched],
    report: FetchReport,
    state: _PassState,
    now: datetime,
    settings: RunnerSettings,
    transport: httpx.AsyncBaseTransport | None,
    resolve: Resolver,
    stop: threading.Event | None,
    rng: random.Random | None,
) -> None:
    with_items = [e for e in fetched if e.pending is not None]
    page_dates = _fill_full_text(store, with_items, settings, transport, resolve, stop, rng)
    items: list[Item] = []
    for entry in with_items:
        assert entry.pending is not None
        first_fetch = entry.source.last_success_at is None
        for item in entry.pending.parsed.items:
            dates.reconcile(
                item,
                page_date=page_dates.get(item.id),
                first_fetch=first_fetch,
                settings=settings.dates,
            )
        items += entry.pending.parsed.items
    grouping: Grouping | None = None
    if items and not (stop is not None and stop.is_set()):
        state.pipeline = state.pipeline or build_pipeline(store.split_corrections())
        grouping = state.grouping_for(store, items)
    for entry in fetched:
        if stop is not None and stop.is_set():
            report.stopped = True
            entry.report.outcome = SKIPPED
        elif entry.result.outcome == SKIPPED:
            report.stopped = True
        else:
            _finish(store, entry, now, state.pipeline, grouping, rng)
        report.sources.append(entry.report)


def _finish(
    store: Store,
    entry: _Fetched,
    now: datetime,
    pipeline: Pipeline | None,
    grouping: Grouping | None,
    rng: random.Random | None,
) -> None:
    """Store one source's items (one transaction), then record its fetch."""
    report = entry.report
    if entry.pending is not None and pipeline is not None and grouping is not None:
        try:
            _store_one(store, entry, pipeline, grouping)
        except Exception as exc:
            log.exception("storing %s failed", entry.source.url)
            entry.parse_error = f"{entry.source.name}: could not be stored: {exc}"
    if entry.parse_error:
        report.outcome = ERROR
        report.error = entry.parse_error
    outcome = record_fetch(
        store,
        entry.source,
        entry.result,
        now,
        items_new=report.new,
        parse_error=entry.parse_error,
        rng=rng,
    )
    if outcome.ok:
        report.health = "ok"
    else:
        since = entry.source.failing_since or now
        state = "down" if now - since >= DOWN_AFTER else "failing"
        report.health = f"{state} ({entry.source.consecutive_failures + 1} in a row)"


def watch(
    store: Store,
    stop: threading.Event,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    settings: RunnerSettings | None = None,
    resolve: Resolver = resolve_host,
    on_report: Callable[[FetchReport], None] | None = None,
    max_sleep: float = 60.0,
) -> None:
    """Fetch due sources until ``stop`` is set: the scheduler of ``storyline run``.

    Sleeps until the next source falls due (at most ``max_sleep``, so sources added meanwhile
    are noticed); a failing pass is logged and the loop goes on.
    """
    last_prune = 0.0
    while not stop.is_set():
        try:
            report = fetch_once(
                store, True, transport, settings=settings, resolve=resolve, stop=stop
            )
            if on_report is not None:
                on_report(report)
            if time.monotonic() - last_prune > 3600:
                prune_log(store, datetime.now(UTC))
                last_prune = time.monotonic()
        except Exception:
            log.exception("fetch pass failed")
        now = datetime.now(UTC)
        wake = next_wake(store, now)
        sleep = max_sleep if wake is None else (wake - now).total_seconds()
        stop.wait(min(max(sleep, 1.0), max_sleep))
