"""The tunable numbers of the story grouper (:class:`storyline.group.stories.StoryGrouper`),
with the reasons for their values; docs/grouping.md tells how each was chosen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GroupingSettings:
    """The tunable numbers of :class:`StoryGrouper` (tuned on the first half of the dev days)."""

    # Defaults from a random search on the first 60,000 items of the dev stream (all inside
    # the tuning half), with centred embeddings and stemmed words; see docs/grouping.md.
    threshold: float = 0.215  # least similarity to join a story rather than open one
    w_embedding: float = 0.6
    w_terms: float = 0.67
    w_entities: float = 0.15  # tuned with the understanding stage's facts (docs/grouping.md)
    # The dev set's stories almost never span days (its aggregator re-clusters daily), which
    # rewards a steep decay; on corpora with longer-running stories lower it.
    decay_per_day: float = 0.6  # per day since the story's last item
    age_decay_per_day: float = 0.002  # per day since the story opened
    window_days: int = 3  # stories idle for longer are evicted from the active set
    candidates: int = 16  # nearest stories rescored per item
    # story-to-story similarity above which two stories merge, when merge_weights is empty
    merge_threshold: float = 0.404
    merge_checks: int = 2  # other candidates the item matched that are compared as wholes
    merge_neighbours: int = 4  # nearest stories compared at sizes 4, 8, 16, ...
    refresh_cosine: float = 0.97  # re-index a centroid once it moved below this cosine
    top_terms: int = 5  # shared terms kept in an explanation
    teaser_words: int = 8  # words of the teaser compared besides the headline
    embedding_languages: tuple[str, ...] = ("en",)  # languages the embedder understands
    # Subtract the running mean of the embeddings seen so far before comparing: a static
    # model's vectors share a large common direction (|mean| ~0.38 on news headlines), which
    # makes every big story's centroid close to everything and lets unrelated stories merge.
    center_embeddings: bool = True
    # Pseudo-items the mean starts with, so a few items barely move it: the background
    # corpus's mean embedding (group/background.py) when ``background`` is on and it belongs
    # to this embedder, zero vectors otherwise.
    center_prior: int = 100
    # Start from a background corpus of news headlines (group/background.py): its word
    # document frequencies count as ``background_docs`` pseudo-documents in the IDF, and its
    # mean embedding is the centre's prior, so a new grouper's first items are compared as
    # a grown one would compare them.
    background: bool = True
    background_docs: int = 10_000
    place_weight: float = 0.5  # a shared place (a country) against a shared person or org
    entity_prior: float = 1.0  # pseudo-weight of unshared entities (see _State.scored)
    # Splits: checked at story sizes split_min_size, twice that, ...; 0 turns them off.
    split_min_size: int = 8
    split_threshold: float = 0.401  # split when the two parts' similarity is below this
    split_min_part: float = 0.25  # each part holds at least this share of the members (>= 3)
    split_keep: int = 64  # recent members a story keeps for the check (~1 KiB each)
    # The learned join decision (storyline.group.join): intercept and one weight per feature
    # of join.FEATURES, fitted by ``bench/group.py --fit-join`` on the tuning half. When set,
    # the item joins the best candidate by similarity if the model's probability for it
    # reaches join_probability, instead of similarity >= threshold. Off: it did not beat the
    # threshold (docs/grouping.md, "Tried without gain").
    join_weights: tuple[float, ...] = ()
    join_probability: float = 0.5
    # A join on the embedding alone (no shared word, place or name) needs at least this
    # embedding cosine: close vectors of two election headlines are not one story.
    embedding_alone: float = 0.6
    # The learned merge decision (join.PAIR_FEATURES), fitted by ``bench/group.py --fit-merge``
    # on the tuning half (docs/grouping.md, "The learned merge"): when set, two
    # compared stories merge if the probability reaches merge_probability (and the hand
    # similarity reaches merge_floor), instead of similarity >= merge_threshold.
    merge_weights: tuple[float, ...] = (
        -1.8691, 2.6363, 2.5683, 0.0, 6.8992, -3.3968, -1.7725, -0.0887, -9.7572, 0.5935,
        7.8811, 0.4389,
    )
    merge_probability: float = 0.6
    merge_floor: float = 0.0
