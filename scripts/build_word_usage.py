"""Write ``understand/data/word_usage.npz``: how English words are used, for the splitter.

    pip install spacy-lookups-data==1.0.5   # build time only (98 MB); not a dependency
    python scripts/build_word_usage.py

The listing splitter's hardest cuts hang on one capitalised word: is "Opener" an ordinary
word that Title Case capitalised, is "Langer" a name, does "Jadeveon" open a name that
"Clowney" finishes? A reader knows; a network trained on a few thousand pairs cannot learn
it word by word. spaCy's lookup tables (``spacy-lookups-data``, MIT) carry, for a million
English word forms with their case, a unigram log-probability and a Brown cluster, both
counted on a large web corpus. From them this script keeps, for every lower-case word whose
lower-case or capitalised form is more common than ``MIN_LOG_PROB``:

- the log-probability of the capitalised form ("Justin") and of the lower-case form
  ("justin"); their difference says how often the word is written capitalised in running
  text, i.e. whether it is a name (+2.4 for "Justin") or an ordinary word (−3.7 for "Opener");
- the class of each form's Brown cluster: the first ``CLUSTER_BITS`` bits of the cluster's
  path in the Brown hierarchy, which group words that occur in like contexts (given names,
  family names, verbs in the past tense, ...).

spaCy stores a cluster as the integer of its bit path reversed, so the first bits of the
path are the lowest bits of the integer; 0 means "no cluster" (words outside the ~190,000
the clustering kept).

Output: a compressed ``.npz`` (no pickles) that loads in tens of milliseconds, where a text
file of the same 220,000 words took half a second to parse: ``words`` (the words, UTF-8,
one a line, sorted), ``cap_logprob`` and ``lower_logprob`` (tenths, int16; ``ABSENT``: that
form is not in the table), ``cap_class`` and ``lower_class`` (int8; -1: no cluster), and the
whole cluster of each form: ``cap_cluster`` and ``lower_cluster`` (int16, a number into
``cluster_paths``, the clusters' stored integers, sorted; -1: no cluster). The whole cluster
(999 of them) feeds the splitter's cut statistics by class pair (``split/pairs.py``).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "storyline" / "understand" / "data" / "word_usage.npz"
MIN_LOG_PROB = -18.5
CLUSTER_BITS = 4
ABSENT = -999


def _lookups_dir() -> Path:
    import spacy_lookups_data  # build time only

    return Path(spacy_lookups_data.__file__).parent / "data"


def capitalised(word: str) -> str:
    """The word with its first letter upper case and the rest as given ("justin" -> "Justin")."""
    return word[:1].upper() + word[1:]


def usage_rows(probs: dict[str, float], clusters: dict[str, int],
               min_log_prob: float = MIN_LOG_PROB
               ) -> list[tuple[str, int, int, int, int, int, int]]:
    """The rows of the output file (word, capitalised and lower-case log-prob in tenths,
    capitalised and lower-case class, capitalised and lower-case cluster number; see the
    module docstring), sorted by word."""
    paths = cluster_paths(clusters)
    number = {p: i for i, p in enumerate(paths)}
    mask = (1 << CLUSTER_BITS) - 1
    words = sorted({w.lower() for w, p in probs.items()
                    if p > min_log_prob and w[:1].isalpha()})
    rows = []
    for lower in words:
        cap = capitalised(lower)
        pc, pl = probs.get(cap), probs.get(lower)
        if max(pc if pc is not None else -99.0, pl if pl is not None else -99.0) <= min_log_prob:
            continue  # only an all-capitals or oddly cased form was common enough
        cc, cl = clusters.get(cap, 0), clusters.get(lower, 0)
        rows.append((
            lower,
            ABSENT if pc is None else round(pc * 10),
            ABSENT if pl is None else round(pl * 10),
            cc & mask if cc else -1,
            cl & mask if cl else -1,
            number[cc] if cc else -1,
            number[cl] if cl else -1,
        ))
    return rows


def cluster_paths(clusters: dict[str, int]) -> list[int]:
    """The distinct clusters (their stored integers, 0 = none left out), sorted."""
    return sorted({c for c in clusters.values() if c})


def main(argv: list[str] | None = None) -> None:
    """Read spaCy's English lookup tables and write the word-usage file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lookups", type=Path, help="spacy_lookups_data/data (default: installed)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    src = args.lookups or _lookups_dir()
    with gzip.open(src / "en_lexeme_prob.json.gz", "rt", encoding="utf-8") as fh:
        probs = json.load(fh)
    with gzip.open(src / "en_lexeme_cluster.json.gz", "rt", encoding="utf-8") as fh:
        clusters = json.load(fh)
    rows = usage_rows(probs, clusters)
    words, cap_lp, lower_lp, cap_class, lower_class, cap_cl, lower_cl = zip(*rows, strict=True)
    np.savez_compressed(
        args.out,
        words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        cap_logprob=np.array(cap_lp, dtype=np.int16),
        lower_logprob=np.array(lower_lp, dtype=np.int16),
        cap_class=np.array(cap_class, dtype=np.int8),
        lower_class=np.array(lower_class, dtype=np.int8),
        cap_cluster=np.array(cap_cl, dtype=np.int16),
        lower_cluster=np.array(lower_cl, dtype=np.int16),
        cluster_paths=np.array(cluster_paths(clusters), dtype=np.int32),
    )
    print(f"{len(rows)} words written to {args.out}")


if __name__ == "__main__":
    main()
