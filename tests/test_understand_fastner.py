"""The fast recogniser: tokens, decoding, the shipped model, and the training script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from storyline.understand.default import UnderstandSettings, default_components, make_recognizer
from storyline.understand.entities import EntitiesComponent, SpacyRecognizer
from storyline.understand.fastner import (
    CLASSES,
    KINDS,
    FastRecognizer,
    common_words,
    decode,
    shape,
    tokenize,
)

ROOT = Path(__file__).resolve().parents[1]


def _words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokenize(text)]


def test_tokens_keep_initials_and_split_possessives() -> None:
    assert _words("Alexander S. Vindman's testimony") == [
        "Alexander", "S.", "Vindman", "'s", "testimony"]
    assert _words("St. Louis, Mo. and the U.S. on Nov. 8") == [
        "St.", "Louis", ",", "Mo", ".", "and", "the", "U.S.", "on", "Nov", ".", "8"]
    assert shape("Obama") == "Xxxxx" and shape("U.S.") == "X.X." and shape("2019") == "dddd"
    assert shape("Washington") == "Xxxxx"


def _probs(rows: list[dict[str, float]]) -> np.ndarray:
    out = np.zeros((len(rows), len(CLASSES)))
    for r, row in enumerate(rows):
        for label, p in row.items():
            out[r, CLASSES.index(label)] = p
        out[r, 0] = 1.0 - sum(row.values())
    return out


def test_decode_decides_extent_first_then_kind() -> None:
    text = "Yao Ming met Li\nNa Wang"
    toks = tokenize(text)
    # "Yao" leans PERSON, "Ming" leans ORG: one entity, of the kind with more mass overall.
    probs = _probs([{"B-PERSON": 0.8}, {"I-ORG": 0.4, "I-PERSON": 0.3}, {},
                    {"B-PERSON": 0.9}, {"I-PERSON": 0.9}, {"I-PERSON": 0.9}])
    spans = decode(text, toks, list(range(len(toks))), probs)
    assert [(s.text, s.label) for s in spans] == [
        ("Yao Ming", "PERSON"), ("Li", "PERSON"), ("Na Wang", "PERSON")]  # no run crosses \n


def test_decode_starts_a_new_entity_on_b_mass() -> None:
    text = "Obama Biden"
    toks = tokenize(text)
    probs = _probs([{"B-PERSON": 0.9}, {"B-PERSON": 0.7, "I-PERSON": 0.2}])
    assert [s.text for s in decode(text, toks, [0, 1], probs)] == ["Obama", "Biden"]


@pytest.fixture(scope="module")
def fast() -> FastRecognizer:
    return FastRecognizer()


def test_shipped_model_finds_people_orgs_and_places(fast: FastRecognizer) -> None:
    text = ("Merkel meets Macron in Paris as Siemens cuts jobs\n"
            "German Chancellor Angela Merkel met French President Emmanuel Macron in Paris "
            "on Monday, while Siemens said it would cut 2,000 jobs in Germany.")
    found = {(s.text, s.label) for s in fast.entities(text)}
    assert ("Angela Merkel", "PERSON") in found
    assert ("Emmanuel Macron", "PERSON") in found
    assert ("Paris", "GPE") in found and ("Germany", "GPE") in found
    assert ("Siemens", "ORG") in found
    assert {s.label for s in fast.entities(text)} <= set(KINDS)


def test_batches_equal_single_texts(fast: FastRecognizer) -> None:
    texts = ["Boris Johnson wins in Uxbridge", "", "no names here at all",
             "Apple and Google face the European Commission"]
    assert fast.entities_many(texts) == [fast.entities(t) for t in texts]
    assert fast.entities("") == []


def test_common_words_are_shipped() -> None:
    common = common_words()
    assert {"the", "weight", "police"} <= common
    assert "obama" not in common


def test_default_backend_is_fast_and_env_selects(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(make_recognizer(UnderstandSettings()), FastRecognizer)
    monkeypatch.setenv("STORYLINE_NER_BACKEND", "spacy")
    assert isinstance(make_recognizer(UnderstandSettings()), SpacyRecognizer)
    components = default_components(UnderstandSettings(ner_backend="fast"))
    entities = next(c for c in components if isinstance(c, EntitiesComponent))
    assert entities.recognizer.name == "fast"


def _script() -> ModuleType:
    path = ROOT / "scripts" / "train_fast_recogniser.py"
    spec = importlib.util.spec_from_file_location("train_fast_recogniser", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_fast_recogniser", module)
    spec.loader.exec_module(module)
    return module


def test_training_is_deterministic_and_learns() -> None:
    script = _script()
    person, org = CLASSES.index("B-PERSON"), CLASSES.index("B-ORG")
    feats = [["b", "w=smith", "s=Xxxxx"], ["b", "w=acme", "s=Xxxx"], ["b", "w=the"]] * 30
    labels = [person, org, 0] * 30
    vocab1, w1 = script.train(feats, labels, epochs=3, min_count=2)
    vocab2, w2 = script.train(feats, labels, epochs=3, min_count=2)
    assert vocab1 == vocab2 and np.array_equal(w1, w2)
    index = {f: i for i, f in enumerate(vocab1)}
    for fs, label in zip(feats[:3], labels[:3], strict=True):
        assert int(w1[[index[f] for f in fs]].sum(axis=0).argmax()) == label


def test_teacher_labels_become_iob_classes() -> None:
    script = _script()
    text = "President Joe Biden visited Acme Corp"
    toks = tokenize(text)
    ents = [(10, 19, "PERSON"), (28, 37, "ORG")]
    labels = script.token_labels(toks, list(range(len(toks))), ents)
    assert [CLASSES[x] for x in labels] == ["O", "B-PERSON", "I-PERSON", "O", "B-ORG", "I-ORG"]
