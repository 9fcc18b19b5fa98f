import pytest

from storyline.model import Item
from storyline.understand.pipeline import Pipeline, PipelineError


class Upper:
    name = "upper"
    requires = ("headline",)
    provides = ("headline",)

    def __call__(self, item: Item) -> Item:
        item.headline = item.headline.upper()
        return item


class NeedsLanguage:
    name = "needs_language"
    requires = ("language",)
    provides = ("facts",)

    def __call__(self, item: Item) -> Item:
        return item


class Language:
    name = "language"
    requires = ("headline",)
    provides = ("language",)

    def __call__(self, item: Item) -> Item:
        item.language = "en"
        return item


class Broken:
    name = "broken"
    requires = ()
    provides = ()

    def __call__(self, item: Item) -> Item:
        raise RuntimeError("boom")


class ReturnsNothing:
    name = "returns_nothing"
    requires = ()
    provides = ()

    def __call__(self, item: Item) -> Item:
        return None  # type: ignore[return-value]


def item() -> Item:
    return Item(id="i1", source_id="s", raw_text="x", headline="peru")


def test_order_is_checked_when_built() -> None:
    with pytest.raises(PipelineError, match=r"needs_language.*language"):
        Pipeline([NeedsLanguage(), Language()])
    assert Pipeline([Language(), NeedsLanguage()]).names == ["language", "needs_language"]
    with pytest.raises(PipelineError, match="twice"):
        Pipeline([Upper(), Upper()])


def test_a_failing_component_flags_the_item_and_the_rest_run() -> None:
    result = Pipeline([Broken(), Upper()]).run_one(item())
    assert result.headline == "PERU"
    assert result.flags == ["component broken failed: boom"]


def test_a_component_must_return_an_item() -> None:
    with pytest.raises(TypeError, match="returns_nothing"):
        Pipeline([ReturnsNothing()]).run_one(item())


class Batched:
    name = "batched"
    requires = ()
    provides = ("language",)

    def __init__(self) -> None:
        self.batches: list[int] = []

    def __call__(self, item: Item) -> Item:
        item.language = "one"
        return item

    def pipe(self, items: list[Item]) -> list[Item]:
        self.batches.append(len(items))
        if any(i.headline == "bad" for i in items):
            raise ValueError("bad batch")
        for i in items:
            i.language = "batch"
        return items


def test_batches_go_through_pipe_and_fall_back_item_by_item() -> None:
    component = Batched()
    pipeline = Pipeline([component])
    items = [Item(id=f"i{n}", source_id="s", raw_text="x", headline="h") for n in range(5)]
    assert [i.language for i in pipeline.run(items, batch_size=2)] == ["batch"] * 5
    assert component.batches == [2, 2, 1]
    bad = [Item(id="i", source_id="s", raw_text="x", headline="bad")]
    assert [i.language for i in pipeline.run_batch(bad)] == ["one"]
