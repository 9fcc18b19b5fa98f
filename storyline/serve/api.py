"""The JSON API under ``/api/v1``: everything the pages show, plus writes with a token.

Lists are paginated with opaque keyset cursors (``next_cursor`` -> ``?cursor=``) and can be
downloaded whole as CSV or JSON Lines with ``?format=csv|jsonl``. Writes go through the same
library call as the CLI, ``storyline.ingestion.ingest``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import select

from storyline.fetch import registry
from storyline.fetch.guard import GuardError, check_url
from storyline.ingestion import IngestSettings, ingest
from storyline.review import CorrectionError, NoSuchItem, correct_split
from storyline.serve import health, queries, records, results, tables
from storyline.serve.api_models import (
    IngestOut,
    ItemOut,
    ItemPage,
    SavedSearchIn,
    SavedSearchOut,
    SearchOut,
    SourceOut,
    SplitIn,
    StoryDetailOut,
    StoryPage,
    WatchedSourceIn,
    WatchedSourceOut,
)
from storyline.serve.auth import touch_token
from storyline.serve.deps import ReadAccess, RuntimeDep, require_write
from storyline.serve.pages import filters_from
from storyline.store import reads

router = APIRouter(dependencies=[ReadAccess])

Format = Annotated[
    Literal["json", "jsonl", "csv"],
    Query(description="json: one page; jsonl or csv: the whole list, streamed"),
]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of a page")]
Limit = Annotated[int, Query(ge=1, le=500)]
Text = Annotated[str | None, Query(max_length=200)]
WriteToken = Annotated[str, Depends(require_write)]
_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def _download(rows: Iterable[dict[str, Any]], fmt: str, name: str) -> StreamingResponse:
    return StreamingResponse(
        records.stream_records(rows, fmt),
        media_type=_MEDIA[fmt],
        headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def _bad_cursor(exc: queries.CursorError) -> HTTPException:
    return HTTPException(400, str(exc))


@router.get("/stories", response_model=StoryPage, summary="Stories, newest update first")
def list_stories(
    rt: RuntimeDep,
    country: Text = None,
    source: Annotated[str | None, Query(max_length=200, description="source id or name")] = None,
    language: Text = None,
    media: Text = None,
    since: date | None = None,
    until: date | None = None,
    cursor: Cursor = None,
    limit: Limit = 30,
    format: Format = "json",
) -> Any:
    """Stories most recently updated first; filters keep stories with a matching item."""
    f = filters_from(country, source, language, media, since, until)

    def fetch(c: str | None, n: int = limit) -> tuple[list[Any], str | None]:
        if f.any():
            page = results.filtered_stories(rt.store, rt.index, f, c, n)
        else:
            page = queries.front_page(rt.store, n, c)
        return [records.story_record(card) for card in page.rows], page.next_cursor

    try:
        if format != "json":
            rows = records.all_pages(lambda c: fetch(c, 200))
            return _download(rows, format, "stories")
        stories, nxt = fetch(cursor)
    except queries.CursorError as exc:
        raise _bad_cursor(exc) from exc
    return {"stories": stories, "next_cursor": nxt}


@router.get("/stories/{story_id}", response_model=StoryDetailOut, summary="One story")
def get_story(rt: RuntimeDep, story_id: str, cursor: Cursor = None, limit: Limit = 100) -> Any:
    """A story (an old id after a merge works too) with a page of its timeline and facts."""
    current = reads.resolve_story_id(rt.store, story_id)
    if current is None:
        raise HTTPException(404, f"no story {story_id!r}")
    try:
        detail = queries.story_detail(rt.store, current, limit, cursor)
    except queries.CursorError as exc:
        raise _bad_cursor(exc) from exc
    assert detail is not None
    return records.story_detail_record(detail)


def _items(
    rt: Any,
    story_id: str | None,
    source_id: str | None,
    cursor: str | None,
    limit: int,
    fmt: str,
    flagged: bool = False,
) -> Any:
    def fetch(c: str | None, n: int = limit) -> tuple[list[Any], str | None]:
        page = queries.items_page(
            rt.store, n, c, story_id=story_id, source_id=source_id, flagged=flagged
        )
        return [records.item_json(v) for v in page.rows], page.next_cursor

    try:
        if fmt != "json":
            return _download(records.all_pages(lambda c: fetch(c, 500)), fmt, "items")
        items, nxt = fetch(cursor)
    except queries.CursorError as exc:
        raise _bad_cursor(exc) from exc
    return {"items": items, "next_cursor": nxt}


@router.get("/stories/{story_id}/items", response_model=ItemPage, summary="A story's items")
def story_items(
    rt: RuntimeDep, story_id: str, cursor: Cursor = None, limit: Limit = 50, format: Format = "json"
) -> Any:
    """Every item of a story, copies included, most recently stored first."""
    current = reads.resolve_story_id(rt.store, story_id)
    if current is None:
        raise HTTPException(404, f"no story {story_id!r}")
    return _items(rt, current, None, cursor, limit, format)


@router.get("/items", response_model=ItemPage, summary="Items, most recently stored first")
def list_items(
    rt: RuntimeDep,
    story: Text = None,
    source: Annotated[str | None, Query(max_length=200, description="a source id")] = None,
    flagged: Annotated[
        bool, Query(description="only listing lines whose split needs checking")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
    format: Format = "json",
) -> Any:
    """Items, optionally of one story or one source, or only the flagged listing lines."""
    story_id = reads.resolve_story_id(rt.store, story) if story else None
    if story and story_id is None:
        raise HTTPException(404, f"no story {story!r}")
    return _items(rt, story_id, source, cursor, limit, format, flagged)


@router.get("/items/{item_id}", response_model=ItemOut, summary="One item")
def get_item(rt: RuntimeDep, item_id: str) -> Any:
    """An item with every field and fact, its story and why it is there."""
    view = queries.item_view(rt.store, item_id)
    if view is None:
        raise HTTPException(404, f"no item {item_id!r}")
    return records.item_json(view)


@router.post(
    "/items/{item_id}/split", response_model=ItemOut, summary="Correct a listing line's split"
)
def correct_item_split(rt: RuntimeDep, item_id: str, body: SplitIn, token: WriteToken) -> Any:
    """Say where a listing line's headline ends (needs a token). The correction is kept:
    the same line ingested again, from any source, comes out split as corrected."""
    try:
        view = correct_split(
            rt.store, item_id, body.headline, body.teaser, body.kicker, index=rt.index
        )
    except NoSuchItem as exc:
        raise HTTPException(404, f"no item {item_id!r}") from exc
    except CorrectionError as exc:
        raise HTTPException(422, str(exc)) from exc
    touch_token(rt.store, token)
    rt.wrote()
    return records.item_json(view)


@router.get("/sources", response_model=list[SourceOut], summary="Sources and their health")
def list_sources(rt: RuntimeDep, format: Format = "json") -> Any:
    """Every source: last success, last error, items and items per day."""
    rows = [records.source_record(s) for s in health.sources_health(rt.store)]
    return rows if format == "json" else _download(rows, format, "sources")


def _watched_record(source: registry.WatchedSource, new: bool = False) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "every": source.every,
        "full_text": source.full_text,
        "allow_private": source.allow_private,
        "paused": source.paused,
        "health": source.health(datetime.now(UTC)),
        "added_at": source.added_at.isoformat(),
        "last_attempt_at": when(source.last_attempt_at),
        "last_success_at": when(source.last_success_at),
        "last_error": source.last_error,
        "consecutive_failures": source.consecutive_failures,
        "failing_since": when(source.failing_since),
        "new": new,
    }


def _interval(every: str | int) -> int:
    if isinstance(every, int):
        if every < registry.MIN_EVERY:
            raise registry.RegistryError(
                f"interval of {every}s is under the minimum of {registry.MIN_EVERY}s"
            )
        return every
    return registry.parse_every(every)


def _add_source(rt: Any, body: WatchedSourceIn) -> tuple[registry.WatchedSource, bool]:
    if body.allow_private and not rt.settings.allow_private_sources:
        raise HTTPException(403, "this server does not allow sources at private addresses")
    url = body.url.strip()
    try:
        every = _interval(body.every)
        # The fetcher checks every request (redirects included); checking now as well
        # answers a mistaken or hostile URL at once instead of a failing source later.
        check_url(url, allow_private=body.allow_private)
        return registry.add_source(
            rt.store,
            url,
            name=(body.name or "").strip() or None,
            every=every,
            full_text=body.full_text,
            allow_private=body.allow_private,
        )
    except (registry.RegistryError, GuardError) as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post(
    "/sources",
    response_model=WatchedSourceOut,
    status_code=201,
    summary="Watch a source",
    responses={403: {"description": "allow_private asked of a server that forbids it"},
               422: {"description": "not an http(s) URL, a private address, a bad interval"}},
)
async def add_source(rt: RuntimeDep, body: WatchedSourceIn, token: WriteToken) -> Any:
    """Watch a feed or page URL, like ``storyline sources add --no-discover`` (needs a token).

    Adding a URL already watched updates its settings (``new`` is false). Its host must
    resolve to public addresses unless ``allow_private`` is set, which the server accepts
    only when started to allow private sources.
    """
    source, new = await asyncio.to_thread(_add_source, rt, body)
    rt.wrote()
    await asyncio.to_thread(touch_token, rt.store, token)
    return _watched_record(source, new)


def _change_source(rt: Any, ref: str, token: str, action: str) -> dict[str, Any]:
    try:
        if action == "remove":
            source = registry.remove_source(rt.store, ref)
        else:
            source = registry.set_paused(rt.store, ref, action == "pause")
    except registry.RegistryError as exc:
        raise HTTPException(404, str(exc)) from exc
    touch_token(rt.store, token)
    rt.wrote()
    return _watched_record(source)


SourceRef = Annotated[str, Path(max_length=2000, description="the source's id, URL or name")]


@router.post("/sources/{ref}/pause", response_model=WatchedSourceOut, summary="Pause a source")
def pause_source(rt: RuntimeDep, ref: SourceRef, token: WriteToken) -> Any:
    """Stop fetching a watched source until it is resumed (needs a token)."""
    return _change_source(rt, ref, token, "pause")


@router.post("/sources/{ref}/resume", response_model=WatchedSourceOut, summary="Resume a source")
def resume_source(rt: RuntimeDep, ref: SourceRef, token: WriteToken) -> Any:
    """Fetch a paused source again, due at once, its past failures forgotten (needs a token)."""
    return _change_source(rt, ref, token, "resume")


@router.delete("/sources/{ref}", response_model=WatchedSourceOut, summary="Stop watching")
def remove_source(rt: RuntimeDep, ref: SourceRef, token: WriteToken) -> Any:
    """Stop watching a source; its items and stories stay (needs a token)."""
    return _change_source(rt, ref, token, "remove")


@router.get("/search", response_model=SearchOut, summary="Search, grouped by story")
def search(
    rt: RuntimeDep,
    q: Annotated[str, Query(max_length=1000, description='e.g. floods "Imran Khan" country:PK')],
    cursor: Cursor = None,
) -> Any:
    """Full-text search over headlines and teasers with facets, grouped by story."""
    try:
        page = results.search(rt.store, rt.index, q, cursor=cursor)
    except queries.CursorError as exc:
        raise _bad_cursor(exc) from exc
    return {
        "query": q,
        "total": page.total,
        "groups": [
            {
                "story": records.story_record(g.story) if g.story else None,
                "items": [records.item_json(v) for v in g.items],
            }
            for g in page.groups
        ],
        "facets": {
            name: [{"value": v, "label": label, "count": n} for v, label, n in buckets]
            for name, buckets in page.facets.items()
        },
        "next_cursor": page.next_cursor,
    }


@router.get("/search/items", response_model=list[ItemOut], summary="Matching items, newest first")
def search_items(
    rt: RuntimeDep,
    q: Annotated[str, Query(max_length=1000)],
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    format: Format = "json",
) -> Any:
    """The newest items matching a search (at most ``limit``), for lists and exports."""
    rows = [records.item_json(v) for v in results.search_items(rt.store, rt.index, q, limit=limit)]
    return rows if format == "json" else _download(rows, format, "search")


def saved_search_id(query: str) -> str:
    """The id of a saved search: a hash of the query with its spacing normalised."""
    return hashlib.sha256(" ".join(query.split()).encode("utf-8")).hexdigest()[:12]


def _saved_record(row: Any) -> dict[str, Any]:
    feeds = {ext: f"/feeds/saved/{row.id}.{ext}" for ext in ("atom", "rss", "json")}
    return {
        "id": row.id,
        "name": row.name,
        "query": row.query,
        "created_at": row.created_at.isoformat(),
        "feeds": feeds,
    }


@router.get("/saved-searches", response_model=list[SavedSearchOut], summary="Saved searches")
def list_saved(rt: RuntimeDep) -> Any:
    """Every saved search with its feed addresses."""
    with rt.store.engine.connect() as conn:
        rows = conn.execute(
            select(tables.saved_searches).order_by(tables.saved_searches.c.created_at)
        ).all()
    return [_saved_record(r) for r in rows]


@router.post(
    "/saved-searches", response_model=SavedSearchOut, status_code=201, summary="Save a search"
)
def save_search(rt: RuntimeDep, body: SavedSearchIn, token: WriteToken) -> Any:
    """Save a search so that it has Atom, RSS and JSON feeds (needs a token)."""
    search_id = saved_search_id(body.query)
    c = tables.saved_searches.c
    with rt.store.engine.begin() as conn:
        if conn.execute(select(c.id).where(c.id == search_id)).first() is None:
            conn.execute(
                tables.saved_searches.insert().values(
                    id=search_id,
                    name=body.name or body.query,
                    query=" ".join(body.query.split()),
                    created_at=datetime.now(UTC),
                )
            )
        row = conn.execute(select(tables.saved_searches).where(c.id == search_id)).one()
    touch_token(rt.store, token)
    rt.wrote()
    return _saved_record(row)


@router.post("/ingest", response_model=IngestOut, summary="Ingest a posted listing or feed")
async def post_ingest(
    request: Request,
    rt: RuntimeDep,
    token: WriteToken,
    name: Annotated[str, Query(min_length=1, max_length=200, description="source name")],
    date_: Annotated[
        date | None, Query(alias="date", description="publication date for listings")
    ] = None,
) -> Any:
    """Ingest the request body (a feed, listing, JSON Lines or CSV) as from ``-`` in the CLI."""
    body = await _read_limited(request, rt.settings.max_post_bytes)
    settings = IngestSettings(
        date=datetime.combine(date_, time.min, UTC) if date_ else None, source_name=name
    )
    report = await asyncio.to_thread(
        ingest, rt.store, ["-"], settings, stdin=io.BytesIO(body)
    )
    indexed = await asyncio.to_thread(rt.index.catch_up, rt.store)
    rt.wrote()
    await asyncio.to_thread(touch_token, rt.store, token)
    return {**report.as_dict(), "indexed": indexed}


async def _read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (read in chunks, not trusted)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body larger than {limit} bytes")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > limit:
            raise HTTPException(413, f"body larger than {limit} bytes")
    return bytes(chunks)


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(request: Request, rt: RuntimeDep) -> Response:
    """A plain page listing the API from its OpenAPI schema (no external scripts)."""
    schema = request.app.openapi()
    rows = [
        (method.upper(), path, spec.get("summary", ""), spec.get("description", ""))
        for path, methods in schema.get("paths", {}).items()
        for method, spec in methods.items()
    ]
    body = rt.templates.get_template("api.html").render(rows=rows, q="")
    return HTMLResponse(body)
