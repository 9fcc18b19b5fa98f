"""The command line, driven as a user would, through typer's runner."""

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyline.cli.main import app

from .conftest import EXAMPLES, SAMPLE_LISTING

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.db")
    result = runner.invoke(app, ["ingest", "--db", path, "--date", "2020-11-17", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    return path


def invoke_json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_summary_and_warnings(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    result = runner.invoke(app, ["ingest", "--db", path, "--date", "2020-11-17", str(EXAMPLES)])
    assert result.exit_code == 0
    assert "Ingest summary" in result.stdout
    assert "front-page-2020-11-17.txt" in result.stdout
    assert "warning: jmanuelbr-elpais.xml: malformed feed" in result.stderr
    again = invoke_json("ingest", "--db", path, str(EXAMPLES))
    assert isinstance(again, dict)
    assert again["new"] == 0 and again["duplicate"] > 0 and again["failed"] == 0


def test_ingest_reports_missing_input_and_exits_non_zero(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    result = runner.invoke(
        app, ["ingest", "--db", path, str(tmp_path / "nope.txt"), str(SAMPLE_LISTING)]
    )
    assert result.exit_code == 1
    assert "nope.txt: no such file" in result.stderr
    assert "15" in result.stdout


def test_db_from_environment(tmp_path: Path) -> None:
    path = str(tmp_path / "env.db")
    result = runner.invoke(app, ["ingest", str(SAMPLE_LISTING)], env={"STORYLINE_DB": path})
    assert result.exit_code == 0
    assert Path(path).exists()


def test_stories_story_items_item(db: str) -> None:
    stories = invoke_json("stories", "--db", db, "--limit", "500")
    assert isinstance(stories, list) and stories
    assert {"id", "title", "item_count", "sources", "last_seen"} <= set(stories[0])
    times = [s["last_seen"] for s in stories]
    assert times == sorted(times, reverse=True)
    biggest = max(stories, key=lambda s: s["item_count"])
    story = invoke_json("story", "--db", db, biggest["id"])
    assert isinstance(story, dict) and len(story["items"]) >= biggest["item_count"]
    why = runner.invoke(app, ["story", "--db", db, biggest["id"], "--why"], env={"COLUMNS": "200"})
    assert why.exit_code == 0 and "why it is here" in why.stdout
    items = invoke_json("items", "--db", db, "--story", biggest["id"])
    assert isinstance(items, list) and all(i["story_id"] == biggest["id"] for i in items)
    item = invoke_json("item", "--db", db, items[0]["id"])
    assert isinstance(item, dict) and item["id"] == items[0]["id"] and "facts" in item
    shown = runner.invoke(app, ["item", "--db", db, items[0]["id"]])
    assert shown.exit_code == 0 and items[0]["id"] in shown.stdout
    assert runner.invoke(app, ["story", "--db", db, "s-nope"]).exit_code == 1
    assert runner.invoke(app, ["item", "--db", db, "i-nope"]).exit_code == 1


def test_export_jsonl_and_csv(db: str, tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    result = runner.invoke(app, ["export", "--db", db, "--format", "jsonl", "-o", str(out)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len({r["id"] for r in rows}) > 15
    expected = {
        "id",
        "source_id",
        "source_name",
        "url",
        "canonical_url",
        "published",
        "first_seen",
        "headline",
        "teaser",
        "body",
        "kicker",
        "media_type",
        "language",
        "truncated",
        "raw_text",
        "content_hash",
        "facts",
        "story_id",
        "flags",
    }
    assert expected <= set(rows[0])
    assert all(r["story_id"] for r in rows)
    as_csv = runner.invoke(app, ["export", "--db", db, "--format", "csv"])
    assert as_csv.exit_code == 0
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(parsed) == len(rows)
    assert runner.invoke(app, ["export", "--db", db, "--format", "xml"]).exit_code == 2


def test_correct_a_split_is_kept_for_later_ingests(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    runner.invoke(app, ["ingest", "--db", db, "--date", "2020-11-17", str(SAMPLE_LISTING)])
    items = invoke_json("items", "--db", db, "--limit", "100")
    assert isinstance(items, list)
    target = next(i for i in items if i["raw_text"].startswith("Brazil on the eve"))
    result = runner.invoke(
        app, ["correct", target["id"], "--db", db, "--headline", "Brazil", "--kicker", "Elections"]
    )
    assert result.exit_code == 0, result.output
    fixed = invoke_json("item", "--db", db, target["id"])
    assert isinstance(fixed, dict)
    assert fixed["headline"] == "Brazil" and fixed["kicker"] == "Elections"
    assert fixed["teaser"].startswith("on the eve of the 2020 elections")
    # the same line from another file is split as corrected
    copy = tmp_path / "copy.txt"
    copy.write_text(target["raw_text"] + "\n", encoding="utf-8")
    runner.invoke(app, ["ingest", "--db", db, str(copy)])
    again = invoke_json("items", "--db", db, "--source", "copy.txt")
    assert isinstance(again, list) and again[0]["headline"] == "Brazil"


def test_help_and_version() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "ingest" in result.stdout
    assert runner.invoke(app, ["--version"]).stdout.startswith("storyline ")
