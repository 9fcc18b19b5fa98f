"""The watching commands, driven as a user would: sources, fetch, OPML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from storyline.cli.fetch import register

from .test_fetch_server import LocalServer

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """storyline (test app)."""

    register(app)
    return app


APP = make_app()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def invoke(*args: str) -> object:
    return runner.invoke(APP, list(args))


def test_add_discovers_the_feed_of_a_homepage(tmp_path: Path, server: LocalServer) -> None:
    db = str(tmp_path / "w.db")
    result = runner.invoke(
        APP,
        [
            "sources",
            "add",
            "--db",
            db,
            "--allow-private",
            "--every",
            "1h",
            server.url + "/pages/home.html",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "announces its feed" in result.stderr and "(1 more announced)" in result.stderr
    listed = runner.invoke(APP, ["sources", "list", "--db", db, "--json"])
    (source,) = json.loads(listed.stdout)
    assert source["url"] == server.url + "/feeds/jmanuelbr-bbc.xml"
    assert source["every"] == 3600 and source["health"] == "new" and source["allow_private"]


def test_add_refuses_a_private_homepage_check_but_keeps_the_url(
    tmp_path: Path, server: LocalServer
) -> None:
    db = str(tmp_path / "w.db")
    result = runner.invoke(APP, ["sources", "add", "--db", db, server.url + "/pages/home.html"])
    assert result.exit_code == 0
    assert "could not check it now" in result.stderr and "private or local" in result.stderr


def test_fetch_names_each_failing_source_and_exits_1(tmp_path: Path, server: LocalServer) -> None:
    db = str(tmp_path / "w.db")
    for path, name in [("/feeds/jmanuelbr-bbc.xml", "BBC"), ("/status/404", "Gone")]:
        added = runner.invoke(
            APP,
            [
                "sources",
                "add",
                "--db",
                db,
                "--allow-private",
                "--no-discover",
                "--name",
                name,
                server.url + path,
            ],
        )
        assert added.exit_code == 0, added.output
    result = runner.invoke(APP, ["fetch", "--db", db])
    assert result.exit_code == 1
    assert f"failed: Gone: {server.url}/status/404: HTTP 404" in result.stderr
    assert "Fetch summary" in result.stdout and "BBC" in result.stdout
    again = runner.invoke(APP, ["fetch", "--db", db, "--all", "--json"])
    report = json.loads(again.stdout)
    outcomes = {r["name"]: r["outcome"] for r in report["results"]}
    assert outcomes == {"BBC": "not_modified", "Gone": "error"}
    listed = runner.invoke(APP, ["sources", "list", "--db", db, "--json"])
    health = {s["name"]: (s["health"], s["last_error"]) for s in json.loads(listed.stdout)}
    assert health["Gone"] == ("failing", f"{server.url}/status/404: HTTP 404")
    assert health["BBC"] == ("ok", None)


def test_pause_resume_remove_and_opml(tmp_path: Path, server: LocalServer) -> None:
    db = str(tmp_path / "w.db")
    opml = Path(__file__).parent.parent / "examples" / "sources.opml"
    imported = runner.invoke(
        APP,
        [
            "sources",
            "import-opml",
            "--db",
            db,
            "--base-url",
            server.url + "/",
            "--allow-private",
            str(opml),
        ],
    )
    assert imported.exit_code == 0 and "imported 8 sources (8 new)" in imported.stdout
    assert runner.invoke(APP, ["sources", "pause", "--db", db, "El País"]).exit_code == 0
    # The test server serves feeds only, not the sample listing.
    listing = "Front page (November 2020)"
    assert runner.invoke(APP, ["sources", "pause", "--db", db, listing]).exit_code == 0
    fetched = runner.invoke(APP, ["fetch", "--db", db, "--json"])
    assert fetched.exit_code == 0, fetched.output
    report = json.loads(fetched.stdout)
    assert report["sources"] == 6 and report["new"] > 100
    assert runner.invoke(APP, ["sources", "resume", "--db", db, "El País"]).exit_code == 0
    removed = runner.invoke(APP, ["sources", "remove", "--db", db, "heise Developer"])
    assert removed.exit_code == 0
    out = tmp_path / "out.opml"
    exported = runner.invoke(APP, ["sources", "export-opml", "--db", db, "-o", str(out)])
    assert exported.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("<outline") == 7 and "heise" not in text and 'every="15m"' in text
    missing = runner.invoke(APP, ["sources", "remove", "--db", db, "nope"])
    assert missing.exit_code == 1 and "no watched source 'nope'" in missing.stderr
    bad = runner.invoke(APP, ["sources", "add", "--db", db, "--every", "5s", "https://x.example/"])
    assert bad.exit_code == 2 and "under the minimum" in bad.stderr
