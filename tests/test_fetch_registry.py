"""The source registry: add, find, pause, remove, health, OPML in and out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storyline.fetch import registry
from storyline.fetch.registry import RegistryError
from storyline.store.db import Store

from .conftest import EXAMPLES

T0 = datetime(2020, 11, 17, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("2h", 7200), ("1d", 86400), ("90", 90), ("90s", 90)]
)
def test_parse_every(text: str, seconds: int) -> None:
    assert registry.parse_every(text) == seconds
    assert registry.parse_every(registry.format_every(seconds)) == seconds


@pytest.mark.parametrize("text", ["fast", "10s", "0m", "-5m"])
def test_parse_every_refuses(text: str) -> None:
    with pytest.raises(RegistryError):
        registry.parse_every(text)


def test_add_find_pause_resume_remove(store: Store) -> None:
    source, new = registry.add_source(store, "https://news.example/feed", name="News", now=T0)
    assert new and source.every == registry.DEFAULT_EVERY and source.next_due_at == T0
    assert source.health(T0) == "new"
    again, new = registry.add_source(store, "https://news.example/feed", every=3600, now=T0)
    assert not new and again.every == 3600 and again.name == "News"
    assert registry.find_source(store, "News").id == source.id
    assert registry.find_source(store, source.id).url == source.url
    assert registry.find_source(store, "https://news.example/feed").id == source.id
    paused = registry.set_paused(store, "News", True)
    assert paused.paused and paused.health(T0) == "paused"
    resumed = registry.set_paused(store, "News", False, now=T0)
    assert not resumed.paused
    registry.remove_source(store, "News")
    assert registry.list_sources(store) == []
    assert store.count("sources") == 1, "the source record stays for its items"
    with pytest.raises(RegistryError, match="no watched source"):
        registry.find_source(store, "News")


def test_add_refuses_non_urls_and_ambiguous_names(store: Store) -> None:
    with pytest.raises(RegistryError, match="not an http"):
        registry.add_source(store, "file:///etc/passwd")
    registry.add_source(store, "https://a.example/feed", name="Same")
    registry.add_source(store, "https://b.example/feed", name="Same")
    with pytest.raises(RegistryError, match="names 2 sources"):
        registry.find_source(store, "Same")


def test_health_flags_a_source_failing_for_a_day() -> None:
    source = registry.WatchedSource(
        id="s",
        name="s",
        url="https://x.example/",
        every=900,
        full_text=False,
        allow_private=False,
        paused=False,
        added_at=T0,
        last_attempt_at=T0,
        consecutive_failures=3,
        failing_since=T0,
    )
    assert source.health(T0 + timedelta(hours=2)) == "failing"
    assert source.health(T0 + timedelta(days=1, minutes=1)) == "down"


def test_opml_round_trip(store: Store, tmp_path: object) -> None:
    opml = (EXAMPLES / "sources.opml").read_bytes()
    added = registry.import_opml(store, opml, base_url="http://127.0.0.1:8765/", now=T0)
    assert len(added) == 8 and all(new for _, new in added)
    names = {s.name for s in registry.list_sources(store)}
    assert {"BBC News", "El País", "UOL Notícias"} <= names
    assert not any(s.allow_private for s in registry.list_sources(store))
    exported = registry.export_opml(store)
    other = Store.open(":memory:")
    try:
        again = registry.import_opml(other, exported.encode(), now=T0)
        assert {s.url for s, _ in again} == {s.url for s in registry.list_sources(store)}
        assert {s.every for s, _ in again} == {900, 3600}  # feeds 15m, the listing 1h
    finally:
        other.close()
    # Re-importing changes nothing.
    assert not any(
        new for _, new in registry.import_opml(store, opml, base_url="http://127.0.0.1:8765/")
    )


def test_opml_never_grants_private_access_and_refuses_entities(store: Store) -> None:
    sneaky = (
        b'<opml version="2.0"><body><outline xmlUrl="http://10.0.0.1/feed" '
        b'allowPrivate="true" fullText="true" every="1h"/></body></opml>'
    )
    ((source, _),) = registry.import_opml(store, sneaky)
    assert not source.allow_private and source.full_text and source.every == 3600
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body><outline xmlUrl="&a;"/></body></opml>'
    with pytest.raises(RegistryError, match="unsafe"):
        registry.read_opml(bomb)
    with pytest.raises(RegistryError, match="not an OPML"):
        registry.read_opml(b"<rss/>")
