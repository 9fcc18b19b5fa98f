"""What every command module shares: the consoles and the common options."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one message, one line: easy to grep

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="STORYLINE_DB",
        help="Database path or SQLAlchemy URL [default: ./storyline.db]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
