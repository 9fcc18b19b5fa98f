"""Reviewing how listing lines were split: the lines to check, and a user's correction.

The CLI (``storyline items --flagged``, ``storyline correct``), the JSON API
(``GET /api/v1/items?flagged=true``, ``POST /api/v1/items/{id}/split``) and the web UI (the
"To check" page and the form on an item's page) all call these functions, so a correction
made anywhere is validated and stored the same way and kept for later ingests of the line.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storyline.serve.search import SearchIndex, index_dir_for
from storyline.store import reads
from storyline.store import schema as t
from storyline.store.db import Store
from storyline.store.reads import ItemView
from storyline.understand.corrections import SplitCorrection

# Longer than any headline, teaser or kicker a listing line holds; a form cannot post a novel.
MAX_FIELD = 5000


class CorrectionError(ValueError):
    """A correction that cannot be applied; the message says why, in one line."""


class NoSuchItem(LookupError):
    """The item to correct is not in the store."""


def flagged_items(store: Store, limit: int = 50, offset: int = 0) -> list[ItemView]:
    """Listing lines whose split the splitter was unsure of, newest first."""
    return reads.list_items(store, limit=limit, offset=offset, flagged=True)


def correct_split(
    store: Store,
    item_id: str,
    headline: str,
    teaser: str | None = None,
    kicker: str | None = None,
    *,
    index: SearchIndex | None = None,
    now: datetime | None = None,
) -> ItemView:
    """Store a user's split of a listing line, apply it to the item and re-index it.

    ``teaser`` defaults to the rest of the line after the headline, so the usual correction
    ("the headline ends here") needs only the headline. The headline must be part of the
    line: a correction says where the line is cut, it does not rewrite it. ``index`` is the
    search index to update (the server passes its own open index); by default the store's.
    Raises ``NoSuchItem`` or ``CorrectionError``.
    """
    view = reads.get_item(store, item_id)
    if view is None:
        raise NoSuchItem(f"no item {item_id!r}")
    raw = view.item.raw_text
    if view.item.split_confidence is None:
        raise CorrectionError(f"item {item_id} is not a listing line: its feed gave the headline")
    headline = " ".join(headline.split())
    kicker = " ".join(kicker.split()) if kicker else None
    if not headline:
        raise CorrectionError("the headline is empty")
    if max(len(headline), len(teaser or ""), len(kicker or "")) > MAX_FIELD:
        raise CorrectionError(f"a field is longer than {MAX_FIELD} characters")
    position = _find_words(raw, headline)
    if teaser is None:
        if position < 0:
            raise CorrectionError("the headline is not in the line; give the teaser as well")
        teaser = _rest_after(raw, position, headline)
    teaser = " ".join(teaser.split())
    correction = SplitCorrection(headline, teaser, kicker)
    store.correct_split(item_id, correction, now or datetime.now(UTC))
    _reindex(store, item_id, index)
    corrected = reads.get_item(store, item_id)
    assert corrected is not None
    return corrected


def _find_words(raw: str, headline: str) -> int:
    """Where the headline's words start in the line, whatever whitespace the line has; -1 if
    absent. Returns the word index, so the rest of the line can be taken word by word."""
    words, wanted = raw.split(), headline.split()
    for start in range(len(words) - len(wanted) + 1):
        if words[start : start + len(wanted)] == wanted:
            return start
    return -1


def _rest_after(raw: str, start: int, headline: str) -> str:
    """The words of the line after the headline found at word ``start``."""
    return " ".join(raw.split()[start + len(headline.split()) :])


def _reindex(store: Store, item_id: str, index: SearchIndex | None) -> None:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.items.c.seq).where(t.items.c.id == item_id))
        seqs = [int(r[0]) for r in rows]
    if seqs:
        (index or SearchIndex(index_dir_for(store))).reindex(store, seqs)
