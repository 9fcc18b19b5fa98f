"""End to end: inputs in, stories out, idempotent, bad input isolated."""

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from storyline.ingest.inputs import FetchSettings
from storyline.ingestion import IngestSettings, ingest
from storyline.store import reads
from storyline.store.db import Store

from .conftest import EXAMPLES, NOW, SAMPLE_LISTING

DAY = IngestSettings(date=datetime(2020, 11, 17, tzinfo=UTC))


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the content tables, for comparing two databases."""
    out = {}
    with store.engine.connect() as conn:
        for table in ("items", "stories", "item_story", "facts", "story_aliases", "story_events"):
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
    return out


def stories_by_headline(store: Store) -> dict[str, str]:
    views = reads.list_items(store, limit=1000)
    return {v.item.headline: v.link.story_id for v in views if v.link}


def test_sample_listing_items_and_stories(store: Store) -> None:
    report = ingest(store, [str(SAMPLE_LISTING)], DAY, now=NOW)
    assert (report.new, report.duplicate, report.failed) == (15, 0, 0)
    views = reads.list_items(store, limit=100)
    assert len(views) == 15
    # Lines are found by how they start, so a boundary the splitter misses (its accuracy is
    # measured by tests/test_split.py) does not hide a grouping failure here.
    def line(prefix: str) -> reads.ItemView:
        (view,) = [v for v in views if v.item.raw_text.startswith(prefix)]
        return view

    assert all(v.item.headline and v.item.split_confidence is not None for v in views)

    fayaz = line("Pakistan: protests continue fo").item
    assert fayaz.kicker == "Pakistan"
    assert fayaz.headline == "protests continue for release of Amar Fayaz across the country"
    assert fayaz.teaser.startswith("Comrade Amar Fayaz was abducted")
    assert line("[Audio] Alan Woods on art and s").item.media_type == "audio"
    assert line("[Video] Trump, Biden and the cl").item.media_type == "video"
    assert line("USA: break with the Democrats! ").item.kicker == "USA"
    assert line("The Poroshenko tapes: what dis").item.truncated
    assert all(v.item.published == datetime(2020, 11, 17, tzinfo=UTC) for v in views)

    def story(prefix: str) -> str:
        link = line(prefix).link
        assert link is not None
        return link.story_id

    assert story("New president elected as regim") == story("Political crisis and class str")
    assert story("Pakistan: protests continue fo") == story("Pakistan: comrade Amar Fayaz ab")
    assert story("Brazil on the eve of the 2020 ") != story("Brazil: the case of Mariana Fe")
    unrelated = [
        "Europe’s COVID-19 second wave:",
        "Femicides in Mexico: justice fo",
        "[Audio] Alan Woods on art and s",
        "Portugal: fight Chega with genu",
    ]
    for prefix in unrelated:
        alone = [v for v in views if v.link and v.link.story_id == story(prefix)]
        assert len(alone) == 1, prefix


def test_ingest_is_idempotent(tmp_path: Path) -> None:
    inputs = [str(SAMPLE_LISTING), str(EXAMPLES / "feeds")]
    files = [str(SAMPLE_LISTING), *sorted(str(p) for p in (EXAMPLES / "feeds").iterdir())]
    with Store.open(tmp_path / "a.db") as store:
        first = ingest(store, files, DAY, now=NOW)
        before = dump(store)
        again = ingest(store, files, DAY, now=datetime(2021, 1, 1, tzinfo=UTC))
        assert again.new == 0
        assert again.duplicate == first.new
        assert dump(store) == before
    assert inputs  # the directory form is covered by the CLI test


def test_one_bad_input_does_not_stop_the_others(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]><rss>&a;</rss>')
    report = ingest(
        store, [str(tmp_path / "missing.txt"), str(bad), str(SAMPLE_LISTING)], DAY, now=NOW
    )
    missing, unsafe, listing = report.inputs
    assert missing.errors == [f"{tmp_path / 'missing.txt'}: no such file"]
    assert unsafe.rejected == 1 and unsafe.new == 0
    assert listing.new == 15
    assert store.count("items") == 15


def test_exact_copy_from_another_source_is_a_duplicate(store: Store, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    shutil.copy(SAMPLE_LISTING, copy)
    ingest(store, [str(SAMPLE_LISTING)], DAY, now=NOW)
    report = ingest(store, [str(copy)], DAY, now=NOW)
    assert report.new == 15
    views = reads.list_items(store, limit=100)
    copies = [v for v in views if v.item.duplicate_of]
    assert len(copies) == 15
    originals = {v.item.id: v.link.story_id for v in views if v.link and not v.item.duplicate_of}
    assert all(
        v.link and v.link.story_id == originals[v.item.duplicate_of]
        for v in copies
        if v.item.duplicate_of
    )
    stories = reads.list_stories(store, limit=100)
    assert sum(s.story.item_count for s in stories) == 15
    assert sum(s.duplicate_count for s in stories) == 15


def test_stories_continue_across_runs(store: Store, tmp_path: Path) -> None:
    lines = SAMPLE_LISTING.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("\n".join(lines[:5]), encoding="utf-8")
    second.write_text("\n".join(lines[5:]), encoding="utf-8")
    ingest(store, [str(first)], DAY, now=NOW)
    before = stories_by_headline(store)
    ingest(store, [str(second)], DAY, now=NOW)
    after = stories_by_headline(store)
    assert all(after[h] == s for h, s in before.items()), "story ids never change"
    fayaz = {s for h, s in after.items() if "Amar Fayaz" in h}
    assert len(fayaz) == 1, "an item of a later run joins the story of an earlier run"


def test_ingest_from_stdin_and_url(store: Store) -> None:
    report = ingest(store, ["-"], DAY, stdin=io.BytesIO(b"Headline here Teaser there.\n"), now=NOW)
    assert report.new == 1
    feed = (EXAMPLES / "feeds" / "terrasea-bbc_news_world_2017_excerpt.xml").read_bytes()
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=feed))
    settings = IngestSettings(fetch=FetchSettings(allow_private=True))
    report = ingest(
        store, ["http://feeds.example/world.xml"], settings, transport=transport, now=NOW
    )
    assert report.new == 3
    assert report.inputs[0].source == "feeds.example"
