"""The default understand pipeline, built explicitly (no registration on import)."""

from __future__ import annotations

from collections.abc import Mapping

from storyline.understand.corrections import CorrectionsComponent, SplitCorrection
from storyline.understand.pipeline import Component, Pipeline
from storyline.understand.split import SplitComponent


def build_pipeline(corrections: Mapping[str, SplitCorrection] | None = None) -> Pipeline:
    """Split listing lines, apply the user's stored split corrections, then enrich."""
    components: list[Component] = [SplitComponent(), CorrectionsComponent(corrections or {})]
    return Pipeline(components)
