"""Feeds out: Atom, RSS 2.0 and JSON Feed of all stories, of one story, and of a search.

Following a story in a feed reader is subscribing to ``/feeds/story/ID.atom``; a saved
search has ``/feeds/saved/ID.atom``, and any search ``/feeds/search.atom?q=...``. Feed text
is plain text (tags stripped by nh3) and XML is written by ElementTree, which escapes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal
from xml.etree import ElementTree as ET

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from storyline.serve import queries, results, tables
from storyline.serve.deps import ReadAccess, RuntimeDep
from storyline.serve.security import clean_html, plain_text, safe_url
from storyline.store import reads
from storyline.store.reads import ItemView

router = APIRouter(prefix="/feeds", dependencies=[ReadAccess], tags=["feeds"])

Ext = Literal["atom", "rss", "json"]
_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
ENTRIES = 50


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a feed, whatever the format."""

    id: str
    title: str
    link: str
    summary: str
    updated: datetime
    author: str = ""


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed: its title, its page, its own address and its entries, newest first."""

    title: str
    page: str
    self_url: str
    entries: list[Entry]


def atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0."""
    root = ET.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    ET.SubElement(root, "title").text = feed.title
    ET.SubElement(root, "id").text = feed.self_url
    ET.SubElement(root, "link", rel="self", href=feed.self_url)
    ET.SubElement(root, "link", rel="alternate", href=feed.page)
    updated = max((e.updated for e in feed.entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    ET.SubElement(root, "updated").text = updated.isoformat()
    ET.SubElement(ET.SubElement(root, "author"), "name").text = "storyline"
    for e in feed.entries:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "title").text = e.title
        ET.SubElement(entry, "id").text = e.id
        ET.SubElement(entry, "link", rel="alternate", href=e.link)
        ET.SubElement(entry, "updated").text = e.updated.isoformat()
        if e.author:
            ET.SubElement(ET.SubElement(entry, "author"), "name").text = e.author
        ET.SubElement(entry, "summary", type="text").text = e.summary
    return _xml(root)


def _xml(root: ET.Element) -> bytes:
    # tostring with encoding="unicode" is typed str; encode once, with our own declaration.
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode").encode()


def rss(feed: Feed) -> bytes:
    """The feed as RSS 2.0."""
    root = ET.Element("rss", version="2.0")
    root.set("xmlns:atom", "http://www.w3.org/2005/Atom")
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = feed.title
    ET.SubElement(channel, "link").text = feed.page
    ET.SubElement(channel, "description").text = feed.title
    ET.SubElement(
        channel, "atom:link", href=feed.self_url, rel="self", type="application/rss+xml"
    )
    for e in feed.entries:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = e.title
        ET.SubElement(item, "link").text = e.link
        ET.SubElement(item, "guid", isPermaLink="false").text = e.id
        ET.SubElement(item, "pubDate").text = format_datetime(e.updated.astimezone(UTC))
        ET.SubElement(item, "description").text = e.summary
        if e.author:
            # RSS's <author> wants an e-mail address; a source name goes in <category>.
            ET.SubElement(item, "category").text = e.author
    return _xml(root)


def json_feed(feed: Feed) -> bytes:
    """The feed as JSON Feed 1.1."""
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.page,
        "feed_url": feed.self_url,
        "items": [
            {
                "id": e.id,
                "url": e.link,
                "title": e.title,
                "content_text": e.summary,
                "content_html": str(clean_html(e.summary)),
                "date_modified": e.updated.isoformat(),
                **({"authors": [{"name": e.author}]} if e.author else {}),
            }
            for e in feed.entries
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _respond(feed: Feed, ext: Ext) -> Response:
    body = {"atom": atom, "rss": rss, "json": json_feed}[ext](feed)
    return Response(body, media_type=_TYPES[ext], headers={"cache-control": "max-age=60"})


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _item_entry(base: str, view: ItemView) -> Entry:
    item = view.item
    when = item.published or item.first_seen or datetime.now(UTC)
    return Entry(
        id=f"{base}/item/{item.id}",
        title=plain_text(item.headline or item.raw_text),
        link=safe_url(item.url) or f"{base}/item/{item.id}",
        summary=plain_text(item.teaser),
        updated=when,
        author=plain_text(view.source_name),
    )


@router.get("/stories.{ext}", summary="All stories")
def stories_feed(request: Request, rt: RuntimeDep, ext: Ext) -> Response:
    """The most recently updated stories."""
    base = _base(request)
    cards = queries.front_page(rt.store, ENTRIES).rows
    entries = [
        Entry(
            id=f"{base}/story/{c.id}",
            title=plain_text(c.title),
            link=f"{base}/story/{c.id}",
            summary=f"{plain_text(c.teaser)} ({c.item_count} items from {c.source_count} sources)",
            updated=c.last_seen,
        )
        for c in cards
    ]
    feed = Feed(f"{rt.settings.site_title}: stories", f"{base}/", f"{base}/feeds/stories.{ext}",
                entries)
    return _respond(feed, ext)


@router.get("/story/{story_id}.{ext}", summary="One story")
def story_feed(request: Request, rt: RuntimeDep, story_id: str, ext: Ext) -> Response:
    """The newest items of one story: follow a story in a feed reader."""
    current = reads.resolve_story_id(rt.store, story_id)
    if current is None:
        raise HTTPException(404, f"no story {story_id!r}")
    detail = queries.story_detail(rt.store, current, ENTRIES)
    assert detail is not None
    base = _base(request)
    entries = [_item_entry(base, e.view) for e in detail.timeline]
    feed = Feed(
        f"{plain_text(detail.card.title)} · {rt.settings.site_title}",
        f"{base}/story/{current}",
        f"{base}/feeds/story/{current}.{ext}",
        entries,
    )
    return _respond(feed, ext)


def _search_feed(request: Request, rt: RuntimeDep, title: str, query: str, ext: Ext) -> Response:
    base = _base(request)
    views = results.search_items(rt.store, rt.index, query, limit=ENTRIES)
    feed = Feed(
        f"{title} · {rt.settings.site_title}",
        f"{base}/search?{queries_urlencode(query)}",
        str(request.url),
        [_item_entry(base, v) for v in views],
    )
    return _respond(feed, ext)


def queries_urlencode(query: str) -> str:
    """``q=...`` for a search page address."""
    from urllib.parse import urlencode

    return urlencode({"q": query})


@router.get("/search.{ext}", summary="Any search")
def search_feed(
    request: Request, rt: RuntimeDep, ext: Ext, q: Annotated[str, Query(max_length=1000)]
) -> Response:
    """The newest items matching a search."""
    return _search_feed(request, rt, f"Search: {q}", q, ext)


@router.get("/saved/{search_id}.{ext}", summary="A saved search")
def saved_feed(request: Request, rt: RuntimeDep, search_id: str, ext: Ext) -> Response:
    """The newest items matching a saved search."""
    with rt.store.engine.connect() as conn:
        row = conn.execute(
            select(tables.saved_searches).where(tables.saved_searches.c.id == search_id)
        ).first()
    if row is None:
        raise HTTPException(404, f"no saved search {search_id!r}")
    return _search_feed(request, rt, row.name, row.query, ext)
