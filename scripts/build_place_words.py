"""Write ``understand/data/place_words.txt``: one-word place names for the listing splitter.

    python scripts/build_place_words.py

The splitter cannot load the whole gazetteer (3-4 s, against its 1 s load budget), so it
gets the part it needs as a word list: every one-word name (folded: lower case, no accents)
of a country, continent, first-level region or city of at least ``MIN_POPULATION`` people in
``places.tsv.gz`` (GeoNames, CC BY 4.0; see ``understand/data/README.md``), except words the
fast recogniser's ordinary-word list holds ("bath", "reading", "mobile"): capitalised, those
are far more often a Title Case word than a place.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyline.understand.fastner import common_words  # noqa: E402

DATA = ROOT / "storyline" / "understand" / "data"
OUT = DATA / "place_words.txt"
MIN_POPULATION = 50_000
KINDS = frozenset({"country", "continent", "region", "city"})


def place_words(places: Path, ordinary: frozenset[str]) -> list[str]:
    """The one-word folded names of ``places`` (see the module docstring), sorted."""
    words: set[str] = set()
    with gzip.open(places, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            kind, names, _, _, _, _, population, _ = line.rstrip("\n").split("\t")
            if kind not in KINDS or (kind == "city" and int(population or 0) < MIN_POPULATION):
                continue
            for name in names.split("|"):
                name = name.lstrip("~")
                if name and " " not in name and name not in ordinary:
                    words.add(name)
    return sorted(words)


def main(argv: list[str] | None = None) -> None:
    """Read the gazetteer file and write the word list."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--places", type=Path, default=DATA / "places.tsv.gz")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    words = place_words(args.places, common_words())
    header = (f"# One-word place names, folded (GeoNames CC BY 4.0 via places.tsv.gz; cities of "
              f"{MIN_POPULATION:,}+ people); scripts/build_place_words.py\n")
    args.out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {args.out}")


if __name__ == "__main__":
    main()
