"""Feed content is untrusted: the XSS corpus in tests/fixtures must never reach a page live.

Every page, feed and API answer that shows the corpus is parsed, and must contain no script,
no event handler, no style, no javascript:/data: link and no foreign SVG; every response
carries the strict Content-Security-Policy. The browser tests check that nothing executes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from storyline.ingestion import IngestSettings, ingest
from storyline.serve.security import clean_html, plain_text, safe_url
from storyline.serve.settings import ServeSettings
from storyline.store import schema as t
from storyline.store.db import Store

from .conftest import NOW
from .test_serve_support import Client

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = [FIXTURES / "xss_feed.xml", FIXTURES / "xss_listing.txt", FIXTURES / "xss_items.json"]
EVIL = "<script>alert(40)</script><img src=x onerror=alert(41)>"


def build_xss_db(path: Path) -> str:
    """The corpus ingested, plus hostile facts, explanations and history."""
    with Store.open(path) as store:
        report = ingest(
            store,
            [str(p) for p in CORPUS],
            IngestSettings(date=datetime(2020, 11, 17, tzinfo=UTC)),
            now=NOW,
        )
        assert report.new >= 8, report
        with store.engine.begin() as conn:
            item_id, story_id = conn.execute(
                select(t.item_story.c.item_id, t.item_story.c.story_id).limit(1)
            ).one()
            conn.execute(
                t.facts.insert(),
                [
                    {"item_id": item_id, "kind": kind, "value": EVIL, "surface": EVIL,
                     "field": "headline", "start": 0, "end": 3, "component": EVIL,
                     "confidence": 0.5, "extra": {"region": EVIL}}
                    for kind in ("place", "person", "org", "date")
                ],
            )
            conn.execute(
                t.item_story.update()
                .where(t.item_story.c.item_id == item_id)
                .values(explanation={"reason": EVIL, "terms": [EVIL], EVIL: {EVIL: EVIL}})
            )
            conn.execute(
                t.story_events.insert().values(
                    story_id=story_id, kind=EVIL, other_ids=[EVIL], at=NOW, reason={EVIL: EVIL}
                )
            )
    return str(path)


@pytest.fixture(scope="module")
def xss_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    db = build_xss_db(tmp_path_factory.mktemp("xss") / "xss.db")
    c = Client(db, ServeSettings(index_every_seconds=3600))
    yield c
    c.close()


class _Audit(HTMLParser):
    """Collects everything on a page that could run code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "iframe", "object", "embed", "math", "base", "meta") and not (
            tag == "meta" and set(values) <= {"charset", "name", "content"}
        ):
            self.problems.append(f"<{tag}>")
        if tag == "svg" and values.get("class") not in ("spark", "worldmap"):
            self.problems.append(f"foreign svg {values}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attribute {name}={value!r}")
            if name in ("href", "src", "action", "data") and value is not None:
                ok = value.startswith(("/", "http://", "https://", "#")) or value == ""
                if not ok or "javascript:" in value.lower():
                    self.problems.append(f"{name}={value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def audit(html: str) -> list[str]:
    """What on a page could run code: empty for a safe page."""
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


def _pages(c: Client) -> list[str]:
    stories = c.get("/api/v1/stories", params={"limit": 500}).json()["stories"]
    items = c.get("/api/v1/items", params={"limit": 500}).json()["items"]
    assert stories and items
    return [
        "/",
        "/sources",
        "/search?q=alert",
        "/search?q=script",
        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/?source=" + items[0]["source_id"],
        *(f"/story/{s['id']}" for s in stories),
        *(f"/item/{i['id']}" for i in items),
    ]


def test_no_page_carries_live_code(xss_client: Client) -> None:
    for path in _pages(xss_client):
        response = xss_client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert audit(response.text) == [], path


def test_feeds_out_are_well_formed_and_plain(xss_client: Client) -> None:
    stories = xss_client.get("/api/v1/stories").json()["stories"]
    for path in ["/feeds/stories", f"/feeds/story/{stories[0]['id']}", "/feeds/search"]:
        for ext in ("atom", "rss"):
            body = xss_client.get(f"{path}.{ext}", params={"q": "alert"}).content
            root = ElementTree.fromstring(body)  # well-formed XML, escaped text
            text = " ".join(root.itertext())
            assert "<script" not in text and "onerror" not in text
            links = [
                (el.get("href") or el.text or "").strip().lower()
                for el in root.iter()
                if el.tag.endswith("link")
            ]
            assert not [link for link in links if link.startswith(("javascript", "data"))]
        feed = json.loads(xss_client.get(f"{path}.json", params={"q": "alert"}).content)
        for entry in feed["items"]:
            assert audit(entry["content_html"]) == []
            assert entry["url"].startswith("http")


def test_api_answers_are_json_not_html(xss_client: Client) -> None:
    response = xss_client.get("/api/v1/search", params={"q": "alert"})
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "<style>body{}</style><div style='x:expression(alert(1))'>",
        "<iframe srcdoc='<script>alert(1)</script>'>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_sanitiser_corpus(text: str) -> None:
    assert audit(str(clean_html(text))) == []
    # plain_text's output is escaped by the templates; it must still lose the markup itself.
    assert "<script" not in plain_text(text) and "onerror" not in plain_text(text)


def test_safe_url() -> None:
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "//evil",
                "https://a.b/\"onmouseover=x", "vbscript:x", "/relative"]:
        assert safe_url(bad) is None


def test_plain_text_fast_path_agrees_with_nh3() -> None:
    import html
    import random

    import nh3

    from storyline.serve import security

    rng = random.Random(6)
    alphabet = "ab Z9.,;:'\"=/`()[]{}!?é’“—\t\x0b\u2028\u200b" + "<>&\r\0\xa0\ufeff"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        allowed = security._ALLOWED_TAGS
        assert str(security.clean_html(text)) == nh3.clean(
            text, tags=allowed, attributes={}, link_rel=None
        )
        assert security.plain_text(text) == html.unescape(
            nh3.clean(text, tags=set(), attributes={})
        )
