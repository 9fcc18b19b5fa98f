"""A pipeline of small named components, each ``Item -> Item``, checked when it is built.

Modelled on spaCy's pipeline: every component declares the item fields it needs and the ones
it adds, so a pipeline whose order cannot work fails at construction, not half-way through a
run. The runner gives each component its own error handling: one failing component flags the
item and the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from storyline.model import Item

log = logging.getLogger(__name__)

# Fields an item has when it leaves the ingest stage.
INGESTED_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "source_id",
        "raw_text",
        "headline",
        "teaser",
        "body",
        "url",
        "canonical_url",
        "published",
        "first_seen",
        "authors",
        "categories",
        "media_type",
        "kicker",
    }
)


@runtime_checkable
class Component(Protocol):
    """One enrichment step. ``requires``/``provides`` name :class:`Item` fields."""

    name: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]

    def __call__(self, item: Item) -> Item:
        """Return the item with the fields in ``provides`` filled in."""
        ...


class PipelineError(ValueError):
    """A pipeline whose components cannot run in the given order."""


class Pipeline:
    """Runs components in order over items; built once, checked once."""

    def __init__(self, components: Sequence[Component]) -> None:
        available = set(INGESTED_FIELDS)
        names: set[str] = set()
        for component in components:
            if component.name in names:
                raise PipelineError(f"component {component.name!r} appears twice")
            missing = set(component.requires) - available
            if missing:
                raise PipelineError(
                    f"component {component.name!r} needs {sorted(missing)}, "
                    "which no earlier step provides"
                )
            available |= set(component.provides)
            names.add(component.name)
        self.components: tuple[Component, ...] = tuple(components)

    @property
    def names(self) -> list[str]:
        """The component names, in the order they run."""
        return [c.name for c in self.components]

    def run_one(self, item: Item) -> Item:
        """Run every component on one item; a failing component flags the item and is skipped."""
        for component in self.components:
            item = _apply(component, item)
        return item

    def run_batch(self, items: Sequence[Item]) -> list[Item]:
        """Run the pipeline over a batch, component by component.

        A component with a ``pipe(items)`` method (spaCy's convention) gets the whole batch,
        so a model can work on many texts at once; if its batch fails, each item is retried
        alone so one bad item cannot cost the others their facts.
        """
        batch = list(items)
        for component in self.components:
            pipe = getattr(component, "pipe", None)
            if callable(pipe):
                try:
                    results = list(pipe(batch))
                except Exception:  # noqa: BLE001 - fall back to items one by one
                    results = [_apply(component, item) for item in batch]
                else:
                    if len(results) != len(batch) or not all(isinstance(r, Item) for r in results):
                        raise TypeError(f"component {component.name!r}: pipe() must yield "
                                        "one Item per item")
                batch = results
            else:
                batch = [_apply(component, item) for item in batch]
        return batch

    def run(self, items: Iterable[Item], batch_size: int = 256) -> Iterator[Item]:
        """Run the pipeline over a stream of items, lazily, in batches."""
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from self.run_batch(batch)
                batch = []
        if batch:
            yield from self.run_batch(batch)


def _apply(component: Component, item: Item) -> Item:
    try:
        result = component(item)
    except Exception as exc:  # noqa: BLE001 - one bad component must not stop a run
        log.debug("item %s: component %s failed: %s", item.id, component.name, exc)
        item.flags.append(f"component {component.name} failed: {exc}")
        return item
    if not isinstance(result, Item):
        raise TypeError(f"component {component.name!r} returned {type(result).__name__}, not Item")
    return result
