"""Sentence embeddings for the grouper, behind a small interface (after BERTopic's BaseEmbedder).

* :class:`StaticEmbedder` reads the model2vec static model shipped in ``storyline/models/``
  (distilled from all-MiniLM-L6-v2 by ``scripts/distill_embedder.py``): a sentence is the mean
  of its word pieces' vectors. It needs only numpy and ``tokenizers``, not model2vec or torch,
  and embeds about 14,000 headlines a second on one core.
* :class:`HashingEmbedder` is a cheap deterministic fake for tests: hashed words and word pairs
  in a fixed number of signed buckets. Texts that share words are similar, nothing more.

Both return L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "minilm-static"

_CHUNK = 512
_FIRST = np.zeros(1, dtype=np.intp)  # reduceat's one segment, starting at row 0
_SAFETENSORS_DTYPES = {"F16": np.float16, "F32": np.float32, "I8": np.int8}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` columns."""

    dim: int

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """One row per text; a text with nothing to embed gets a zero row."""
        ...


def normalise_rows(matrix: npt.NDArray[Any]) -> FloatArray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    result: FloatArray = out / norms
    return result


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """The tensors of a safetensors file as numpy arrays.

    The format is an 8-byte header length, a JSON header and the raw little-endian data;
    reading it here saves a dependency for the one file we load.
    """
    data = path.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]]).newbyteorder("<")
        start, end = info["data_offsets"]
        flat = np.frombuffer(data, dtype=dtype, count=(end - start) // dtype.itemsize,
                             offset=base + start)
        tensors[name] = flat.reshape(info["shape"])
    return tensors


class StaticEmbedder:
    """The model2vec static model in ``model_dir``, loaded lazily, once per instance.

    Pickling keeps only ``model_dir`` and ``max_tokens``: the table is read again on first use.
    """

    def __init__(self, model_dir: str | Path = MODEL_DIR, max_tokens: int = 512) -> None:
        self.model_dir = Path(model_dir)
        self.max_tokens = max_tokens
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self.dim: int = int(config["hidden_dim"])
        self._table: FloatArray | None = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[FloatArray, Any]:
        """The embedding table and tokenizer, read on first use."""
        table = self._table
        if table is not None and self._tokenizer is not None:  # loaded: no lock needed
            return table, self._tokenizer
        with self._lock:
            if self._table is None:
                from tokenizers import Tokenizer  # imported here: only the real model needs it

                tensors = read_safetensors(self.model_dir / "model.safetensors")
                # float32 once at load: gathers and means are faster than on float16.
                self._table = np.ascontiguousarray(tensors["embeddings"], dtype=np.float32)
                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.no_padding()
                tokenizer.no_truncation()
                self._unk = tokenizer.token_to_id("[UNK]")
                self._tokenizer = tokenizer
            return self._table, self._tokenizer

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The word-piece ids of each text, without special or unknown tokens."""
        _, tokenizer = self._load()
        encodings = tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        unk = self._unk
        return [[t for t in enc.ids[: self.max_tokens] if t != unk] for enc in encodings]

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Mean of the word-piece vectors of each text, L2-normalised."""
        if len(texts) <= _CHUNK:
            return self._embed_chunk(texts)
        # Chunks keep the gathered token matrix small (it would be ~250 MB for 20k headlines).
        return np.concatenate(
            [self._embed_chunk(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
        )

    def _embed_chunk(self, texts: Sequence[str]) -> FloatArray:
        """:meth:`embed` for a batch small enough to gather at once."""
        table, _ = self._load()
        if len(texts) == 1:
            return self._embed_one(table, texts[0])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts)
        # One gather for the whole batch, then a segmented sum: far faster than a loop of means.
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        total = int(lengths.sum())
        flat = np.fromiter((t for row in ids for t in row), dtype=np.int64, count=total)
        nonempty = lengths > 0
        if flat.size:
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
            sums = np.add.reduceat(table[flat], starts, axis=0)
            out[nonempty] = sums / lengths[nonempty, None]
        return normalise_rows(out)

    def _embed_one(self, table: FloatArray, text: str) -> FloatArray:
        """:meth:`_embed_chunk` of one text (the online grouper's case, once per item),
        without the batch bookkeeping, which cost more than the gather itself.

        The arithmetic is the batch path's, step for step, so the vector is the same to the
        bit: a float32 sum of the rows, divided in float64 (the batch divides by an int64
        array) and rounded to float32, then scaled by its norm as ``normalise_rows`` does.
        """
        _, tokenizer = self._load()
        ids = tokenizer.encode_batch_fast([text], add_special_tokens=False)[0].ids
        # token_ids()'s cut and filter, skipped when there is nothing to cut or filter
        # (nearly always): rebuilding the list cost as much as the rest of the arithmetic.
        if len(ids) > self.max_tokens:
            ids = ids[: self.max_tokens]
        if self._unk in ids:
            ids = [t for t in ids if t != self._unk]
        if not ids:
            return np.zeros((1, self.dim), dtype=np.float32)
        sums = np.add.reduceat(table[ids], _FIRST, axis=0)
        mean = (sums.astype(np.float64) / len(ids)).astype(np.float32)
        norm = np.sqrt(np.add.reduce(mean * mean, axis=1, keepdims=True))
        if not norm[0, 0]:
            return mean
        return cast(FloatArray, mean / norm)  # float32 / float32: numpy's stubs say float64

    def __getstate__(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir, "max_tokens": self.max_tokens, "dim": self.dim}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._table = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"StaticEmbedder(model_dir={str(self.model_dir)!r}, max_tokens={self.max_tokens})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StaticEmbedder)
            and other.model_dir == self.model_dir
            and other.max_tokens == self.max_tokens
        )

    def __hash__(self) -> int:
        return hash((self.model_dir, self.max_tokens))


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A deterministic fake: words and adjacent word pairs hashed into ``dim`` signed buckets."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _bucket(self, token: str) -> tuple[int, float]:
        """Bucket and sign of a token, from a hash that does not change between runs."""
        digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if (value >> 63) & 1 else -1.0

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Signed bag of hashed words and word pairs, L2-normalised."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
            for gram in grams:
                col, sign = self._bucket(gram)
                out[row, col] += sign
        return normalise_rows(out)

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HashingEmbedder) and other.dim == self.dim

    def __hash__(self) -> int:
        return hash(("HashingEmbedder", self.dim))
