"""The watched sources: add, list, remove, pause and resume them; OPML in and out.

A watched source is a row of the shared ``sources`` table (so items, stories and pages know
it by the same id and name) plus a row of ``source_settings`` with what the user asked for and
what the fetcher learnt. Health is derived from that row when it is read, never stored twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from sqlalchemy import func, select

from storyline.fetch.tables import fetch_log, source_settings
from storyline.ingest.inputs import describe, is_url
from storyline.store import schema as t
from storyline.store.db import Store

DEFAULT_EVERY = 15 * 60
MIN_EVERY = 60  # polling a source more than once a minute is impolite and never needed
# A source failing for this long is "down": flagged in the CLI and on the sources page.
DOWN_AFTER = timedelta(days=1)
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class RegistryError(ValueError):
    """A request the registry cannot carry out; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class WatchedSource:
    """A source as the fetcher sees it: what to fetch, how often, and its state."""

    id: str
    name: str
    url: str
    every: int  # seconds between fetches
    full_text: bool
    allow_private: bool
    paused: bool
    added_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    next_due_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    retry_after_at: datetime | None = None
    fetch_count: int = 0

    def health(self, now: datetime) -> str:
        """``paused``, ``new`` (never fetched), ``ok``, ``failing``, or ``down`` (failing a day)."""
        if self.paused:
            return "paused"
        if self.consecutive_failures and self.failing_since is not None:
            return "down" if now - self.failing_since >= DOWN_AFTER else "failing"
        if self.last_attempt_at is None:
            return "new"
        return "ok"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A watched source with figures for the CLI and the sources page."""

    source: WatchedSource
    health: str
    items_total: int
    items_per_day: float


def parse_every(text: str) -> int:
    """Seconds from an interval such as ``90``, ``30s``, ``15m``, ``2h`` or ``1d``."""
    match = _EVERY.match(text)
    if not match:
        raise RegistryError(f"cannot read interval {text!r}: use e.g. 30m, 2h or 1d")
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds < MIN_EVERY:
        raise RegistryError(f"interval {text!r} is under the minimum of {MIN_EVERY}s")
    return seconds


def format_every(seconds: int) -> str:
    """The shortest exact form of an interval: ``15m``, ``2h``, ``1d``, ``90s``."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def row_to_source(row: Any) -> WatchedSource:
    """A watched source from a row of :func:`select_watched`."""
    return WatchedSource(
        id=row["source_id"],
        name=row["name"],
        url=row["url"],
        every=row["every_seconds"],
        full_text=bool(row["full_text"]),
        allow_private=bool(row["allow_private"]),
        paused=bool(row["paused"]),
        added_at=row["added_at"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        next_due_at=row["next_due_at"],
        last_attempt_at=row["last_attempt_at"],
        last_success_at=row["last_success_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"] or 0,
        failing_since=row["failing_since"],
        retry_after_at=row["retry_after_at"],
        fetch_count=row["fetch_count"] or 0,
    )


def select_watched() -> Any:
    """The query for watched sources: settings joined with the shared source record."""
    return select(source_settings, t.sources.c.name).join(
        t.sources, t.sources.c.id == source_settings.c.source_id
    )


def add_source(
    store: Store,
    url: str,
    *,
    name: str | None = None,
    every: int = DEFAULT_EVERY,
    full_text: bool = False,
    allow_private: bool = False,
    now: datetime | None = None,
) -> tuple[WatchedSource, bool]:
    """Watch a URL; returns the source and whether it is new.

    Adding a URL already watched updates its interval, full-text and private-address settings
    (and its name, if one is given) and keeps its state, so re-importing a list is harmless.
    """
    if not is_url(url):
        raise RegistryError(f"{url}: not an http(s) URL")
    if every < MIN_EVERY:
        raise RegistryError(f"interval of {every}s is under the minimum of {MIN_EVERY}s")
    now = now or datetime.now(UTC)
    source = describe(url, name)
    store.save_source(source, now)
    with store.engine.begin() as conn:
        exists = conn.execute(
            select(source_settings.c.source_id).where(source_settings.c.source_id == source.id)
        ).first()
        values = {"every_seconds": every, "full_text": full_text, "allow_private": allow_private}
        if exists is None:
            conn.execute(
                source_settings.insert().values(
                    source_id=source.id,
                    url=url,
                    paused=False,
                    added_at=now,
                    next_due_at=now,
                    consecutive_failures=0,
                    fetch_count=0,
                    **values,
                )
            )
        else:
            conn.execute(
                source_settings.update()
                .where(source_settings.c.source_id == source.id)
                .values(**values)
            )
        if name:
            conn.execute(t.sources.update().where(t.sources.c.id == source.id).values(name=name))
        row = conn.execute(
            select_watched().where(source_settings.c.source_id == source.id)
        ).mappings()
        return row_to_source(row.one()), exists is None


def list_sources(store: Store) -> list[WatchedSource]:
    """Every watched source, by name."""
    with store.engine.connect() as conn:
        rows = conn.execute(select_watched().order_by(t.sources.c.name, source_settings.c.url))
        return [row_to_source(r) for r in rows.mappings()]


def find_source(store: Store, ref: str) -> WatchedSource:
    """A watched source by id, URL or name (names must be unambiguous)."""
    with store.engine.connect() as conn:
        for column in (source_settings.c.source_id, source_settings.c.url, t.sources.c.name):
            rows = conn.execute(select_watched().where(column == ref)).mappings().all()
            if len(rows) == 1:
                return row_to_source(rows[0])
            if len(rows) > 1:
                raise RegistryError(f"{ref!r} names {len(rows)} sources: use the id or the URL")
    raise RegistryError(f"no watched source {ref!r}")


def remove_source(store: Store, ref: str) -> WatchedSource:
    """Stop watching a source. Its items and stories stay: they are what was reported."""
    source = find_source(store, ref)
    with store.engine.begin() as conn:
        conn.execute(fetch_log.delete().where(fetch_log.c.source_id == source.id))
        conn.execute(source_settings.delete().where(source_settings.c.source_id == source.id))
    return source


def set_paused(store: Store, ref: str, paused: bool, now: datetime | None = None) -> WatchedSource:
    """Pause or resume a source; a resumed source is due at once and its failures forgotten."""
    source = find_source(store, ref)
    values: dict[str, Any] = {"paused": paused}
    if not paused:
        values.update(
            next_due_at=now or datetime.now(UTC), consecutive_failures=0, failing_since=None
        )
    with store.engine.begin() as conn:
        conn.execute(
            source_settings.update()
            .where(source_settings.c.source_id == source.id)
            .values(**values)
        )
    return find_source(store, source.id)


def source_statuses(store: Store, now: datetime | None = None) -> list[SourceStatus]:
    """Every watched source with its health, items stored and new items per day (last week)."""
    now = now or datetime.now(UTC)
    week_ago = now - timedelta(days=7)
    with store.engine.connect() as conn:
        totals: dict[str, int] = dict(
            conn.execute(
                select(t.items.c.source_id, func.count())
                .where(t.items.c.source_id.in_(select(source_settings.c.source_id)))
                .group_by(t.items.c.source_id)
            ).all()
        )
        recent: dict[str, int | None] = dict(
            conn.execute(
                select(fetch_log.c.source_id, func.sum(fetch_log.c.items_new))
                .where(fetch_log.c.at >= week_ago)
                .group_by(fetch_log.c.source_id)
            ).all()
        )
    out = []
    for source in list_sources(store):
        # Per day over the week, or over the source's life if it is younger than a week.
        days = max((now - max(source.added_at, week_ago)).total_seconds() / 86400, 1.0)
        out.append(
            SourceStatus(
                source,
                source.health(now),
                int(totals.get(source.id, 0)),
                round(float(recent.get(source.id) or 0) / days, 1),
            )
        )
    return out


# -- OPML ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpmlEntry:
    """One feed outline of an OPML file."""

    url: str
    name: str | None
    every: int | None = None
    full_text: bool = False


def read_opml(data: bytes, base_url: str | None = None) -> list[OpmlEntry]:
    """The feed outlines of an OPML document, nested folders included.

    Relative ``xmlUrl`` values are resolved against ``base_url`` (the bundled examples list
    their feeds relative to wherever they are served). ``allowPrivate`` is never read from a
    file: a list from someone else must not open internal addresses.
    """
    try:
        root = defused_fromstring(data)
    except DefusedXmlException as exc:
        raise RegistryError(f"refused unsafe OPML: {type(exc).__name__}") from exc
    except Exception as exc:
        raise RegistryError(f"not an OPML file: {exc}") from exc
    if root.tag.lower() != "opml":
        raise RegistryError(f"not an OPML file: root element is <{root.tag}>")
    entries: list[OpmlEntry] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        if base_url and not is_url(url):
            url = urljoin(base_url, url)
        if url in seen:
            continue
        seen.add(url)
        name = outline.get("title") or outline.get("text") or None
        every_text = outline.get("every")
        entries.append(
            OpmlEntry(
                url=url,
                name=name.strip() if name else None,
                every=parse_every(every_text) if every_text else None,
                full_text=(outline.get("fullText") or "").lower() == "true",
            )
        )
    return entries


def import_opml(
    store: Store,
    data: bytes,
    *,
    every: int | None = None,
    allow_private: bool = False,
    base_url: str | None = None,
    now: datetime | None = None,
) -> list[tuple[WatchedSource, bool]]:
    """Watch every feed of an OPML document; returns each source and whether it is new."""
    added = []
    for entry in read_opml(data, base_url):
        added.append(
            add_source(
                store,
                entry.url,
                name=entry.name,
                every=every or entry.every or DEFAULT_EVERY,
                full_text=entry.full_text,
                allow_private=allow_private,
                now=now,
            )
        )
    return added


def export_opml(store: Store, title: str = "storyline sources") -> str:
    """Every watched source as OPML 2.0, readable by any feed reader.

    The interval and full-text setting ride along as extra attributes (``every``,
    ``fullText``), which other readers ignore; paused sources are exported too.
    """
    opml = Element("opml", version="2.0")
    head = SubElement(opml, "head")
    SubElement(head, "title").text = title
    body = SubElement(opml, "body")
    for source in list_sources(store):
        attributes = {
            "type": "rss",
            "text": source.name,
            "title": source.name,
            "xmlUrl": source.url,
            "every": format_every(source.every),
        }
        if source.full_text:
            attributes["fullText"] = "true"
        SubElement(body, "outline", attributes)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(opml, encoding="unicode") + "\n"
