"""How the grouper reads an item: stemmed content words, surface forms for explanations, and
embeddings centred on the running mean."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from storyline.group.embed import HashingEmbedder
from storyline.group.features import entities_of, grouping_text, stem_en, surface_forms, terms_of
from storyline.group.stories import GroupingSettings, StoryGrouper
from storyline.model import Fact, Item

DAY = datetime(2024, 5, 1, tzinfo=UTC)


def test_inflections_of_one_word_meet() -> None:
    assert len({stem_en(w) for w in ("retires", "retiring", "retired", "retire")}) == 1
    assert stem_en("companies") == stem_en("company")
    assert stem_en("stopped") == stem_en("stop")
    # Names with digits and short words are left alone.
    assert stem_en("s5") == "s5" and stem_en("gas") == "gas"


def test_stemming_is_english_only() -> None:
    assert "retir" in terms_of("Chris Evans retires")
    assert "caídas" in terms_of("Las caídas de la bolsa", "es")


def test_surface_forms_keep_the_written_word() -> None:
    assert surface_forms("Volcano erupted again") == {"volcano": "volcano", "erupt": "erupted"}


def test_explanations_name_words_as_written() -> None:
    grouper = StoryGrouper(GroupingSettings(threshold=0.1), HashingEmbedder())
    texts = ["Iceland volcano erupted overnight", "Iceland volcano erupted, flights grounded"]
    grouper.learn_one(Item("i000000000001", "a", texts[0], texts[0], published=DAY))
    second = grouper.learn_one(Item("i000000000002", "b", texts[1], texts[1], published=DAY))
    assert not second.is_new_story
    assert "erupted" in second.explanation["terms"]


def test_centring_subtracts_the_running_mean_and_keeps_zero_rows() -> None:
    grouper = StoryGrouper(GroupingSettings(center_prior=0), HashingEmbedder())
    state = grouper.state
    first = Item("i000000000001", "a", "Volcano erupts", "Volcano erupts", published=DAY)
    grouper.learn_one(first)
    assert state.corpus.mean_count == 1
    again = Item("i000000000002", "a", "Volcano erupts", "Volcano erupts", published=DAY)
    # The same text as the whole mean so far: nothing is left once the mean is taken off.
    assert not state.features(again).vec.any()
    empty = Item("i000000000003", "a", "", "", published=DAY)
    assert not np.asarray(state.features(empty).vec).any()


def test_the_kicker_the_splitter_peeled_off_is_compared() -> None:
    item = Item("i1", "s", "Titanfall: The Joystiq Review", "The Joystiq Review",
                kicker="Titanfall")
    assert "titanfall" in terms_of(grouping_text(item, 8))


def test_places_without_a_country_code_do_not_all_match() -> None:
    item = Item("i1", "s", "Ebola in West Africa and Europe", "Ebola in West Africa and Europe",
                facts=[Fact("place", "", "West Africa"), Fact("place", "", "Europe"),
                       Fact("person", "", "")])
    assert entities_of(item) == {"place:west africa", "place:europe"}


def test_one_misread_language_does_not_switch_a_story_off_embeddings() -> None:
    grouper = StoryGrouper(embedder=HashingEmbedder())
    story = ""
    for n, language in enumerate(["en", "en", "de", "en"]):
        item = Item(f"i{n}", "s", "Apple sues Samsung over patents",
                    "Apple sues Samsung over patents", published=DAY, language=language)
        story = grouper.learn_one(item).story_id
    (only,) = grouper._state.stories.values()
    assert only.id == story and only.count == 4 and only.embeds


class _SameVector:
    """An embedder that calls every text the same: only the embedding says they match."""

    dim = 8

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)


def test_a_join_on_the_embedding_alone_needs_a_close_one() -> None:
    day = datetime(2020, 11, 17, tzinfo=UTC)
    first = Item("i000000000001", "a", "Brazil on the eve of the elections",
                 "Brazil on the eve of the elections", published=day)
    second = Item("i000000000002", "a", "New president sworn in as crisis shakes Lima",
                  "New president sworn in as crisis shakes Lima", published=day)

    def place(embedding_alone: float) -> dict[str, object]:
        settings = GroupingSettings(center_embeddings=False, embedding_alone=embedding_alone)
        grouper = StoryGrouper(settings, _SameVector())  # type: ignore[arg-type]
        grouper.learn_one(first)
        assignment = grouper.learn_one(second)
        return {"new": assignment.is_new_story, **assignment.explanation}

    joined = place(0.0)  # no word shared, but the (fake) embeddings are identical
    assert joined["new"] is False and joined["terms"] == []
    alone = place(1.01)
    assert alone["new"] is True and alone["opened"] is True
    assert alone["embedding_only"] == 1.0 and alone["closest"] is not None


def test_years_are_no_content_words() -> None:
    # A year is shared by every story of that year, and against the 2014 background corpus
    # any other year would look rare: it must not carry a join ("2020 elections").
    assert terms_of("Brazil on the eve of the 2020 elections") == terms_of(
        "Brazil on the eve of the elections")
    assert "737" in terms_of("Boeing 737 grounded")
    assert "1990s" in terms_of("Back to the 1990s")
