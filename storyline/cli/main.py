"""The ``storyline`` command: thin typer commands over the library calls.

Each command opens the store, calls one library function and renders its result with rich,
or as JSON with ``--json`` for scripts.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from storyline import __version__
from storyline.cli import render
from storyline.cli.options import DbOption, JsonOption, console, errors
from storyline.export import EXPORT_FORMATS, write_export
from storyline.ingest.inputs import FetchSettings
from storyline.ingestion import IngestSettings, ingest
from storyline.review import CorrectionError, NoSuchItem, correct_split
from storyline.serve.search import index_new_items
from storyline.store import reads
from storyline.store.db import Store

app = typer.Typer(
    name="storyline",
    help="Turn the news into stories you can follow: ingest feeds and listings, see the stories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="How many to show.")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="How many to skip.")]


def _version(value: bool) -> None:
    if value:
        console.print(f"storyline {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """storyline: turn the news into stories you can follow."""


def _expand(sources: list[str]) -> list[str]:
    """Directories stand for the files inside them (sorted, hidden files and docs skipped)."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if source != "-" and "://" not in source and path.is_dir():
            out.extend(
                str(p)
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() not in (".md", ".license")
                and not p.name.upper().startswith(("README", "LICENSE", "SOURCES"))
            )
        else:
            out.append(source)
    return out


T = TypeVar("T")


def _found(value: T | None, kind: str, key: str) -> T:
    """The value, or exit 1 with a one-line error naming what was not found."""
    if value is None:
        errors.print(f"error: no {kind} {key!r}", highlight=False)
        raise typer.Exit(1)
    return value


@app.command("ingest")
def ingest_command(
    sources: Annotated[
        list[str], typer.Argument(help="Files, directories, URLs, or - for standard input.")
    ],
    db: DbOption = None,
    date: Annotated[
        datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
            help="Publication date for items that carry none, such as listing lines "
            "[default: the ingest time, marked as such].",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Source name to record [default: file name or host]."),
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option("--allow-private", help="Allow fetching URLs on private or local addresses."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest feeds, listings, JSON Lines or CSV; group the new items into stories."""
    locations = _expand(sources)
    settings = IngestSettings(
        date=date.replace(tzinfo=UTC) if date else None,
        source_name=name,
        fetch=FetchSettings(allow_private=allow_private),
    )
    with (
        Store.open(db) as store,
        Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=errors,
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        task = bar.add_task("reading", total=len(locations))

        def advance(stage: str, count: int) -> None:
            if stage == "read":
                bar.advance(task, count)
            else:
                bar.update(task, description="grouping and storing")

        report = ingest(store, locations, settings, stdin=sys.stdin.buffer, progress=advance)
        index_new_items(store)
    for entry in report.inputs:
        for message in entry.errors:
            errors.print(f"[red]error:[/] {render.escape(message)}", highlight=False)
        for message in entry.warnings:
            errors.print(f"[yellow]warning:[/] {render.escape(message)}", highlight=False)
    if as_json:
        render.print_json(console, report.as_dict())
    else:
        console.print(render.report_table(report))
    if any(entry.failed for entry in report.inputs):
        raise typer.Exit(1)


@app.command("stories")
def stories_command(
    db: DbOption = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """List stories, most recently updated first, with item counts and sources."""
    with Store.open(db) as store:
        summaries = reads.list_stories(store, limit=limit, offset=offset)
    if as_json:
        render.print_json(console, [render.story_json(s) for s in summaries])
    else:
        console.print(render.stories_table(summaries))


@app.command("story")
def story_command(
    story_id: Annotated[str, typer.Argument(help="Story id (an old id after a merge works too).")],
    db: DbOption = None,
    why: Annotated[bool, typer.Option("--why", help="Show why each item is in the story.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show one story: its items over time, and with --why the reason each one is there."""
    with Store.open(db) as store:
        view = _found(reads.get_story(store, story_id), "story", story_id)
    if as_json:
        render.print_json(console, render.story_view_json(view))
    else:
        render.print_story(console, view, why=why)


@app.command("items")
def items_command(
    db: DbOption = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    story: Annotated[str | None, typer.Option("--story", help="Only this story's items.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source (id or name).")
    ] = None,
    flagged: Annotated[
        bool, typer.Option("--flagged", help="Only listing lines whose split needs checking.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List items, newest first."""
    with Store.open(db) as store:
        views = reads.list_items(
            store, limit=limit, offset=offset, story_id=story, source=source, flagged=flagged
        )
    if as_json:
        render.print_json(console, [render.item_json(v) for v in views])
    else:
        console.print(render.items_table(views))


@app.command("item")
def item_command(
    item_id: Annotated[str, typer.Argument(help="Item id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one item with every extracted fact and where it came from."""
    with Store.open(db) as store:
        view = _found(reads.get_item(store, item_id), "item", item_id)
    if as_json:
        render.print_json(console, render.item_json(view))
    else:
        render.print_item(console, view)


@app.command("correct")
def correct_command(
    item_id: Annotated[str, typer.Argument(help="Id of a listing item.")],
    headline: Annotated[str, typer.Option("--headline", help="The headline, as it should be.")],
    teaser: Annotated[
        str | None,
        typer.Option(
            "--teaser", help="The teaser [default: the rest of the line after the headline]."
        ),
    ] = None,
    kicker: Annotated[str | None, typer.Option("--kicker", help="The kicker, if any.")] = None,
    db: DbOption = None,
) -> None:
    """Correct how a listing line was split; the correction is kept for later ingests."""
    with Store.open(db) as store:
        try:
            correct_split(store, item_id, headline, teaser, kicker)
        except NoSuchItem:
            _found(None, "item", item_id)
        except CorrectionError as exc:
            errors.print(f"error: {exc}", highlight=False)
            raise typer.Exit(1) from exc
    console.print(f"corrected {item_id}: headline {headline!r}")


@app.command("export")
def export_command(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write [default: standard output]."),
    ] = None,
) -> None:
    """Export every item with all its fields, facts and story id."""
    if fmt not in EXPORT_FORMATS:
        errors.print(f"error: unknown format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
        raise typer.Exit(2)
    with Store.open(db) as store:
        if output is None:
            count = write_export(store, sys.stdout, fmt)
        else:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = write_export(store, handle, fmt)
    errors.print(f"exported {count} items", highlight=False)


def _register_commands() -> None:
    """Commands that live in their own modules: sources, fetch, run, serve and token."""
    from storyline.cli.fetch import register as register_fetch
    from storyline.cli.serve import register as register_serve

    register_fetch(app)
    register_serve(app)


_register_commands()
