"""The watching commands: ``storyline sources ...``, ``storyline fetch`` and ``storyline run``.

Thin typer commands over :mod:`storyline.fetch`; ``register(app)`` adds them to the main app.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.table import Table

from storyline.cli import render
from storyline.cli.options import DbOption, JsonOption, console, errors
from storyline.fetch import registry
from storyline.fetch.discover import discover
from storyline.fetch.examples import FolderServer
from storyline.fetch.runner import FetchReport, fetch_once, watch
from storyline.serve.search import index_new_items
from storyline.store.db import Store

log = logging.getLogger("storyline.run")

EveryOption = Annotated[
    str, typer.Option("--every", help="How often to fetch: 30m, 2h, 1d (at least 1m).")
]
AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Allow this source to resolve to loopback, private or link-local addresses.",
    ),
]
RefArgument = Annotated[str, typer.Argument(help="The source's id, URL or name.")]

sources_app = typer.Typer(
    help="Watch sources: add, list, pause, resume and remove them; OPML in and out.",
    no_args_is_help=True,
)

_HEALTH_STYLE = {"ok": "green", "new": "cyan", "failing": "yellow", "down": "bold red"}


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/] {render.escape(message)}", highlight=False)
    return typer.Exit(code)


def _every(text: str) -> int:
    try:
        return registry.parse_every(text)
    except registry.RegistryError as exc:
        raise _fail(str(exc), 2) from exc


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


@sources_app.command("add")
def add_command(
    url: Annotated[str, typer.Argument(help="A feed, a listing page or a homepage URL.")],
    db: DbOption = None,
    every: EveryOption = "15m",
    full_text: Annotated[
        bool, typer.Option("--full-text", help="Fetch each new item's page for its full text.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Name to show [default: host].")
    ] = None,
    allow_private: AllowPrivateOption = False,
    no_discover: Annotated[
        bool,
        typer.Option("--no-discover", help="Watch the URL as given, without looking for a feed."),
    ] = False,
) -> None:
    """Watch a URL. A homepage that announces a feed is watched through its feed."""
    seconds = _every(every)
    target = url
    if not no_discover and url.startswith(("http://", "https://")):
        found = discover(url, allow_private=allow_private)
        errors.print(f"{render.escape(url)}: {render.escape(found.note)}", highlight=False)
        target = found.url
    with Store.open(db) as store:
        try:
            source, new = registry.add_source(
                store,
                target,
                name=name,
                every=seconds,
                full_text=full_text,
                allow_private=allow_private,
            )
        except registry.RegistryError as exc:
            raise _fail(str(exc), 2) from exc
    verb = "watching" if new else "updated"
    console.print(
        f"{verb} {render.escape(source.name)} ({source.id}) every {registry.format_every(seconds)}",
        highlight=False,
    )


def _status_json(status: registry.SourceStatus) -> dict[str, Any]:
    s = status.source
    return {
        "id": s.id,
        "name": s.name,
        "url": s.url,
        "every": s.every,
        "full_text": s.full_text,
        "allow_private": s.allow_private,
        "paused": s.paused,
        "health": status.health,
        "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
        "last_attempt_at": s.last_attempt_at.isoformat() if s.last_attempt_at else None,
        "last_status": s.last_status,
        "last_error": s.last_error,
        "consecutive_failures": s.consecutive_failures,
        "failing_since": s.failing_since.isoformat() if s.failing_since else None,
        "next_due_at": s.next_due_at.isoformat() if s.next_due_at else None,
        "items": status.items_total,
        "items_per_day": status.items_per_day,
    }


@sources_app.command("list")
def list_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List watched sources with their health; a source failing for a day shows as DOWN."""
    with Store.open(db) as store:
        statuses = registry.source_statuses(store)
    if as_json:
        render.print_json(console, [_status_json(s) for s in statuses])
        return
    table = Table(title="Watched sources")
    for column in ("name", "url", "every", "health", "last success", "failures", "items/day"):
        table.add_column(column, justify="right" if column in ("failures", "items/day") else "left")
    table.add_column("last error", overflow="fold")
    for status in statuses:
        s = status.source
        style = _HEALTH_STYLE.get(status.health, "")
        health = status.health.upper() if status.health == "down" else status.health
        table.add_row(
            render.escape(s.name),
            render.escape(s.url),
            registry.format_every(s.every) + (" +full text" if s.full_text else ""),
            f"[{style}]{health}[/]" if style else health,
            _when(s.last_success_at) or "never",
            str(s.consecutive_failures),
            f"{status.items_per_day:g}",
            render.escape(s.last_error or ""),
        )
    console.print(table)
    down = [s for s in statuses if s.health == "down"]
    for status in down:
        s = status.source
        errors.print(
            f"[bold red]down:[/] {render.escape(s.name)} has failed since "
            f"{_when(s.failing_since)}: {render.escape(s.last_error or '')}",
            highlight=False,
        )


