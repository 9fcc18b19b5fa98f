"""Shared fixtures of the serve tests: the sample data in a store, and an in-process client.

The client drives the ASGI app through ``httpx.ASGITransport`` on an event loop of its own
thread, inside the app's lifespan, so tests stay plain synchronous functions.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from storyline.ingestion import IngestSettings, ingest
from storyline.model import Fact
from storyline.serve.app import create_app
from storyline.serve.settings import ServeSettings
from storyline.store import schema as t
from storyline.store import summaries
from storyline.store.db import Store

from .conftest import EXAMPLES, NOW

T = TypeVar("T")

# Facts the understanding components would find; added by hand so pages can show them now.
FACTS = [
    Fact("place", "BR", "Brasil", "teaser", 0, 6, "places", 0.9, {"region": "SP"}),
    Fact("place", "US", "EUA", "teaser", 0, 3, "places", 0.8, {}),
    Fact("person", "Jair Bolsonaro", "Bolsonaro", "headline", 0, 9, "entities", 0.9, {}),
    Fact("org", "PSL", "PSL", "teaser", 0, 3, "entities", 0.7, {}),
    Fact("date", "2020-11-15", "domingo", "teaser", 0, 7, "dates", 0.6, {}),
]


def _files(root: Path) -> list[str]:
    return [
        str(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix.lower() not in (".md", ".license")
        and not p.name.upper().startswith(("README", "LICENSE", "SOURCES"))
    ]


def build_sample(path: Path, extras: bool = True) -> str:
    """Ingest the bundled examples into a new database and (extras) add facts and a merge."""
    with Store.open(path) as store:
        settings = IngestSettings(date=datetime(2020, 11, 17, tzinfo=UTC))
        ingest(store, _files(EXAMPLES), settings, now=NOW)
        if not extras:
            return str(path)
        with store.engine.begin() as conn:
            story_id, item_ids = _biggest_story(conn)
            rows = [
                {"item_id": item_id, **{k: getattr(f, k) for k in f.__slots__}}
                for item_id in item_ids
                for f in FACTS
            ]
            conn.execute(t.facts.insert(), rows)
            conn.execute(t.story_aliases.insert().values(alias="sold-merged", story_id=story_id))
            conn.execute(
                t.story_events.insert().values(
                    story_id=story_id,
                    kind="merge",
                    other_ids=["sold-merged"],
                    at=NOW,
                    reason={"similarity": 0.61, "terms": ["bolsonaro"]},
                )
            )
            # Facts written around the store's write path: its story's summary (derived
            # from the facts, store/summaries.py) must be recomputed, as write_batch would.
            summaries.refresh(conn, [story_id])
    return str(path)


def _biggest_story(conn: Any) -> tuple[str, list[str]]:
    from sqlalchemy import func, select

    story_id = conn.execute(
        select(t.item_story.c.story_id)
        .group_by(t.item_story.c.story_id)
        .order_by(func.count().desc(), t.item_story.c.story_id)
        .limit(1)
    ).scalar_one()
    items = conn.execute(
        select(t.item_story.c.item_id).where(t.item_story.c.story_id == story_id)
    ).scalars()
    return story_id, list(items)


class Client:
    """A synchronous face over an ``httpx.AsyncClient`` on the app, lifespan included."""

    def __init__(self, db: str, settings: ServeSettings) -> None:
        self.app = create_app(db, settings)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.run(self._lifespan.__aenter__())
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the client's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET in-process."""
        return self.run(self.http.get(url, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST in-process."""
        return self.run(self.http.post(url, **kwargs))

    @property
    def store(self) -> Store:
        """The app's store."""
        store = self.app.state.runtime.store
        assert isinstance(store, Store)
        return store

    def close(self) -> None:
        """Leave the lifespan and stop the loop."""
        self.run(self.http.aclose())
        self.run(self._lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample data with a few facts, built once; copy it before writing to it."""
    # A fixed place under the session's temporary folder: each test module that imports
    # this fixture gets its own fixture definition, but they all share one build.
    path = tmp_path_factory.getbasetemp() / "serve-sample" / "sample.db"
    if path.exists():
        return str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_sample(path)


def copy_db(source: str, target_dir: Path) -> str:
    """A private copy of a database (and its index, if any)."""
    target = target_dir / "copy.db"
    with Store.open(source) as store, store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(source, target)
    return str(target)


@pytest.fixture(scope="module")
def client(sample_db: str) -> Iterator[Client]:
    """A client over the shared sample data (reads only)."""
    c = Client(sample_db, ServeSettings(index_every_seconds=3600))
    yield c
    c.close()
