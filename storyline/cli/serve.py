"""``storyline serve`` and ``storyline token create|list|revoke``.

``register(app)`` adds the commands to the main typer app; the web stack is imported only
when ``serve`` runs, so the other commands start as fast as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from storyline.cli.options import DbOption, console, errors
from storyline.serve.auth import create_token, list_tokens, revoke_token
from storyline.serve.settings import ServeSettings
from storyline.store.db import Store

token_app = typer.Typer(
    name="token", help="API tokens for writes (and for reads when required).", no_args_is_help=True
)


def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    read_token: Annotated[
        bool,
        typer.Option(
            "--read-token/--open-reads",
            help="Require a token for reading pages, API and feeds too.",
        ),
    ] = False,
    search_dir: Annotated[
        Path | None,
        typer.Option("--search-dir", help="Search index folder [default: DB file + .search]."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Threads for requests.")
    ] = ServeSettings().threads,
    allow_private_sources: Annotated[
        bool,
        typer.Option(
            "--allow-private-sources",
            help="Let token holders add sources on private or local addresses.",
        ),
    ] = False,
) -> None:
    """Serve the web pages, the JSON API (/api/v1) and feeds over the database."""
    import uvicorn

    from storyline.serve.app import create_app

    settings = ServeSettings(
        read_token_required=read_token,
        search_dir=search_dir,
        threads=workers,
        allow_private_sources=allow_private_sources,
    )
    app = create_app(db, settings)
    errors.print(f"serving on http://{host}:{port}/", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="Who or what the token is for.")],
    db: DbOption = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="A token that can only read.")
    ] = False,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    with Store.open(db) as store:
        token_id, token = create_token(store, name, can_write=not read_only)
    errors.print(f"token {token_id} created for {name!r}; it is shown only now:", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List tokens (never the tokens themselves)."""
    with Store.open(db) as store:
        tokens = list_tokens(store)
    if as_json:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "can_write": t.can_write,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in tokens
        ]
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "name", "access", "created", "last used", "revoked")
    for t in tokens:
        table.add_row(
            t.id,
            t.name,
            "write" if t.can_write else "read",
            t.created_at.strftime("%Y-%m-%d %H:%M"),
            t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "",
            t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="Token id, as listed.")],
    db: DbOption = None,
) -> None:
    """Revoke a token: it stops working at once."""
    with Store.open(db) as store:
        if not revoke_token(store, token_id):
            errors.print(f"error: no active token {token_id!r}")
            raise typer.Exit(1)
    console.print(f"revoked {token_id}")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``token`` to the main command."""
    app.command("serve")(serve_command)
    app.add_typer(token_app)
