"""The pages, in-process: front page and filters, story, item, sources, search; feeds out."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

from storyline.fetch import registry
from storyline.fetch.tables import source_settings
from storyline.model import Assignment, Item, Source
from storyline.serve.graphics import country_name, sparkline, world_map
from storyline.serve.settings import ServeSettings
from storyline.store.db import Store

from . import test_serve_support as support
from .test_serve_support import Client, copy_db

# The shared fixtures, made visible to this module.
client = support.client
sample_db = support.sample_db


def _biggest(client: Client) -> dict[str, object]:
    """The story the sample fixture gave facts and a merge to (reachable by its alias)."""
    return dict(client.get("/api/v1/stories/sold-merged").json())


def test_front_page_lists_stories_and_pages_on(client: Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count('class="card"') == 30
    assert 'href="/static/style.css"' in page.text and "<script" not in page.text
    nxt = re.search(r'href="(/\?cursor=[^"]+)"', page.text)
    assert nxt is not None
    second = client.get(nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and 'class="card"' in second.text
    assert client.get("/static/style.css").status_code == 200


def test_front_page_filters(client: Client) -> None:
    spanish = client.get("/", params={"language": "es"}).text
    english = client.get("/", params={"language": "en"}).text
    assert 'class="card"' in spanish and spanish != english
    brazil = client.get("/", params={"country": "br"}).text
    assert 1 <= brazil.count('class="card"') < 30
    video = client.get("/", params={"media": "video"}).text
    assert 'class="card"' in video
    late = client.get("/", params={"since": "2030-01-01"}).text
    assert 'class="card"' not in late
    assert client.get("/", params={"since": "not-a-date"}).status_code == 422


def test_story_page(client: Client) -> None:
    story = _biggest(client)
    page = client.get(f"/story/{story['id']}")
    assert page.status_code == 200
    text = page.text
    assert 'class="worldmap"' in text and 'class="country on"' in text
    assert "Jair Bolsonaro" in text and "PSL" in text and "2020-11-15" in text
    assert "Why it is here" in text and "merge" in text
    assert f'/feeds/story/{story["id"]}.atom' in text
    moved = client.get("/story/sold-merged")
    assert moved.status_code == 301 and moved.headers["location"] == f"/story/{story['id']}"
    assert client.get("/story/nope").status_code == 404
    # The story is read before the alias: a cursor changes none of these answers.
    moved = client.get("/story/sold-merged", params={"cursor": "garbage"})
    assert moved.status_code == 301 and moved.headers["location"] == f"/story/{story['id']}"
    assert client.get("/story/nope", params={"cursor": "garbage"}).status_code == 404
    assert client.get(f"/story/{story['id']}", params={"cursor": "garbage"}).status_code == 400


def test_story_page_pages_through_the_timeline_with_copies_folded(tmp_path: Path) -> None:
    """Every original once across the pages, newest first, each copy under its original."""
    t0 = datetime(2020, 11, 17, 8, tzinfo=UTC)
    with Store.open(tmp_path / "p.db") as store:
        store.save_source(Source("src1", "Paper", "file", "/tmp/p.txt"), t0)
        items = [
            Item(id=f"i{n:03d}", source_id="src1", raw_text=f"Line {n}", headline=f"Line {n}",
                 teaser=f"teaser {n}", published=t0 + timedelta(hours=n % 40), first_seen=t0,
                 content_hash=f"h{n}")
            for n in range(75)
        ]
        copies = [
            Item(id=f"c{n:03d}", source_id="src1", raw_text=f"Line {n}", headline=f"Line {n}",
                 teaser="", published=t0, first_seen=t0, content_hash=f"h{n}",
                 duplicate_of=f"i{n:03d}")
            for n in (0, 31, 74)
        ]
        store.write_batch(
            [*items, *copies],
            [Assignment("s1", 1.0, True)] + [Assignment("s1", 0.5, False)] * 77,
        )
        path = str(tmp_path / "p.db")
    c = Client(path, ServeSettings(index_on_startup=False))
    try:
        seen: list[str] = []
        folded: dict[str, list[str]] = {}
        url: str | None = "/story/s1"
        while url:
            text = c.get(url).text
            for block in text.split("<li>")[1:]:
                ids = re.findall(r'href="/item/([ic]\d+)"', block)
                if ids and ids[0].startswith("i"):
                    seen.append(ids[0])
                    folded[ids[0]] = [i for i in ids[1:] if i.startswith("c")]
            found = re.search(r'href="(/story/s1\?cursor=[^"]+)"', text)
            url = found.group(1).replace("&amp;", "&") if found else None
        expected = sorted(items, key=lambda i: (i.published, i.id), reverse=True)
        assert seen == [i.id for i in expected]
        assert {k: v for k, v in folded.items() if v} == {
            "i000": ["c000"], "i031": ["c031"], "i074": ["c074"]}
    finally:
        c.close()


def test_item_page_shows_facts_with_provenance(client: Client) -> None:
    story = client.get(f"/api/v1/stories/{_biggest(client)['id']}").json()
    item_id = story["timeline"][0]["id"]
    text = client.get(f"/item/{item_id}").text
    assert "Brazil (SP)" in text and "entities" in text and "[0–9]" in text
    assert client.get("/item/nope").status_code == 404


def test_sources_page(client: Client) -> None:
    text = client.get("/sources").text
    assert "front-page-2020-11-17.txt" in text and 'class="ok"' in text


def test_sources_page_shows_the_health_of_watched_sources(
    sample_db: str, tmp_path: Path
) -> None:
    db = copy_db(sample_db, tmp_path)
    now = datetime.now(UTC)
    with Store.open(db) as store:
        down, _ = registry.add_source(store, "http://93.184.216.34/down.xml", name="Gone Daily")
        failing, _ = registry.add_source(store, "http://93.184.216.35/f.xml", name="Wobbly")
        registry.add_source(store, "http://93.184.216.36/new.xml", name="Fresh One")
        for source, since in ((down, now - timedelta(days=2)), (failing, now - timedelta(hours=2))):
            with store.engine.begin() as conn:
                conn.execute(
                    source_settings.update()
                    .where(source_settings.c.source_id == source.id)
                    .values(consecutive_failures=4, failing_since=since,
                            last_attempt_at=now, last_error="HTTP 503 <b>busy</b>")
                )
    c = Client(db, ServeSettings(index_every_seconds=3600))
    try:
        text = c.get("/sources").text
        rows = {name: row for row in text.split("<tr>") for name in
                ("Gone Daily", "Wobbly", "Fresh One") if name in row}
        assert '<span class="bad">DOWN</span>' in rows["Gone Daily"]
        assert "HTTP 503 busy" in rows["Gone Daily"] and "<b>" not in rows["Gone Daily"]
        assert '<span class="bad">failing</span>' in rows["Wobbly"]
        assert '<span class="muted">new</span>' in rows["Fresh One"]
        api = {s["name"]: s for s in c.get("/api/v1/sources").json()}
        assert api["Gone Daily"]["health"] == "down" and api["Gone Daily"]["watched"]
        assert api["Wobbly"]["consecutive_failures"] == 4
    finally:
        c.close()


def test_search_page_groups_and_facets(client: Client) -> None:
    text = client.get("/search", params={"q": "bolsonaro"}).text
    assert ('class="group"' in text and "Countries" not in text) or "Sources" in text
    assert "/feeds/search.atom?q=bolsonaro" in text
    facet_link = re.search(r'href="(/search\?q=bolsonaro\+source[^"]+)"', text)
    assert facet_link is not None
    narrowed = client.get(facet_link.group(1).replace("&amp;", "&"))
    assert narrowed.status_code == 200 and 'class="group"' in narrowed.text
    empty = client.get("/search").text
    assert "How to search" in empty
    weird = client.get("/search", params={"q": '((("unbalanced AND OR NOT -'})
    assert weird.status_code == 200


def test_feeds_out_all_stories_one_story_and_search(client: Client) -> None:
    atom = ElementTree.fromstring(client.get("/feeds/stories.atom").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert len(atom.findall("a:entry", ns)) == 50
    story_id = _biggest(client)["id"]
    story = ElementTree.fromstring(client.get(f"/feeds/story/{story_id}.rss").content)
    items = story.findall("channel/item")
    assert items and all(i.findtext("pubDate") for i in items)
    feed = json.loads(client.get("/feeds/search.json", params={"q": "bolsonaro"}).content)
    assert feed["version"].endswith("1.1") and feed["items"]
    assert client.get("/feeds/stories.xml").status_code == 422
    assert client.get("/feeds/story/nope.atom").status_code == 404


def test_graphics() -> None:
    assert country_name("pk") == "Pakistan" and country_name("zz") == "ZZ"
    drawing = str(world_map(["PK", "br"]))
    assert drawing.count('class="country on"') == 2 and len(drawing) < 120_000
    assert sparkline([]) == ""
    from datetime import date

    line = str(sparkline([(date(2020, 1, 1), 1), (date(2020, 1, 2), 4)]))
    assert line.startswith('<svg class="spark"') and "5 items" in line


def test_why_of_an_item_that_opened_its_story() -> None:
    from types import SimpleNamespace

    from storyline.cli.render import _why
    from storyline.group.story import opening
    from storyline.serve.fragments import why

    alone = SimpleNamespace(score=0.07, explanation=opening(0.0712, "s0123456789ab", 0.215, 3))
    html = str(why(alone, lambda e: []))
    assert "Why it is here (opened the story)" in html and "(score" not in html
    assert "closest story, s0123456789ab, scored 0.071, below 0.215" in html
    first = SimpleNamespace(score=0.0, explanation=opening(0.0, None, 0.215, 0))
    assert "no active story" in str(why(first, lambda e: []))
    assert _why(SimpleNamespace(link=alone)).startswith("opened the story: the closest")  # type: ignore[arg-type]
