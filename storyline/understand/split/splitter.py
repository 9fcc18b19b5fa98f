"""Split a run-on listing line into kicker, media tag, headline and teaser."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from storyline.model import MediaType
from storyline.understand.split.features import TokenTable, candidate_features, tokenize
from storyline.understand.split.scorer import MODEL_PATH, Scorer
from storyline.understand.split.tags import is_truncated, normalise, peel_prefix, trailing_media

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ListingSplit:
    """One line, split. When ``flagged``, ``headline`` is the whole line after any media tag
    and kicker, and ``teaser`` is empty: a wrong cut is worse than no cut."""

    headline: str
    teaser: str
    kicker: str | None
    media_type: MediaType
    truncated: bool
    confidence: float
    flagged: bool


class Splitter:
    """Finds the headline/teaser boundary with the shipped scorer; deterministic."""

    def __init__(self, scorer: Scorer, threshold: float | None = None) -> None:
        self.scorer = scorer
        self.table = TokenTable(scorer.lexicon())
        self.threshold = scorer.threshold if threshold is None else threshold

    @classmethod
    def load(cls, path: Path | None = None) -> Splitter:
        """Load the model shipped inside the package (or the one at ``path``)."""
        return cls(Scorer.load(path or MODEL_PATH))

    def split(self, line: str) -> ListingSplit:
        """Split one line. Never raises: on any internal error the line is kept whole, flagged."""
        try:
            return self._split(line)
        except Exception as exc:  # noqa: BLE001 - one odd line must not stop an ingest
            log.warning("splitter failed on %r: %s", line[:80], exc)
            text = normalise(line) if isinstance(line, str) else ""
            return ListingSplit(text, "", None, MediaType.TEXT, False, 0.0, True)

    def _split(self, line: str) -> ListingSplit:
        text = normalise(line)
        prefix = peel_prefix(text)
        rest = prefix.rest
        tokens = tokenize(rest)
        if len(tokens) < 2:
            # Nothing to cut: a one-word (or empty) line is a headline.
            return self._finish(prefix.kicker, prefix.media_type, rest, "", 1.0, False)
        probs = _outside_markup(tokens, self.scorer.probabilities(candidate_features(tokens,
                                                                             self.table)))
        best = int(np.argmax(probs))
        confidence = float(probs[best])
        if confidence < self.threshold:
            return self._finish(prefix.kicker, prefix.media_type, rest, "", confidence, True)
        if best == len(probs) - 1:  # the "no cut" row: a headline-only line
            return self._finish(prefix.kicker, prefix.media_type, rest, "", confidence, False)
        headline = " ".join(tokens[: best + 1])
        teaser = " ".join(tokens[best + 1 :])
        return self._finish(prefix.kicker, prefix.media_type, headline, teaser, confidence, False)

    @staticmethod
    def _finish(
        kicker: str | None,
        media: MediaType,
        headline: str,
        teaser: str,
        confidence: float,
        flagged: bool,
    ) -> ListingSplit:
        if media is MediaType.TEXT:
            media = trailing_media(headline)
        truncated = is_truncated(teaser or headline)
        return ListingSplit(headline, teaser, kicker, media, truncated, confidence, flagged)


_TAG_OPEN = re.compile(r"<[A-Za-z/!]")


def _outside_markup(tokens: list[str], probs: NDArray[np.float64]) -> NDArray[np.float64]:
    """``probs`` with the cuts that fall inside an HTML tag (``<img src=x | onerror=…>``)
    removed and the rest renormalised. Listings scraped from pages can carry markup; a cut
    inside a tag would leave half a tag on each side, which no sanitizer then recognises."""
    if "<" not in "".join(tokens):
        return probs
    out = probs.copy()
    inside = False
    for i, token in enumerate(tokens[: len(probs) - 1]):
        opened = [m.start() for m in _TAG_OPEN.finditer(token)]
        if opened and token.rfind(">") < opened[-1]:
            inside = True
        elif inside and ">" in token:
            inside = False
        if inside:
            out[i] = 0.0
    total = float(out.sum())
    return out / total if total > 0 else probs