@sources_app.command("remove")
def remove_command(ref: RefArgument, db: DbOption = None) -> None:
    """Stop watching a source; the items already stored stay."""
    with Store.open(db) as store:
        try:
            source = registry.remove_source(store, ref)
        except registry.RegistryError as exc:
            raise _fail(str(exc)) from exc
    console.print(f"removed {render.escape(source.name)} ({source.url})", highlight=False)


def _set_paused(ref: str, db: str | None, paused: bool) -> None:
    with Store.open(db) as store:
        try:
            source = registry.set_paused(store, ref, paused)
        except registry.RegistryError as exc:
            raise _fail(str(exc)) from exc
    state = "paused" if paused else "resumed"
    console.print(f"{state} {render.escape(source.name)}", highlight=False)


@sources_app.command("pause")
def pause_command(ref: RefArgument, db: DbOption = None) -> None:
    """Stop fetching a source for now; it stays listed, with its history."""
    _set_paused(ref, db, True)


@sources_app.command("resume")
def resume_command(ref: RefArgument, db: DbOption = None) -> None:
    """Fetch a paused source again, starting with the next pass."""
    _set_paused(ref, db, False)


@sources_app.command("import-opml")
def import_command(
    path: Annotated[Path, typer.Argument(help="An OPML file, as every feed reader exports.")],
    db: DbOption = None,
    every: Annotated[
        str | None, typer.Option("--every", help="Interval for every feed [default: 15m].")
    ] = None,
    allow_private: AllowPrivateOption = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Resolve relative feed URLs against this.")
    ] = None,
) -> None:
    """Watch every feed listed in an OPML file (nested folders included)."""
    seconds = _every(every) if every else None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with Store.open(db) as store:
        try:
            added = registry.import_opml(
                store, data, every=seconds, allow_private=allow_private, base_url=base_url
            )
        except registry.RegistryError as exc:
            raise _fail(f"{path}: {exc}") from exc
    new = sum(1 for _, is_new in added if is_new)
    console.print(f"imported {len(added)} sources ({new} new)", highlight=False)


@sources_app.command("export-opml")
def export_command(
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File [default: standard output].")
    ] = None,
) -> None:
    """Write every watched source as OPML 2.0."""
    with Store.open(db) as store:
        text = registry.export_opml(store)
    if output is None:
        console.out(text, end="", highlight=False)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"wrote {output}", highlight=False)


def _report_json(report: FetchReport) -> dict[str, Any]:
    return {
        "new": report.new,
        "sources": len(report.sources),
        "not_modified": report.not_modified,
        "failed": len(report.failed),
        "stopped": report.stopped,
        "duration": round(report.duration, 3),
        "results": [
            {
                "id": s.source_id,
                "name": s.name,
                "url": s.url,
                "outcome": s.outcome,
                "status": s.status,
                "format": s.format,
                "new": s.new,
                "duplicate": s.duplicate,
                "rejected": s.rejected,
                "error": s.error,
                "health": s.health,
                "warnings": s.warnings,
            }
            for s in report.sources
        ],
    }


def _print_report(report: FetchReport) -> None:
    table = Table(title="Fetch summary", show_footer=True)
    table.add_column("source", footer="total")
    table.add_column("result")
    table.add_column("new", justify="right", footer=str(report.new))
    table.add_column("known", justify="right")
    table.add_column("health")
    for s in report.sources:
        result = {"not_modified": "not modified", "error": "[red]failed[/]"}.get(
            s.outcome, s.format or s.outcome
        )
        table.add_row(render.escape(s.name), result, str(s.new), str(s.duplicate), s.health)
    console.print(table)


def _print_problems(report: FetchReport) -> None:
    for s in report.sources:
        for message in s.warnings:
            errors.print(f"[yellow]warning:[/] {render.escape(message)}", highlight=False)
    for s in report.failed:
        errors.print(
            f"[red]failed:[/] {render.escape(s.name)}: {render.escape(s.error or '')}"
            + (f" [{s.health}]" if s.health else ""),
            highlight=False,
        )


@sources_app.callback()
def sources_callback() -> None:
    """Watch sources: add, list, pause, resume and remove them; OPML in and out."""


