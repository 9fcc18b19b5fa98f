"""Read the US Census Bureau 1990 name lists as shipped in the ``names`` 0.3.0 sdist (MIT;
the lists are public domain). Shared by ``build_first_names.py`` and ``build_name_words.py``.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path


def census_names(sdist: Path, floors: dict[str, float]) -> Iterator[str]:
    """Names (capitalised, "Brown") from the lists named in ``floors`` ("dist.all.last",
    "dist.male.first", "dist.female.first") whose share of the population, in percent,
    reaches that list's floor."""
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            floor = floors.get(member.name.rsplit("/", 1)[-1])
            if floor is None:
                continue
            fh = tar.extractfile(member)
            assert fh is not None
            for line in fh.read().decode("ascii").splitlines():
                name, percent = line.split()[:2]
                if float(percent) >= floor:
                    yield name.capitalize()
