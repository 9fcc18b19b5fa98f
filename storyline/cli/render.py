"""Rendering library results for the terminal (rich) and for scripts (JSON)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from storyline.export import item_record
from storyline.group.story import describe_opening
from storyline.ingestion import IngestReport
from storyline.store.reads import ItemView, StorySummary, StoryView


def escape(text: str) -> str:
    """Text safe to print with rich markup on (feed text may contain square brackets)."""
    return rich_escape(text)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def print_json(console: Console, data: Any) -> None:
    """Print JSON without rich's highlighting or wrapping, so scripts can parse it."""
    console.out(json.dumps(data, ensure_ascii=False, indent=2, default=str), highlight=False)


def report_table(report: IngestReport) -> Table:
    """An ingest report as a table, one row per input, with totals."""
    table = Table(title="Ingest summary", show_footer=True)
    table.add_column("input", footer="total")
    table.add_column("format")
    table.add_column("new", justify="right", footer=str(report.new))
    table.add_column("duplicate", justify="right", footer=str(report.duplicate))
    table.add_column("failed", justify="right", footer=str(report.failed))
    table.add_column(
        "warnings", justify="right", footer=str(sum(len(r.warnings) for r in report.inputs))
    )
    for r in report.inputs:
        failed = "error" if r.failed else str(r.rejected)
        table.add_row(
            escape(r.source or r.location),
            r.format,
            str(r.new),
            str(r.duplicate),
            failed,
            str(len(r.warnings)),
        )
    return table


def story_json(summary: StorySummary) -> dict[str, Any]:
    """A story summary as JSON."""
    story = summary.story
    return {
        "id": story.id,
        "title": story.title,
        "first_seen": story.first_seen.isoformat(),
        "last_seen": story.last_seen.isoformat(),
        "item_count": story.item_count,
        "duplicate_count": summary.duplicate_count,
        "source_count": summary.source_count,
        "sources": summary.sources,
    }


def stories_table(summaries: list[StorySummary]) -> Table:
    """Stories as a table."""
    table = Table(title="Stories, latest first")
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("last update", no_wrap=True)
    table.add_column("items", justify="right")
    table.add_column("title")
    table.add_column("sources")
    for s in summaries:
        table.add_row(
            s.story.id,
            _when(s.story.last_seen),
            str(s.story.item_count),
            escape(s.story.title),
            escape(", ".join(s.sources)),
        )
    return table


def item_json(view: ItemView) -> dict[str, Any]:
    """An item with its facts and story link as JSON."""
    record = item_record(view)
    if view.link is not None:
        record["explanation"] = view.link.explanation
    return record


def items_table(views: list[ItemView]) -> Table:
    """Items as a table."""
    table = Table(title="Items, newest first")
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("published", no_wrap=True)
    table.add_column("source")
    table.add_column("headline")
    table.add_column("story", no_wrap=True)
    for v in views:
        headline = (f"[{v.item.kicker}] " if v.item.kicker else "") + v.item.headline
        if v.item.duplicate_of:
            headline += f" (duplicate of {v.item.duplicate_of})"
        table.add_row(
            v.item.id,
            _when(v.item.published),
            escape(v.source_name),
            escape(headline),
            v.link.story_id if v.link else "",
        )
    return table


def story_view_json(view: StoryView) -> dict[str, Any]:
    """A story with its items, aliases and history as JSON."""
    return {
        **story_json(view.summary),
        "aliases": view.aliases,
        "events": [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in e.items()}
            for e in view.events
        ],
        "items": [item_json(v) for v in view.items],
    }


def _why(view: ItemView) -> str:
    if view.link is None:
        return ""
    e = view.link.explanation
    if "duplicate_of" in e:
        return f"exact copy of {e['duplicate_of']}"
    if e.get("opened"):
        return describe_opening(e)
    parts = [f"similarity {e.get('similarity', view.link.score):.2f}"]
    if e.get("terms"):
        parts.append("terms: " + ", ".join(map(str, e["terms"])))
    names = e.get("names") or e.get("entities")
    if names:
        parts.append("names: " + ", ".join(map(str, names)))
    if e.get("places"):
        parts.append("places: " + ", ".join(map(str, e["places"])))
    return "; ".join(parts)


def print_story(console: Console, view: StoryView, why: bool = False) -> None:
    """A story as a heading and a timeline of its items."""
    s = view.summary
    console.print(f"[bold]{escape(s.story.title)}[/]  [cyan]{s.story.id}[/]")
    console.print(
        f"{s.story.item_count} items, {s.duplicate_count} duplicates, {s.source_count} sources "
        f"({escape(', '.join(s.sources))}); {_when(s.story.first_seen)} to "
        f"{_when(s.story.last_seen)}",
        highlight=False,
    )
    if view.aliases:
        console.print(f"also known as: {', '.join(view.aliases)}")
    for event in view.events:
        console.print(f"history: {event['kind']} {event['other_ids']} at {event['at']}")
    table = Table(show_header=True)
    table.add_column("published", no_wrap=True)
    table.add_column("source")
    table.add_column("headline")
    if why:
        table.add_column("why it is here")
    for v in view.items:
        headline = escape(v.item.headline)
        if v.item.duplicate_of:
            headline = f"[dim]{headline} (duplicate)[/]"
        row = [_when(v.item.published), escape(v.source_name), headline]
        if why:
            row.append(escape(_why(v)))
        table.add_row(*row)
    console.print(table)


def print_item(console: Console, view: ItemView) -> None:
    """An item with every field and fact, each fact with its provenance."""
    item = view.item
    console.print(f"[bold]{escape(item.headline)}[/]  [cyan]{item.id}[/]")
    fields = [
        ("source", view.source_name),
        ("url", item.url or ""),
        ("kicker", item.kicker or ""),
        ("media", str(item.media_type)),
        ("language", item.language or ""),
        ("published", _when(item.published) + (" (estimated)" if item.published_estimated else "")),
        ("first seen", _when(item.first_seen)),
        ("truncated", "yes" if item.truncated else "no"),
        ("story", view.link.story_id if view.link else ""),
        ("duplicate of", item.duplicate_of or ""),
        (
            "split confidence",
            f"{item.split_confidence:.2f}" if item.split_confidence is not None else "",
        ),
        ("flags", "; ".join(item.flags)),
    ]
    for label, value in fields:
        if value:
            console.print(f"[dim]{label}:[/] {escape(value)}", highlight=False)
    if item.teaser:
        console.print(f"[dim]teaser:[/] {escape(item.teaser)}", highlight=False)
    if item.facts:
        table = Table(title="Facts")
        for column in ("kind", "value", "text", "where", "component", "confidence"):
            table.add_column(column)
        for f in item.facts:
            where = f"{f.field}[{f.start}:{f.end}]" if f.start >= 0 else f.field
            table.add_row(
                f.kind,
                escape(f.value),
                escape(f.surface),
                where,
                f.component,
                f"{f.confidence:.2f}",
            )
        console.print(table)
