"""The JSON API, in-process: lists with cursors, details, search, exports, writes with tokens."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from storyline.serve.auth import create_token, revoke_token
from storyline.serve.settings import ServeSettings
from storyline.store.db import Store

from . import test_serve_support as support
from .conftest import SAMPLE_LISTING
from .test_serve_support import Client, copy_db

# The shared fixtures, made visible to this module.
client = support.client
sample_db = support.sample_db


def test_stories_walk_every_page_once(client: Client) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/stories", params=params).json()
        seen.extend(s["id"] for s in page["stories"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = client.get("/api/v1/stories", params={"limit": 500}).json()["stories"]
    assert seen == [s["id"] for s in everything]
    assert len(seen) == len(set(seen)) > 20
    first = everything[0]
    assert {"title", "teaser", "item_count", "source_count", "countries", "last_seen"} <= set(first)
    times = [s["last_seen"] for s in everything]
    assert times == sorted(times, reverse=True)


def test_bad_cursor_is_a_400(client: Client) -> None:
    assert client.get("/api/v1/stories", params={"cursor": "nonsense"}).status_code == 400
    assert client.get("/api/v1/items", params={"cursor": "W10"}).status_code == 400


def test_story_detail_with_facts_history_and_alias(client: Client) -> None:
    biggest = client.get("/api/v1/stories/sold-merged").json()  # the story given facts
    story = client.get(f"/api/v1/stories/{biggest['id']}").json()
    assert story["id"] == biggest["id"]
    assert {"BR", "US"} <= {p["value"] for p in story["facts"]["place"]}
    assert "Jair Bolsonaro" in {p["value"] for p in story["facts"]["person"]}
    assert "sold-merged" in story["aliases"]
    assert any(e["kind"] == "merge" and "sold-merged" in e["other_ids"] for e in story["events"])
    assert story["timeline"] and all("explanation" in entry for entry in story["timeline"])
    assert client.get("/api/v1/stories/sold-merged").json()["id"] == biggest["id"]
    assert client.get("/api/v1/stories/nope").status_code == 404
    items = client.get(f"/api/v1/stories/{biggest['id']}/items").json()["items"]
    assert {i["story_id"] for i in items} == {biggest["id"]}


def test_items_pages_and_one_item(client: Client) -> None:
    first = client.get("/api/v1/items", params={"limit": 5}).json()
    second = client.get("/api/v1/items", params={"limit": 5, "cursor": first["next_cursor"]})
    ids = [i["id"] for i in first["items"]] + [i["id"] for i in second.json()["items"]]
    assert len(set(ids)) == 10
    item = client.get(f"/api/v1/items/{ids[0]}").json()
    assert item["id"] == ids[0] and "facts" in item and "raw_text" in item
    assert client.get("/api/v1/items/nope").status_code == 404


def test_sources_health(client: Client) -> None:
    sources = client.get("/api/v1/sources").json()
    assert len(sources) >= 8
    assert all({"last_success_at", "last_error", "items_per_day"} <= set(s) for s in sources)
    assert any(s["item_count"] > 10 for s in sources)


def test_search_groups_by_story_with_facets(client: Client) -> None:
    result = client.get("/api/v1/search", params={"q": "bolsonaro"}).json()
    assert result["total"] >= 3 and result["groups"]
    story_ids = [g["story"]["id"] for g in result["groups"] if g["story"]]
    assert len(story_ids) == len(set(story_ids))
    assert {f["value"] for f in result["facets"]["source"]}
    placed = client.get("/api/v1/search", params={"q": "country:br"}).json()
    assert {f["value"] for f in placed["facets"]["country"]} >= {"BR", "US"}
    labels = {f["label"] for f in placed["facets"]["country"]}
    assert labels >= {"Brazil", "United States"}
    narrowed = client.get("/api/v1/search", params={"q": "country:BR NOT country:US"}).json()
    assert narrowed["total"] < placed["total"]
    none = client.get("/api/v1/search", params={"q": "bolsonaro -bolsonaro"}).json()
    assert none["total"] == 0
    phrase = client.get("/api/v1/search", params={"q": '"Jair Bolsonaro"'}).json()
    assert 0 < phrase["total"] <= result["total"]
    either = client.get("/api/v1/search", params={"q": "bolsonaro OR trump"}).json()
    assert either["total"] > result["total"]
    by_source = client.get("/api/v1/search", params={"q": "source:uol bolsonaro"}).json()
    assert by_source["total"] > 0


def test_exports_csv_and_jsonl(client: Client) -> None:
    as_csv = client.get("/api/v1/stories", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    total = len(client.get("/api/v1/stories", params={"limit": 500}).json()["stories"])
    assert len(rows) == total
    lines = client.get("/api/v1/items", params={"format": "jsonl"}).text.splitlines()
    assert len(lines) > 300 and json.loads(lines[0])["id"]
    sources = client.get("/api/v1/sources", params={"format": "csv"}).text
    assert sources.startswith("id,name")
    found = client.get("/api/v1/search/items", params={"q": "bolsonaro", "format": "jsonl"})
    assert found.text.count("\n") >= 3


def test_openapi_document(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/stories", "/api/v1/search", "/api/v1/ingest", "/api/v1/items/{item_id}"):
        assert path in paths
    assert "StoryOut" in schema["components"]["schemas"]
    assert client.get("/api/v1/docs").status_code == 200


def test_writes_need_a_token(sample_db: str, tmp_path: Path) -> None:
    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        token_id, token = create_token(store, "tests")
        _, reader = create_token(store, "reader", can_write=False)
    c = Client(db, ServeSettings(index_every_seconds=3600))
    try:
        body = SAMPLE_LISTING.read_bytes()[:600] + b"\nA brand new headline about zebras\n"
        url = "/api/v1/ingest?name=posted&date=2020-11-18"
        assert c.post(url, content=body).status_code == 401
        bad = {"Authorization": "Bearer sl_wrong"}
        assert c.post(url, content=body, headers=bad).status_code == 401
        ro = {"Authorization": f"Bearer {reader}"}
        assert c.post(url, content=body, headers=ro).status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        done = c.post(url, content=body, headers=auth)
        assert done.status_code == 200, done.text
        assert done.json()["new"] >= 1 and done.json()["indexed"] >= 1
        # searchable at once: the API catches the index up after its ingest
        assert c.get("/api/v1/search", params={"q": "zebras"}).json()["total"] == 1
        saved = c.post("/api/v1/saved-searches", json={"query": "zebras"}, headers=auth)
        assert saved.status_code == 201
        feed = c.get(saved.json()["feeds"]["atom"])
        assert feed.status_code == 200 and b"zebras" in feed.content
        assert c.get("/api/v1/saved-searches").json()[0]["query"] == "zebras"
        too_big = c.post(url, content=b"x" * 10_000_001, headers=auth)
        assert too_big.status_code == 413
        revoke_token(c.store, token_id)
        assert c.post(url, content=body, headers=auth).status_code == 401
    finally:
        c.close()


def test_reads_can_require_a_token(sample_db: str, tmp_path: Path) -> None:
    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        _, token = create_token(store, "reader", can_write=False)
    c = Client(db, ServeSettings(read_token_required=True, index_every_seconds=3600))
    try:
        assert c.get("/api/v1/stories").status_code == 401
        assert c.get("/feeds/stories.atom").status_code == 401
        page = c.get("/")
        assert page.status_code == 401 and 'name="token"' in page.text
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/v1/stories", headers=auth).status_code == 200
        assert c.get("/feeds/stories.atom", params={"token": token}).status_code == 200
        login = c.post("/login", content=f"token={token}&next=/sources",
                       headers={"content-type": "application/x-www-form-urlencoded"})
        assert login.status_code == 303 and login.headers["location"] == "/sources"
        assert "httponly" in login.headers["set-cookie"].lower()
        assert c.get("/sources", headers={"cookie": f"storyline_token={token}"}).status_code == 200
        evil = c.post("/login", content=f"token={token}&next=//evil.example",
                      headers={"content-type": "application/x-www-form-urlencoded"})
        assert evil.headers["location"] == "/"
    finally:
        c.close()


def test_cached_pages_follow_new_data(sample_db: str, tmp_path: Path) -> None:
    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        _, token = create_token(store, "tests")
    c = Client(db, ServeSettings(index_every_seconds=3600))
    try:
        before = c.get("/api/v1/items", params={"limit": 1}).json()["items"][0]["id"]
        cache = next(m for m in _middlewares(c) if type(m).__name__ == "ResponseCache")
        cache.every = 0.0  # type: ignore[attr-defined]  # re-read the version every time
        assert c.get("/api/v1/items", params={"limit": 1}).json()["items"][0]["id"] == before
        auth = {"Authorization": f"Bearer {token}"}
        body = b"Giraffes escape from the zoo Keepers say all are safe.\n"
        assert c.post("/api/v1/ingest?name=zoo", content=body, headers=auth).status_code == 200
        after = c.get("/api/v1/items", params={"limit": 1}).json()["items"][0]
        assert after["id"] != before and after["headline"].startswith("Giraffes")
    finally:
        c.close()


def _middlewares(c: Client) -> list[object]:
    out = []
    app = c.app.middleware_stack
    while app is not None:
        out.append(app)
        app = getattr(app, "app", None)
    return out


def test_sources_can_be_added_paused_and_removed_with_a_token(
    sample_db: str, tmp_path: Path
) -> None:
    db = copy_db(sample_db, tmp_path)
    with Store.open(db) as store:
        _, token = create_token(store, "tests")
    c = Client(db, ServeSettings(index_every_seconds=3600))
    auth = {"Authorization": f"Bearer {token}"}
    public = "http://93.184.216.34/feed.xml"  # an address literal: no name lookup in tests
    try:
        assert "93.184.216.34" not in c.get("/sources").text  # cached from here on
        assert c.post("/api/v1/sources", json={"url": public}).status_code == 401
        added = c.post(
            "/api/v1/sources",
            json={"url": public, "name": "Example", "every": "30m", "full_text": True},
            headers=auth,
        )
        assert added.status_code == 201, added.text
        body = added.json()
        assert body["new"] and body["health"] == "new" and body["every"] == 1800
        assert body["full_text"] and not body["allow_private"]
        again = c.post("/api/v1/sources", json={"url": public, "every": 120}, headers=auth)
        assert again.json()["id"] == body["id"] and not again.json()["new"]
        assert again.json()["every"] == 120
        listed = {s["id"]: s for s in c.get("/api/v1/sources").json()}
        assert listed[body["id"]]["watched"] and listed[body["id"]]["health"] == "new"
        assert "93.184.216.34" in c.get("/sources").text  # the write shows at once, cached or not

        for bad in ({"url": "ftp://example.org/feed"}, {"url": public, "every": "10s"},
                    {"url": public, "every": 5}, {"url": "http://127.0.0.1:9/feed"},
                    {"url": "http://[::ffff:10.0.0.1]/feed"}):
            refused = c.post("/api/v1/sources", json=bad, headers=auth)
            assert refused.status_code == 422, (bad, refused.text)
        private = {"url": "http://127.0.0.1:9/feed", "allow_private": True}
        assert c.post("/api/v1/sources", json=private, headers=auth).status_code == 403

        ref = body["id"]
        paused = c.post(f"/api/v1/sources/{ref}/pause", headers=auth)
        assert paused.status_code == 200 and paused.json()["health"] == "paused"
        assert c.post(f"/api/v1/sources/{ref}/pause").status_code == 401
        resumed = c.post(f"/api/v1/sources/{ref}/resume", headers=auth)
        assert resumed.json()["health"] == "new" and not resumed.json()["paused"]
        assert c.run(c.http.delete(f"/api/v1/sources/{ref}")).status_code == 401
        removed = c.run(c.http.delete(f"/api/v1/sources/{ref}", headers=auth))
        assert removed.status_code == 200 and removed.json()["url"] == public
        assert c.run(c.http.delete(f"/api/v1/sources/{ref}", headers=auth)).status_code == 404
        listed = {s["id"]: s for s in c.get("/api/v1/sources").json()}
        assert not listed[ref]["watched"]  # its items stay, so the source row stays
    finally:
        c.close()
    lenient = Client(db, ServeSettings(index_every_seconds=3600, allow_private_sources=True))
    try:
        private = {"url": "http://127.0.0.1:9/feed", "allow_private": True}
        done = lenient.post("/api/v1/sources", json=private, headers=auth)
        assert done.status_code == 201 and done.json()["allow_private"]
        # allowed on this server, but still only when the source asks for it
        assert lenient.post(
            "/api/v1/sources", json={"url": "http://127.0.0.1:9/other"}, headers=auth
        ).status_code == 422
    finally:
        lenient.close()


def test_openapi_documents_the_source_writes(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/sources"] and "get" in paths["/api/v1/sources"]
    assert "delete" in paths["/api/v1/sources/{ref}"]
    assert "post" in paths["/api/v1/sources/{ref}/pause"]
    assert "403" in paths["/api/v1/sources"]["post"]["responses"]
