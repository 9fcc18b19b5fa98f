import re
from pathlib import Path

import pytest

from storyline.ingest.feeds import check_xml_safety, html_to_text, parse_feed
from storyline.ingest.records import ParseContext
from storyline.model import MediaType

from .conftest import NOW

MALFORMED = {"jmanuelbr-elpais.xml", "rssparser-uolNoticias.rss", "feedjira-TechCrunch.xml"}


def ctx(name: str) -> ParseContext:
    return ParseContext("src-" + name, name, NOW)


def raw_entry_count(data: bytes) -> int:
    """Entries counted from the raw bytes, independently of feedparser."""
    return len(re.findall(rb"<item[\s>]", data)) + len(re.findall(rb"<entry[\s>]", data))


def test_every_shared_feed_gives_all_its_items(shared_data: Path) -> None:
    feeds = sorted((shared_data / "feeds").iterdir())
    assert len(feeds) == 12
    for path in feeds:
        data = path.read_bytes()
        parsed = parse_feed(data, ctx(path.name))
        assert len(parsed.items) == raw_entry_count(data), path.name
        assert not parsed.rejected, path.name
        assert all(item.headline for item in parsed.items), path.name
        if path.name in MALFORMED:
            assert len(parsed.warnings) == 1, path.name
            assert parsed.warnings[0].startswith(f"{path.name}: malformed feed")
            assert "\n" not in parsed.warnings[0]
        else:
            assert parsed.warnings == [], path.name


def test_feed_fields_are_plain_text_with_dates_and_links(shared_data: Path) -> None:
    path = shared_data / "feeds" / "jmanuelbr-nytimes.xml"
    parsed = parse_feed(path.read_bytes(), ctx(path.name))
    item = parsed.items[0]
    assert item.headline.startswith("Protesters Attack U.S. Embassy in Iraq")
    assert "<" not in item.teaser and item.teaser
    assert item.url is not None and item.url.startswith("https://www.nytimes.com/")
    assert item.published is not None
    assert item.published.isoformat() == "2020-01-01T03:39:18+00:00"
    assert not item.published_estimated
    assert item.language == "en"
    assert all("<" not in i.teaser for i in parsed.items)


def test_latin1_feed_without_declaration_is_decoded(shared_data: Path) -> None:
    path = shared_data / "feeds" / "rssparser-uolNoticias.rss"
    parsed = parse_feed(path.read_bytes(), ctx(path.name))
    assert any("ç" in item.headline or "ã" in item.headline for item in parsed.items)
    assert all("\ufffd" not in item.headline for item in parsed.items)


def test_atom_feed(shared_data: Path) -> None:
    path = shared_data / "feeds" / "rssparser-heise.atom"
    parsed = parse_feed(path.read_bytes(), ctx(path.name))
    assert len(parsed.items) == 15
    assert parsed.items[0].headline == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"


def test_enclosures_set_media_type_authors_and_categories() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>Podcast one</title><description>Listen</description>
    <enclosure url="http://x.org/a.mp3" type="audio/mpeg" length="1"/>
    <author>ann@x.org (Ann)</author><category>Politics</category></item>
    <item><title>A clip</title><enclosure url="http://x.org/a.mp4" type="video/mp4" length="1"/>
    </item>
    <item><title>Photo story</title><enclosure url="http://x.org/a.jpg" type="image/jpeg"
    length="1"/></item></channel></rss>"""
    items = parse_feed(feed, ctx("x")).items
    assert [i.media_type for i in items] == [MediaType.AUDIO, MediaType.VIDEO, MediaType.TEXT]
    assert items[0].categories == ["Politics"]
    assert items[0].authors


def test_billion_laughs_and_external_entities_are_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss version="2.0"><channel>
    <item><title>&b;</title></item></channel></rss>"""
    parsed = parse_feed(bomb, ctx("bomb.xml"))
    assert parsed.items == []
    assert parsed.rejected == ["bomb.xml: refused unsafe XML: EntitiesForbidden"]
    xxe = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>"""
    assert parse_feed(xxe, ctx("xxe.xml")).items == []


def test_public_doctype_without_entities_is_fine() -> None:
    check_xml_safety(
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"></rss>'
    )


def test_not_a_feed_is_rejected() -> None:
    parsed = parse_feed(b"<?xml version='1.0'?><note>hi</note>", ctx("note.xml"))
    assert parsed.items == []
    assert parsed.rejected and "not a feed" in parsed.rejected[0]


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>One</p><p>Two &amp; three</p>", "One Two & three"),
        ("a<script>alert(1)</script>b", "ab"),
        ("<style>p{}</style>Text", "Text"),
        ("plain  text", "plain text"),
        ("5 &lt; 6", "5 < 6"),
    ],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text
