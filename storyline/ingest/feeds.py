"""RSS 0.9x/1.0/2.0 and Atom feeds, through feedparser.

feedparser reads what publishers actually send, malformed or not; its complaints become one
warning naming the source. Before it runs, defusedxml refuses entity tricks (billion laughs,
external entities) that feedparser's own XML parser would otherwise expand.
"""

from __future__ import annotations

import calendar
import html
import re
import time
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

import feedparser
import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from storyline.ingest.records import ParseContext, Parsed, build_item
from storyline.model import MediaType

# Block-level tags end a sentence or a paragraph: keep a space where they stood, so that
# "<p>one</p><p>two</p>" does not become "onetwo" once the tags are gone.
_BLOCK_TAGS = re.compile(
    r"<\s*(br|/p|p|/div|div|/li|li|/h[1-6]|tr|/tr|td|blockquote)\b[^>]*>", re.IGNORECASE
)
_SPACE = re.compile(r"\s+")


class UnsafeXMLError(ValueError):
    """An XML document that declares entities or external references."""


def html_to_text(fragment: str) -> str:
    """Plain text from an HTML fragment of a feed: tags and scripts dropped, entities decoded."""
    if "<" not in fragment and "&" not in fragment:
        return _SPACE.sub(" ", fragment).strip()
    spaced = _BLOCK_TAGS.sub(" ", fragment)
    text = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    return _SPACE.sub(" ", html.unescape(text)).strip()


def check_xml_safety(data: bytes) -> None:
    """Raise :class:`UnsafeXMLError` if the document declares entities or external references.

    Malformed documents pass: refusing them is feedparser's job, which does its best.
    """
    try:
        defused_fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXMLError(f"refused unsafe XML: {type(exc).__name__}") from exc
    except (ParseError, ValueError, SyntaxError):
        pass


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get skips feedparser's deprecated key aliasing (it warns on every access).
        value = dict.get(entry, key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _media_type(entry: Any) -> MediaType:
    # Only audio and video change what an item is; an image enclosure is usually a thumbnail.
    types = [str(e.get("type", "")) for e in entry.get("enclosures", [])]
    types += [str(m.get("type", "") or m.get("medium", "")) for m in entry.get("media_content", [])]
    for kind in types:
        if kind.startswith("video"):
            return MediaType.VIDEO
        if kind.startswith("audio"):
            return MediaType.AUDIO
    return MediaType.TEXT


def _authors(entry: Any) -> list[str]:
    names = [str(a.get("name", "")).strip() for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [str(entry["author"]).strip()]
    return [n for n in dict.fromkeys(names) if n]


def _body(entry: Any, teaser: str) -> str:
    contents = entry.get("content") or []
    texts = [html_to_text(str(c.get("value", ""))) for c in contents]
    best = max(texts, key=len, default="")
    return best if len(best) > len(teaser) + 20 else ""


def parse_feed(data: bytes, ctx: ParseContext) -> Parsed:
    """Items from a feed, with a warning if the feed is malformed."""
    parsed = Parsed()
    try:
        check_xml_safety(data)
    except UnsafeXMLError as exc:
        parsed.rejected.append(f"{ctx.source_name}: {exc}")
        return parsed
    # feedparser would fetch a string that looks like a URL; bytes are always parsed as content.
    result = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if result.get("bozo"):
        problem = result.get("bozo_exception")
        reason = str(problem).splitlines()[0] if problem else "unknown problem"
        parsed.warnings.append(
            f"{ctx.source_name}: malformed feed ({type(problem).__name__}: {reason}); "
            f"read {len(result.entries)} items with best effort"
        )
    language = result.feed.get("language") or None
    if language:
        language = str(language).split("-")[0].lower()[:8] or None
    if not result.entries and not result.get("version"):
        parsed.rejected.append(f"{ctx.source_name}: not a feed: no RSS or Atom structure found")
        return parsed
    for number, entry in enumerate(result.entries, start=1):
        headline = html_to_text(str(entry.get("title", "")))
        teaser = html_to_text(str(entry.get("summary", "")))
        if teaser == headline:
            teaser = ""
        if not headline and not teaser:
            parsed.rejected.append(f"{ctx.source_name}: entry {number}: no title and no summary")
            continue
        if not headline:
            headline, teaser = teaser, ""
        link = entry.get("link") or None
        parsed.items.append(
            build_item(
                ctx,
                raw_text=f"{headline}\n{teaser}".strip(),
                headline=headline,
                teaser=teaser,
                body=_body(entry, teaser),
                url=str(link) if link else None,
                published=_entry_time(entry),
                media_type=_media_type(entry),
                language=language,
                authors=_authors(entry),
                categories=[str(t.get("term")) for t in entry.get("tags", []) if t.get("term")],
            )
        )
    return parsed
