"""Shared fixtures: paths to the bundled examples and the shared development data, stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store in a temporary folder."""
    with Store.open(tmp_path / "test.db") as opened:
        yield opened
