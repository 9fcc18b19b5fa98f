"""The search language: words, ``"phrases"``, ``AND``/``OR``/``NOT``, ``-word``, parentheses
and field prefixes such as ``country:PK`` or ``source:"El País"``.

Parsing never fails: whatever a user types gives a query (unbalanced quotes and parentheses
are closed, an unknown ``prefix:`` is read as plain text), so the search box cannot produce
an error page. The result is a small tree that ``search.py`` compiles for the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Prefix as typed -> field in the index. Anything else before a colon is ordinary text
# ("Pakistan:" is a kicker, not a field).
FIELDS = {
    "country": "country",
    "place": "country",
    "source": "source",
    "lang": "language",
    "language": "language",
    "media": "media",
    "type": "media",
    "person": "person",
    "org": "org",
}


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase, in the text fields or in one named field."""

    text: str
    field: str | None = None
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class And:
    """Every part must match."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part must match."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part must not match."""

    part: Node


Node = Term | And | Or | Not

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<minus>-)(?=\S)
      | (?P<field>[A-Za-z]+):(?:"(?P<fphrase>[^"]*)"?|(?P<fword>[^\s()"]+))
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s()"]+)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        kind = match.lastgroup
        if kind == "lparen":
            out.append(("(", None))
        elif kind == "rparen":
            out.append((")", None))
        elif kind == "minus":
            out.append(("NOT", None))
        elif match.group("field") is not None:
            name = match.group("field").lower()
            value = match.group("fphrase")
            is_phrase = value is not None
            if value is None:
                value = match.group("fword")
            if name in FIELDS:
                out.append(("term", Term(value.strip(), FIELDS[name], is_phrase)))
            else:  # not a field: the whole thing is text
                raw = match.group(0).strip()
                out.append(("term", Term(raw.replace('"', " ").strip(), None, is_phrase)))
        elif kind == "phrase":
            out.append(("term", Term(match.group("phrase").strip(), None, True)))
        else:
            word = match.group("word")
            if word in ("AND", "OR", "NOT"):
                out.append((word, None))
            else:
                out.append(("term", Term(word)))
    # A term left empty by its quotes ("" or country:"") means nothing: drop it.
    return [(k, v) for k, v in out if not (isinstance(v, Term) and not v.text)]


class _Parser:
    """Precedence NOT > AND > OR; adjacent terms are joined by AND, as in web search."""

    def __init__(self, tokens: list[tuple[str, object]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, object]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse_or(self) -> Node | None:
        parts = []
        first = self.parse_and()
        if first is not None:
            parts.append(first)
        while self.peek() == "OR":
            self.take()
            nxt = self.parse_and()
            if nxt is not None:
                parts.append(nxt)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self) -> Node | None:
        parts = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
                continue
            node = self.parse_unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_unary(self) -> Node | None:
        kind = self.peek()
        if kind == "NOT":
            self.take()
            inner = self.parse_unary()
            return Not(inner) if inner is not None else None
        if kind == "(":
            self.take()
            inner = self.parse_or()
            if self.peek() == ")":
                self.take()
            return inner
        if kind != "term":  # NOT at the end, or before ")" / "OR" / "AND": nothing to negate
            return None
        _, value = self.take()
        assert isinstance(value, Term)
        return value


def parse(text: str) -> Node | None:
    """The query tree for what a user typed; None for an empty query."""
    tokens = _tokens(text[:1000])
    parser = _Parser(tokens)
    parts = []
    while parser.pos < len(tokens):
        node = parser.parse_or()
        if node is not None:
            parts.append(node)
        if parser.peek() == ")":  # a stray closing parenthesis: skip it
            parser.take()
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def field_terms(node: Node | None, field: str) -> list[str]:
    """Values given for one field anywhere outside a NOT, e.g. to mark active facets."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return [node.text] if node.field == field else []
    return [value for part in node.parts for value in field_terms(part, field)]


def quote(value: str) -> str:
    """A field value as it must be typed in a query: quoted when it has spaces."""
    cleaned = value.replace('"', "")
    return f'"{cleaned}"' if re.search(r"[\s()]", cleaned) or not cleaned else cleaned
