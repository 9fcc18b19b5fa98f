"""Does the grouping embedding carry to other corpora? Title → own-teaser retrieval.

    python bench/embed_transfer.py [--other /tmp/minilm-distilled] [--data ../shared/data]

The shipped static model (``storyline/models/minilm-static``) is fine-tuned on the UCI News
Aggregator's 2014 headlines (docs/grouping.md). This bench checks it on text it never saw:
the English headline/teaser pairs of the shared data (AG News, BBC 2004-05, MIND 2019, the
English feed captures). For each source, every headline (first 16 words, as the grouper
embeds it) is compared with every teaser (first 8 words) of that source, both centred on
their common mean as the grouper centres embeddings; it prints how often a headline's own
teaser is the closest (R@1) and the mean reciprocal rank of it (MRR), for the shipped model
and for ``--other`` (for instance the distilled model before fine-tuning, rebuilt with
``scripts/distill_embedder.py --out /tmp/minilm-distilled``). Same story, other words: this is
a proxy for grouping coverage of one event across publishers, not a grouping score.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import splitter_data as sd  # noqa: E402

from storyline.group.embed import MODEL_DIR, StaticEmbedder  # noqa: E402


def retrieval(
    embedder: StaticEmbedder, titles: list[str], teasers: list[str]
) -> tuple[float, float]:
    """(R@1, MRR) of each title's own teaser among all teasers, on centred cosines."""
    a = np.asarray(embedder.embed(titles), dtype=np.float64)
    b = np.asarray(embedder.embed(teasers), dtype=np.float64)
    centre = np.vstack([a, b]).mean(axis=0)
    a -= centre
    b -= centre
    a /= np.linalg.norm(a, axis=1, keepdims=True) + 1e-9
    b /= np.linalg.norm(b, axis=1, keepdims=True) + 1e-9
    sims = a @ b.T
    own = np.diag(sims)
    rank = (sims > own[:, None]).sum(axis=1)
    return float((rank == 0).mean()), float((1.0 / (rank + 1)).mean())


def main(argv: list[str] | None = None) -> None:
    """Print R@1 and MRR per English source for the shipped model and ``--other``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=sd.DEFAULT_DATA)
    parser.add_argument("--other", type=Path, default=None,
                        help="another static model folder to compare with")
    args = parser.parse_args(argv)
    good, _, _ = sd.load_all(args.data)
    sources: dict[str, list[sd.Pair]] = {}
    for pair in good:
        if pair.lang == "en" and pair.source != "listing":
            sources.setdefault(pair.source, []).append(pair)
    models = {"shipped": MODEL_DIR}
    if args.other is not None:
        models["other"] = args.other
    embedders = {name: StaticEmbedder(path) for name, path in models.items()}
    print(f"{'source':<10} {'pairs':>6}  " + "  ".join(
        f"{name + ' R@1':>11} {name + ' MRR':>11}" for name in models))
    for source, pairs in sources.items():
        titles = [" ".join(p.title.split()[:16]) for p in pairs]
        teasers = [" ".join(p.teaser.split()[:8]) for p in pairs]
        cells = []
        for embedder in embedders.values():
            r1, mrr = retrieval(embedder, titles, teasers)
            cells.append(f"{r1:>11.3f} {mrr:>11.3f}")
        print(f"{source:<10} {len(pairs):>6}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
