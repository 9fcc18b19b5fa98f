"""``storyline serve`` and ``storyline token``, through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from storyline.cli.serve import register
from storyline.serve.auth import check_token
from storyline.store.db import Store

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """storyline."""

    register(app)
    return app


def test_token_create_list_revoke(tmp_path: Path) -> None:
    app = _app()
    db = str(tmp_path / "t.db")
    made = runner.invoke(app, ["token", "create", "--name", "ci", "--db", db])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("sl_")
    with Store.open(db) as store:
        assert check_token(store, token, need_write=True)
    listed = runner.invoke(app, ["token", "list", "--db", db, "--json"])
    rows = json.loads(listed.stdout)
    assert rows[0]["name"] == "ci" and token not in listed.stdout
    assert runner.invoke(app, ["token", "revoke", rows[0]["id"], "--db", db]).exit_code == 0
    with Store.open(db) as store:
        assert not check_token(store, token, need_write=False)
    assert runner.invoke(app, ["token", "revoke", rows[0]["id"], "--db", db]).exit_code == 1
    table = runner.invoke(app, ["token", "list", "--db", db])
    assert "ci" in table.stdout


def test_serve_help() -> None:
    result = runner.invoke(_app(), ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.stdout and "--read-token" in result.stdout
