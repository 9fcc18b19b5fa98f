"""Embedders: the shipped static model and the hashing fake."""

from __future__ import annotations

import pickle

import numpy as np

from storyline.group.embed import Embedder, HashingEmbedder, StaticEmbedder


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    embedder = HashingEmbedder(32)
    assert isinstance(embedder, Embedder)
    a = embedder.embed(["Fed raises rates", "Fed raises rates", ""])
    assert a.dtype == np.float32 and a.shape == (3, 32)
    assert np.allclose(a[0], a[1])
    assert np.isclose(np.linalg.norm(a[0]), 1.0)
    assert not a[2].any()


def test_static_embedder_ranks_paraphrases_above_unrelated() -> None:
    embedder = StaticEmbedder()
    assert isinstance(embedder, Embedder)
    vectors = embedder.embed([
        "Turkey blocks Twitter after PM threatens to wipe it out",
        "Turkish government bans Twitter",
        "Honda recalls 900000 minivans over fuel pump",
        "",
    ])
    assert vectors.shape == (4, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert not vectors[3].any()


def test_static_embedder_batches_agree_with_single_texts() -> None:
    embedder = StaticEmbedder()
    texts = [f"headline number {n} about markets" for n in range(700)]
    batch = embedder.embed(texts)
    assert np.allclose(batch[650], embedder.embed([texts[650]])[0], atol=1e-6)


def test_static_embedder_pickles_without_its_table() -> None:
    embedder = StaticEmbedder()
    embedder.embed(["load it"])
    data = pickle.dumps(embedder)
    assert len(data) < 10_000
    copy = pickle.loads(data)
    assert copy == embedder
    assert np.allclose(copy.embed(["a test"]), embedder.embed(["a test"]))
