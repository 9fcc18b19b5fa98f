"""Split a run-on listing line into kicker, media tag, headline and teaser."""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from storyline.model import MediaType
from storyline.understand.split.adapt import adapt_to_listing
from storyline.understand.split.batch import batch_features
from storyline.understand.split.features import TokenTable, tokenize
from storyline.understand.split.knowledge import load_lists
from storyline.understand.split.scorer import MODEL_PATH, Scorer
from storyline.understand.split.tags import (
    Prefix,
    is_truncated,
    normalise,
    peel_prefix,
    trailing_media,
)

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


@dataclass(slots=True)
class _Scored:
    """A line between scoring and deciding: its peeled prefix, tokens and cut probabilities."""

    prefix: Prefix
    tokens: list[str]
    probs: NDArray[np.float64]


class Splitter:
    """Finds the headline/teaser boundary with the shipped scorer; deterministic."""

    def __init__(self, scorer: Scorer, threshold: float | None = None) -> None:
        self.scorer = scorer
        self.table = TokenTable(scorer.lexicon())
        load_lists()
        self.threshold = scorer.threshold if threshold is None else threshold

    @classmethod
    def load(cls, path: Path | None = None) -> Splitter:
        """Load the model shipped inside the package (or the one at ``path``)."""
        return cls(Scorer.load(path or MODEL_PATH))

    def split(self, line: str) -> ListingSplit:
        """Split one line on its own (no listing to adapt to). Never raises: on any internal
        error the line is kept whole, flagged."""
        return self.split_many([line], adapt=False)[0]

    def split_many(self, lines: Sequence[str], batch_size: int = 512,
                   adapt: bool = True) -> list[ListingSplit]:
        """Split many lines, several times faster than one at a time: the model scores a
        batch of lines in one go (see ``batch.py``).

        The lines are taken to be one listing, from one publisher: with ``adapt`` (and a
        model that carries a length prior), each line's cut probabilities are re-weighted by
        the headline lengths the listing as a whole favours (``adapt.adapt_to_listing``).
        Give lines of different publishers in separate calls (or use
        :meth:`split_listings`). Never raises: if a batch
        fails, its lines are retried alone, and a line that still fails is kept whole,
        flagged."""
        scored: list[_Scored | ListingSplit] = []
        for start in range(0, len(lines), batch_size):
            chunk = lines[start : start + batch_size]
            try:
                scored.extend(self._score_batch(chunk))
            except Exception:  # noqa: BLE001 - retried line by line just below
                scored.extend(self._score_alone(line) for line in chunk)
        pending = [s for s in scored if isinstance(s, _Scored)]
        if adapt and pending:
            self._adapt(pending)
        return [self._decide(s.prefix, s.tokens, _outside_markup(s.tokens, s.probs))
                if isinstance(s, _Scored) else s for s in scored]

    def split_listings(self, lines: Sequence[str],
                       listings: Sequence[Hashable]) -> list[ListingSplit]:
        """Split lines that belong to several listings: ``listings[i]`` names the listing
        (a source, a publisher) of ``lines[i]``. Each listing is split as one
        (:meth:`split_many`, adapted to its own headline lengths); the results come back
        in the order of ``lines``."""
        groups: dict[Hashable, list[int]] = {}
        for i, listing in enumerate(listings):
            groups.setdefault(listing, []).append(i)
        out: list[ListingSplit | None] = [None] * len(lines)
        for positions in groups.values():
            splits = self.split_many([lines[i] for i in positions])
            for i, result in zip(positions, splits, strict=True):
                out[i] = result
        return [r for r in out if r is not None]

    def _adapt(self, pending: list[_Scored]) -> None:
        """Re-weight the lines' cut probabilities by the listing's headline lengths, in place."""
        prior = self.scorer.length_prior
        if prior is None:
            return
        offsets = np.cumsum([0] + [len(s.probs) for s in pending])
        try:
            adjusted = adapt_to_listing(np.concatenate([s.probs for s in pending]), offsets,
                                        prior)
        except Exception as exc:  # noqa: BLE001 - the unadapted cuts are still good cuts
            log.warning("splitter: listing adaptation failed (%s); lines split one by one", exc)
            return
        for s, start, end in zip(pending, offsets[:-1], offsets[1:], strict=True):
            s.probs = adjusted[start:end]

    def _score_alone(self, line: str) -> _Scored | ListingSplit:
        try:
            return self._score_batch([line])[0]
        except Exception as exc:  # noqa: BLE001 - one odd line must not stop an ingest
            log.warning("splitter failed on %r: %s", str(line)[:80], exc)
            text = normalise(line) if isinstance(line, str) else ""
            return ListingSplit(text, "", None, MediaType.TEXT, False, 0.0, True)

    def _score_batch(self, lines: Sequence[str]) -> list[_Scored | ListingSplit]:
        """Each line's cut probabilities, or its result when it has nothing to cut."""
        prefixes = [peel_prefix(normalise(line)) for line in lines]
        tokens = [tokenize(p.rest) for p in prefixes]
        # One-word (or empty) lines have nothing to cut: they are headlines.
        cuttable = [t for t in tokens if len(t) >= 2]
        probs: NDArray[np.float64] = np.zeros(0)
        offsets = np.zeros(1, dtype=np.intp)
        if cuttable:
            feats, offsets = batch_features(cuttable, self.table, np.float32)
            probs = self.scorer.probabilities(feats, offsets)
        spans = iter(zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True))
        results: list[_Scored | ListingSplit] = []
        for prefix, line_tokens in zip(prefixes, tokens, strict=True):
            if len(line_tokens) < 2:
                results.append(self._finish(prefix.kicker, prefix.media_type, prefix.rest, "",
                                            1.0, False))
                continue
            start, end = next(spans)
            results.append(_Scored(prefix, line_tokens, probs[start:end]))
        return results

    def _decide(self, prefix: Prefix, tokens: list[str],
                probs: NDArray[np.float64]) -> ListingSplit:
        best = int(np.argmax(probs))
        confidence = float(probs[best])
        if confidence < self.threshold:
            return self._finish(prefix.kicker, prefix.media_type, prefix.rest, "", confidence,
                                True)
        if best == len(probs) - 1:  # the "no cut" row: a headline-only line
            return self._finish(prefix.kicker, prefix.media_type, prefix.rest, "", confidence,
                                False)
        headline = " ".join(tokens[: best + 1])
        teaser = " ".join(tokens[best + 1 :])
        return self._finish(prefix.kicker, prefix.media_type, headline, teaser, confidence,
                            False)

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