def fetch_command(
    db: DbOption = None,
    fetch_all_sources: Annotated[
        bool, typer.Option("--all", help="Fetch every unpaused source, due or not.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch the sources that are due once, store new items, and exit (for cron and tests).

    Exits 1 when a source failed; the summary names each one and why.
    """
    with Store.open(db) as store:
        report = fetch_once(store, due_only=not fetch_all_sources)
        index_new_items(store)  # so search sees the new items without a running server
    _print_problems(report)
    if as_json:
        render.print_json(console, _report_json(report))
    else:
        _print_report(report)
    if report.failed:
        raise typer.Exit(1)


def _web_app(db: str | None) -> Any | None:
    """The web app from ``storyline.serve.app``, or None when it is not installed."""
    if importlib.util.find_spec("uvicorn") is None:
        return None
    try:
        module = importlib.import_module("storyline.serve.app")
    except ImportError:
        return None
    return module.create_app(db)


def _summary(report: FetchReport) -> None:
    if not report.sources:
        return
    failed = ", ".join(f"{s.name} ({s.error})" for s in report.failed)
    errors.print(
        f"{datetime.now(UTC):%H:%M:%S} fetched {len(report.sources)} sources: "
        f"{report.new} new items, {report.not_modified} unchanged"
        + (f", failed: {render.escape(failed)}" if failed else ""),
        highlight=False,
    )


def run_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address of the web server.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the web server.")] = 8000,
    serve_examples: Annotated[
        bool,
        typer.Option(
            "--serve-examples",
            help="Serve the bundled examples/ on 127.0.0.1 and watch the feeds of "
            "examples/sources.opml: stories with no network.",
        ),
    ] = False,
    examples_dir: Annotated[
        Path, typer.Option("--examples-dir", help="Folder served by --serve-examples.")
    ] = Path("examples"),
    examples_port: Annotated[
        int, typer.Option("--examples-port", help="Port for --serve-examples (0: any).")
    ] = 8765,
    no_web: Annotated[bool, typer.Option("--no-web", help="Run the scheduler only.")] = False,
) -> None:
    """Watch the sources and serve the web UI in one process, until SIGTERM or Ctrl-C.

    A stop finishes the source being stored (each is one transaction) and exits 0; a restart
    resumes with the sources that are due.
    """
    stop = threading.Event()
    examples: FolderServer | None = None
    if serve_examples:
        opml = examples_dir / "sources.opml"
        if not opml.is_file():
            raise _fail(f"{opml}: not found (run from the storyline folder or give --examples-dir)")
        examples = FolderServer(examples_dir, examples_port)
    store = Store.open(db)
    try:
        if examples is not None:
            # allow_private for these URLs only: they are the local examples server.
            added = registry.import_opml(
                store, opml.read_bytes(), allow_private=True, base_url=examples.base_url
            )
            errors.print(
                f"serving {examples_dir} at {examples.base_url}; watching {len(added)} sources",
                highlight=False,
            )
        app = None if no_web else _web_app(db)
        if app is None and not no_web:
            errors.print(
                "the web UI is not available (storyline.serve or uvicorn missing): "
                "running the scheduler only",
                highlight=False,
            )
        _serve(store, stop, app, host, port)
    finally:
        store.close()
        if examples is not None:
            examples.close()
    errors.print("stopped cleanly", highlight=False)


def _serve(store: Store, stop: threading.Event, app: Any | None, host: str, port: int) -> None:
    server: Any = None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Stop scheduling; the source being stored finishes its transaction first.
        stop.set()
        if server is not None:
            server.should_exit = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if app is None:
            watch(store, stop, on_report=_summary)
            return
        import uvicorn

        class Server(uvicorn.Server):
            def capture_signals(self) -> Any:
                # Our handlers stay in charge: uvicorn's would re-raise the signal on exit,
                # and the process would die of it instead of exiting 0.
                import contextlib

                return contextlib.nullcontext()

        server = Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        errors.print(f"web UI at http://{host}:{port}/", highlight=False)
        scheduler = threading.Thread(
            target=watch, args=(store, stop), kwargs={"on_report": _summary}, name="scheduler"
        )
        scheduler.start()
        try:
            server.run()
        finally:
            stop.set()
            scheduler.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def register(app: typer.Typer) -> None:
    """Add ``sources``, ``fetch`` and ``run`` to the main command."""
    app.add_typer(sources_app, name="sources")
    app.command("fetch")(fetch_command)
    app.command("run")(run_command)
