"""Write ``understand/data/truecase_words.txt``: words a Title Case headline lower-cases.

    python scripts/build_truecase_words.py [--data /work/shared/data]

A word is listed when the fast recogniser's ordinary-word list holds it and, in the
sentence-case lines of the recogniser's training texts (AG News, BBC, English feeds, UCI
sample; never MIND), it is written in lower case at least three times and more than three
times as often as capitalised mid-sentence: "says", "police", "wildfires", but not "trump",
"apple" or "house" (capitalised too often to be sure). ``truecase.truecase`` lower-cases these
words in Title Case lines before recognition.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_fast_recogniser import DATA, texts  # noqa: E402

from storyline.understand.fastner import common_words, tokenize  # noqa: E402

OUT = ROOT / "storyline" / "understand" / "data" / "truecase_words.txt"
_OPENERS = ".!?:\"“'‘(—–-|;"


def main(argv: list[str] | None = None) -> None:
    """Count lower-case and capitalised uses in sentence-case lines and write the list."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for text in dict.fromkeys(t for t in texts(args.data) if t.strip()):
        for line in text.split("\n"):
            words = [line[s:e] for s, e in tokenize(line)]
            long = [w for w in words if len(w) > 3 and w.isalpha()]
            if len(long) >= 3 and sum(w[0].isupper() for w in long) >= 0.7 * len(long):
                continue  # Title Case lines say nothing about a word's usual case
            for j, w in enumerate(words):
                if not w.isalpha():
                    continue
                if w.islower():
                    lower[w] += 1
                elif (j > 0 and w[0].isupper() and w[1:].islower()
                      and words[j - 1][-1:] not in _OPENERS):
                    upper[w.lower()] += 1
    common = common_words()
    listed = sorted(w for w in common if lower[w] >= 3 and lower[w] > 3 * upper[w])
    args.out.write_text("# Words lower-cased in Title Case lines (scripts/build_truecase_words.py)"
                        "\n" + "\n".join(listed) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(listed)} words", file=sys.stderr)


if __name__ == "__main__":
    main()
