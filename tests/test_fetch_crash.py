"""Killing a fetch mid-way loses nothing committed and duplicates nothing; SIGTERM exits 0."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.fetch import registry
from storyline.store.db import Store

from .test_fetch_server import LocalServer

REPO = Path(__file__).resolve().parent.parent
# The commands through register(), so the test does not depend on the main app's wiring.
CLI = (
    "import typer; from storyline.cli.fetch import register; app = typer.Typer(); "
    "app.callback()(lambda: None); register(app); app(prog_name='storyline')"
)
FEEDS = ["jmanuelbr-bbc.xml", "jmanuelbr-nytimes.xml", "jmanuelbr-theguardian.xml"]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def watch_copies(db: Path, server: LocalServer, copies: int) -> None:
    with Store.open(db) as store:
        for number in range(copies):
            for feed in FEEDS:
                registry.add_source(
                    store,
                    f"{server.url}/copy/{number}/{feed}",
                    name=f"{feed} #{number}",
                    allow_private=True,
                )


def storyline(log: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start the command with its output in ``log`` (a pipe could fill and block it)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI, *args], cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )


def finish(process: subprocess.Popen[bytes], log: Path) -> str:
    """Wait for the command (bounded) and assert it exited 0; returns its output."""
    code = process.wait(timeout=120)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output
    return output


def count_items(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


def contents(db: Path) -> tuple[set[tuple[str, str]], int, int, int]:
    with sqlite3.connect(db) as conn:
        items = set(conn.execute("SELECT id, headline FROM items").fetchall())
        linked = conn.execute("SELECT count(*) FROM item_story").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        # Story counts are derived from links: they must agree after a crash too.
        wrong = conn.execute(
            "SELECT count(*) FROM stories s WHERE item_count + duplicate_count != "
            "(SELECT count(*) FROM item_story l WHERE l.story_id = s.id)"
        ).fetchone()[0]
    return items, linked, rows, wrong


def test_kill_9_mid_ingest_loses_and_duplicates_nothing(
    tmp_path: Path, server: LocalServer
) -> None:
    clean, crashed = tmp_path / "clean.db", tmp_path / "crashed.db"
    for db in (clean, crashed):
        watch_copies(db, server, copies=8)
    log = tmp_path / "out.log"
    finish(storyline(log, "fetch", "--db", str(clean)), log)
    expected, linked, rows, wrong = contents(clean)
    assert rows == len(expected) == linked > 1000 and wrong == 0

    victim = storyline(log, "fetch", "--db", str(crashed))
    deadline = time.monotonic() + 60
    while count_items(crashed) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    committed = count_items(crashed)
    assert 0 < committed < len(expected), "the kill must land mid-way through the ingest"
    with sqlite3.connect(crashed) as conn:
        before = set(conn.execute("SELECT id FROM items").fetchall())

    finish(storyline(log, "fetch", "--db", str(crashed)), log)
    items, linked, rows, wrong = contents(crashed)
    assert items == expected, "nothing lost, nothing extra"
    assert rows == len(items) == linked and wrong == 0, "no duplicates, every item in a story"
    assert before <= {(i,) for i, _ in items}


def test_sigterm_stops_run_cleanly_and_restart_resumes(tmp_path: Path, server: LocalServer) -> None:
    db = tmp_path / "run.db"
    watch_copies(db, server, copies=4)
    log = tmp_path / "out.log"
    process = storyline(log, "run", "--db", str(db), "--no-web")
    deadline = time.monotonic() + 60
    while count_items(db) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    assert "stopped cleanly" in finish(process, log)
    items, linked, rows, wrong = contents(db)
    assert rows == linked and wrong == 0, "no half-written item"
    finish(storyline(log, "fetch", "--db", str(db)), log)
    after, linked, rows, wrong = contents(db)
    assert items <= after and rows == linked == len(after) and wrong == 0


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_run_serves_the_examples_without_network(tmp_path: Path) -> None:
    db = tmp_path / "examples.db"
    log = tmp_path / "out.log"
    process = storyline(
        log, "run", "--db", str(db), "--no-web", "--serve-examples", "--examples-port", "0"
    )
    deadline = time.monotonic() + 60
    while count_items(db) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    finish(process, log)
    assert count_items(db) >= 100
    with Store.open(db) as store:
        sources = registry.list_sources(store)
    assert len(sources) == 8 and all(s.allow_private for s in sources)
    assert all(s.url.startswith("http://127.0.0.1:") for s in sources)
