"""Write ``storyline/group/data/background.npz``: what the grouper knows before its first item.

    python scripts/build_background.py

The background corpus is news headlines as the grouper reads them (``grouping_text``: the
headline's first 16 words): the UCI News Aggregator titles of the tuning half (days before
the bench's held-out split; CC BY 4.0, attribution in ``storyline/group/data/README.md``; no
story labels are read). Only this corpus, because its licence allows shipping what is
derived from it; the other shared corpora (AG News, BBC, MIND) are for research use. From
it: each grouping term's
document frequency (terms used by at least two headlines) and the mean raw embedding of the
shipped static model, with the embedding of ``background.PROBE_TEXT`` so that the grouper
uses the mean only with the model it was computed for. Rebuild it whenever the embedding
model changes. Deterministic: the same data and model give the same file.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._uci import day_split, load_rows  # noqa: E402
from storyline.group.background import BACKGROUND_PATH, PROBE_TEXT  # noqa: E402
from storyline.group.embed import StaticEmbedder  # noqa: E402
from storyline.group.features import terms_of  # noqa: E402


def background_texts() -> list[str]:
    """The corpus, as grouping texts, in the stream's fixed order."""
    rows = load_rows()
    split = day_split(rows)
    return [" ".join(row.title.split()[:16]) for row in rows if row.day < split]


def main(argv: list[str] | None = None) -> None:
    """Count, embed and write the file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BACKGROUND_PATH)
    args = parser.parse_args(argv)
    texts = background_texts()
    df: Counter[str] = Counter()
    for text in texts:
        df.update(terms_of(text))
    words = sorted(word for word, n in df.items() if n >= 2)
    embedder = StaticEmbedder()
    total = np.zeros(embedder.dim, dtype=np.float64)
    for start in range(0, len(texts), 4096):
        total += np.asarray(embedder.embed(texts[start : start + 4096]), dtype=np.float64).sum(0)
    mean = (total / len(texts)).astype(np.float32)
    probe = np.asarray(embedder.embed([PROBE_TEXT])[0], dtype=np.float32)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        docs=np.array(len(texts)),
        words=np.array(words),
        counts=np.array([df[w] for w in words], dtype=np.int32),
        mean=mean,
        probe=probe,
    )
    print(f"wrote {args.out}: {len(texts)} headlines, {len(words)} terms, "
          f"{args.out.stat().st_size:,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
