"""The default understand pipeline, built explicitly (no registration on import)."""

from __future__ import annotations

from collections.abc import Mapping

from storyline.understand.corrections import CorrectionsComponent, SplitCorrection
from storyline.understand.default import UnderstandSettings, default_components
from storyline.understand.pipeline import Component, Pipeline
from storyline.understand.split import SplitComponent


def build_pipeline(
    corrections: Mapping[str, SplitCorrection] | None = None,
    settings: UnderstandSettings | None = None,
) -> Pipeline:
    """Split listing lines, apply the user's stored split corrections, then enrich: language,
    people and organisations, places, dates."""
    components: list[Component] = [
        SplitComponent(),
        CorrectionsComponent(corrections or {}),
        *default_components(settings),
    ]
    return Pipeline(components)
