"""Shared fixtures: paths to the bundled examples and the shared development data, stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storyline.store.db import Store

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SAMPLE_LISTING = EXAMPLES / "listings" / "front-page-2020-11-17.txt"
NOW = datetime(2020, 11, 18, 9, 0, tzinfo=UTC)


def shared_data_dir() -> Path | None:
    """The shared development data: $STORYLINE_SHARED_DATA, else ../shared/data beside the repo."""
    configured = os.environ.get("STORYLINE_SHARED_DATA")
    path = Path(configured) if configured else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    """The shared data; tests needing it fail, not skip, when STORYLINE_REQUIRE_SHARED is set."""
    path = shared_data_dir()
    if path is None:
        if os.environ.get("STORYLINE_REQUIRE_SHARED"):
            pytest.fail("shared development data not found (set STORYLINE_SHARED_DATA)")
        pytest.skip("shared development data not available")
    return path


def _reset_postgres(url: str) -> None:
    """Drop every table, so each test starts from an empty, freshly migrated database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store: SQLite in a temporary folder, and PostgreSQL when one is configured.

    ``STORYLINE_TEST_POSTGRES_URL`` names a database the tests may wipe; CI starts a server and
    sets it, so the store is proven on both backends.
    """
    if request.param == "sqlite":
        target = str(tmp_path / "test.db")
    else:
        url = os.environ.get("STORYLINE_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("no PostgreSQL configured (STORYLINE_TEST_POSTGRES_URL)")
        _reset_postgres(url)
        target = url
    with Store.open(target) as opened:
        yield opened
