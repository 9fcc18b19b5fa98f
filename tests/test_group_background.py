"""The grouper's background corpus: word frequencies and a mean embedding before item one."""

from __future__ import annotations

import numpy as np

from storyline.group.background import PROBE_TEXT, load_background
from storyline.group.embed import HashingEmbedder, StaticEmbedder
from storyline.group.stories import GroupingSettings, StoryGrouper


def test_the_shipped_background_is_news_sized_and_knows_common_words() -> None:
    background = load_background()
    assert background is not None
    assert background.docs > 50_000
    # "report" is an everyday news word, "volcano" a rare one (stems, as terms_of gives them)
    assert background.rate("report") > 10 * background.rate("volcano") > 0
    assert background.rate("no-such-word-anywhere") == 0.0


def test_a_new_grouper_already_knows_which_words_are_common() -> None:
    with_background = StoryGrouper(embedder=HashingEmbedder())
    without = StoryGrouper(GroupingSettings(background=False), HashingEmbedder())
    fresh, blank = with_background.state, without.state
    # Before any item, a grouper without background thinks every word equally rare.
    assert blank.corpus.idf("report") == blank.corpus.idf("volcano")
    assert fresh.corpus.idf("report") < fresh.corpus.idf("volcano")


def test_the_background_mean_is_used_only_with_its_own_model() -> None:
    background = load_background()
    assert background is not None
    static = StaticEmbedder()
    probe = np.asarray(static.embed([PROBE_TEXT])[0], dtype=np.float32)
    assert background.mean_for(probe) is not None
    assert StoryGrouper(embedder=static).state.corpus.prior_mean is not None
    # Another embedder (here the hashing fake, 64 dimensions) gets no prior mean.
    assert StoryGrouper(embedder=HashingEmbedder()).state.corpus.prior_mean is None
    other = np.roll(probe, 1)
    assert background.mean_for(other) is None
