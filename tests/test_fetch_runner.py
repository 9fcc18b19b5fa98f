"""Fetch passes end to end against the local server: items stored, 304s, health, pages."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storyline.fetch import registry
from storyline.fetch.dates import DateSettings, reconcile, url_date
from storyline.fetch.fetcher import FetcherSettings
from storyline.fetch.runner import RunnerSettings, fetch_once
from storyline.fetch.tables import fetch_log
from storyline.ingest.records import ParseContext, build_item
from storyline.store import reads
from storyline.store.db import Store

from .test_fetch_server import LocalServer

SETTINGS = RunnerSettings(
    fetcher=FetcherSettings(
        read_timeout=1, total_timeout=2, retries=1, backoff_base=0.01, max_bytes=1 << 20
    )
)
T0 = datetime(2020, 11, 17, 9, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def watch(store: Store, server: LocalServer, path: str, **kwargs: object) -> registry.WatchedSource:
    source, _ = registry.add_source(
        store,
        server.url + path,
        allow_private=True,
        now=T0,
        **kwargs,  # type: ignore[arg-type]
    )
    return source


def run(store: Store, now: datetime = T0, due_only: bool = True) -> object:
    return fetch_once(store, due_only, settings=SETTINGS, now=now, rng=random.Random(0))


def test_first_pass_stores_second_pass_is_all_304(store: Store, server: LocalServer) -> None:
    watch(store, server, "/feeds/jmanuelbr-bbc.xml", name="BBC")
    watch(store, server, "/feeds/rssparser-heise.atom", name="heise")
    report = fetch_once(store, settings=SETTINGS, now=T0)
    assert {s.outcome for s in report.sources} == {"ok"}
    assert report.new == store.count("items") > 40
    assert {s.format for s in report.sources} == {"feed"}
    # Not due yet: nothing fetched.
    assert fetch_once(store, settings=SETTINGS, now=T0 + timedelta(minutes=5)).sources == []
    later = fetch_once(store, settings=SETTINGS, now=T0 + timedelta(minutes=16))
    assert [s.outcome for s in later.sources] == ["not_modified", "not_modified"]
    assert later.new == 0 and later.not_modified == 2
    statuses = {s.source.name: s for s in registry.source_statuses(store, T0 + timedelta(hours=1))}
    assert statuses["BBC"].health == "ok" and statuses["BBC"].items_total > 20
    assert statuses["BBC"].items_per_day > 0
    assert statuses["BBC"].source.etag


def test_failures_back_off_flag_and_never_vanish(store: Store, server: LocalServer) -> None:
    source = watch(store, server, "/status/500", name="Broken")
    now = T0
    delays = []
    for _ in range(4):
        report = fetch_once(store, settings=SETTINGS, now=now)
        assert [s.outcome for s in report.sources] == ["error"]
        due = registry.find_source(store, source.id).next_due_at
        assert due is not None
        delays.append(due - now)
        now = due
    assert delays == sorted(delays) and delays[-1] > timedelta(minutes=90), "backs off"
    state = registry.find_source(store, "Broken")
    assert state.consecutive_failures == 4 and state.failing_since == T0
    assert state.last_error and "HTTP 500" in state.last_error
    assert state.health(T0 + timedelta(days=1, hours=1)) == "down"
    report = fetch_once(
        store, due_only=False, settings=SETTINGS, now=T0 + timedelta(days=1, hours=1)
    )
    assert report.failed[0].health.startswith("down")
    assert report.failed[0].error == f"{server.url}/status/500: HTTP 500"
    with store.engine.connect() as conn:
        assert len(conn.execute(select(fetch_log)).all()) == 5


def test_retry_after_is_honoured(store: Store, server: LocalServer) -> None:
    watch(store, server, "/status/429?after=7200", name="Busy")
    fetch_once(store, settings=SETTINGS, now=T0)
    state = registry.find_source(store, "Busy")
    assert state.retry_after_at == T0 + timedelta(hours=2)
    assert state.next_due_at is not None and state.next_due_at >= T0 + timedelta(hours=2)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/binary-as-rss", "binary content"),
        ("/text-as-json", "not a feed, a page or a listing (content type application/json)"),
        ("/image", "image/png is not a feed or a page"),
        ("/bomb", "once decompressed"),
        ("/loop/a", "redirects"),
        ("/status/410", "HTTP 410"),
    ],
)
def test_bad_answers_are_one_line_failures(
    store: Store, server: LocalServer, path: str, reason: str
) -> None:
    watch(store, server, path, name="Bad")
    (result,) = fetch_once(store, settings=SETTINGS, now=T0).sources
    assert result.outcome == "error" and reason in (result.error or "")
    assert store.count("items") == 0
    assert registry.find_source(store, "Bad").last_error == result.error


def test_wrong_labels_and_encodings_are_read(store: Store, server: LocalServer) -> None:
    watch(store, server, "/feed-as-html", name="Mislabelled")
    watch(store, server, "/feeds/rssparser-uolNoticias.rss", name="UOL")
    report = fetch_once(store, settings=SETTINGS, now=T0)
    assert {s.outcome for s in report.sources} == {"ok"}
    headlines = [v.item.headline for v in reads.list_items(store, limit=500, source="UOL")]
    assert headlines and any("ç" in h or "ã" in h for h in headlines)
    assert not any("\ufffd" in h or "Ã" in h for h in headlines)


def test_private_source_refused_unless_allowed(store: Store, server: LocalServer) -> None:
    registry.add_source(store, server.url + "/feeds/jmanuelbr-bbc.xml", name="Internal", now=T0)
    (result,) = fetch_once(store, settings=SETTINGS, now=T0).sources
    assert result.outcome == "error" and "private or local address" in (result.error or "")
    assert server.hits["/feeds/jmanuelbr-bbc.xml"] == 0


def test_listing_page_gives_one_item_per_teaser(store: Store, server: LocalServer) -> None:
    watch(store, server, "/pages/listing.html", name="Front page")
    (result,) = fetch_once(store, settings=SETTINGS, now=T0).sources
    assert result.format == "html listing" and result.new == 5
    items = {v.item.headline: v.item for v in reads.list_items(store, limit=50)}
    peru = items["Francisco Sagasti sworn in as interim president"]
    assert peru.kicker == "Peru"
    assert peru.teaser.startswith("Congress picked")
    assert peru.url == server.url + "/2020/11/17/peru-president-sworn-in"
    assert peru.published == datetime(2020, 11, 17, tzinfo=UTC)
    assert "published: from the URL (day only)" in peru.flags
    assert any(f.kind == "image" and f.value.endswith("/img/peru.jpg") for f in peru.facts)
    assert items["Storm Iota makes landfall in Nicaragua as category 4"].media_type == "video"


def test_full_text_for_summary_feeds_with_fallback(store: Store, server: LocalServer) -> None:
    watch(store, server, "/pages/summary-feed.xml", name="Daily", full_text=True)
    (result,) = fetch_once(store, settings=SETTINGS, now=T0).sources
    assert result.new == 2
    items = {v.item.headline: v.item for v in reads.list_items(store, limit=10)}
    full = items["El Congreso elige a Sagasti como presidente interino"]
    assert "Partido Morado" in full.body
    assert full.authors == ["Ana Pérez"]
    missing = items["A page that has gone missing from the site"]
    assert missing.body == "" and missing.teaser == "Only this summary is left of it."
    assert any(f.startswith("full text:") and "HTTP 404" in f for f in missing.flags)
    assert server.hits["/pages/article.html"] == 1
    # A later pass does not fetch the pages of known items again.
    fetch_once(store, due_only=False, settings=SETTINGS, now=T0 + timedelta(hours=1))
    assert server.hits["/pages/article.html"] == 1


def test_stop_leaves_unstored_sources_due(store: Store, server: LocalServer) -> None:
    watch(store, server, "/feeds/jmanuelbr-bbc.xml", name="BBC")
    stop = threading.Event()
    stop.set()
    report = fetch_once(store, settings=SETTINGS, now=T0, stop=stop)
    assert report.stopped and store.count("items") == 0
    assert registry.find_source(store, "BBC").next_due_at == T0


def test_dates_are_reconciled_and_doubtful_ones_flagged() -> None:
    ctx = ParseContext("s", "s", T0)
    future = build_item(ctx, raw_text="a", headline="a", published=T0 + timedelta(days=3))
    reconcile(future)
    assert future.published == T0 and future.published_estimated
    assert any("in the future" in f for f in future.flags)

    old = build_item(ctx, raw_text="b", headline="b", published=T0 - timedelta(days=400))
    reconcile(old, first_fetch=True)
    assert old.published == T0 - timedelta(days=400), "a first fetch's backlog keeps its dates"
    stale = build_item(ctx, raw_text="c", headline="c", published=T0 - timedelta(days=400))
    reconcile(stale)
    assert stale.published == T0 and any("days before" in f for f in stale.flags)

    url = "https://x.example/2020/11/10/story"
    disagree = build_item(ctx, raw_text="d", headline="d", url=url, published=T0)
    reconcile(disagree, settings=DateSettings())
    assert disagree.published == T0
    assert "published: feed says 2020-11-17, URL says 2020-11-10" in disagree.flags

    page = build_item(ctx, raw_text="e", headline="e", url="https://x.example/story")
    reconcile(page, page_date=T0 - timedelta(hours=2))
    assert page.published == T0 - timedelta(hours=2) and not page.published_estimated
    assert url_date("https://x.example/news/20201117-peru") == datetime(2020, 11, 17, tzinfo=UTC)
    assert url_date("https://x.example/2020/13/45/x") is None
