"""HTML pages: article pages to full text, listing pages to teasers, homepages to their feeds.

Article pages go to trafilatura (text, author, date, canonical URL). Listing pages (front
pages, section pages) are a row of teaser blocks, which trafilatura does not split: each
block is found from its headline link, and its teaser, kicker and image are read from the
block around it. Feed autodiscovery reads ``<link rel="alternate">``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

# lxml ships no type information; the ignore stays harmless if stubs are installed later.
import lxml.html  # type: ignore[import-untyped, unused-ignore]
from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from storyline.ids import canonical_url
from storyline.ingest.detect import decode_text
from storyline.ingest.records import ParseContext, Parsed, build_item
from storyline.model import Fact, MediaType

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "text/xml")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_HEADINGS = ("h1", "h2", "h3", "h4")
_KICKER_CLASS = re.compile(r"kicker|overline|eyebrow|topline|rubric|flag|label|category", re.I)
_TEASER_CLASS = re.compile(r"teaser|summary|dek|standfirst|excerpt|description|lead|intro", re.I)
_DROP = ("script", "style", "noscript", "template", "nav", "footer", "form", "svg")
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Teaser:
    """One teaser block of a listing page."""

    headline: str
    url: str | None  # None for a relative link on a page with no known address
    teaser: str = ""
    kicker: str | None = None
    image: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An article page's text and metadata."""

    title: str
    text: str
    url: str
    author: list[str] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    description: str = ""


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Page bytes as text: valid UTF-8 wins (declarations are often wrong), then the declared
    charset (header, then ``<meta>``), then detection."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = None
    if content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    if declared is None:
        match = _CHARSET.search(data[:4096])
        declared = match.group(1).decode("ascii", "replace") if match else None
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _document(data: bytes, content_type: str | None) -> Any:
    text = decode_html(data, content_type)
    # lxml refuses a str that carries an XML encoding declaration; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return lxml.html.document_fromstring(text or "<html></html>")
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html></html>")


def _text(element: Any) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


def _base(doc: Any, url: str) -> str:
    hrefs = doc.xpath("//base/@href")
    return urljoin(url, str(hrefs[0])) if hrefs else url


def discover_feeds(data: bytes, url: str, content_type: str | None = None) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    doc = _document(data, content_type)
    base = _base(doc, url)
    found: list[str] = []
    for link in doc.xpath("//link[@href]"):
        rel = str(link.get("rel", "")).lower().split()
        kind = str(link.get("type", "")).lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            href = urljoin(base, str(link.get("href")).strip())
            if href not in found and href.startswith(("http://", "https://")):
                found.append(href)
    return found


def _meta(doc: Any, *names: str) -> str | None:
    for name in names:
        values = doc.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
        if values and str(values[0]).strip():
            return str(values[0]).strip()
    return None


def _json_ld_types(doc: Any) -> set[str]:
    types: set[str] = set()
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                kind = node.get("@type")
                for value in kind if isinstance(kind, list) else [kind]:
                    if isinstance(value, str):
                        types.add(value.lower())
                stack.extend(v for k, v in node.items() if k == "@graph")
    return types


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _language(doc: Any) -> str | None:
    value = doc.get("lang") or _meta(doc, "og:locale", "content-language", "language")
    if not value:
        return None
    code = str(value).replace("_", "-").split("-")[0].lower()
    return code[:8] if code.isalpha() else None


def is_article(data: bytes, content_type: str | None = None) -> bool:
    """Whether a page is one article rather than a listing of many."""
    doc = _document(data, content_type)
    if (_meta(doc, "og:type") or "").lower() == "article":
        return True
    if _json_ld_types(doc) & _ARTICLE_TYPES:
        return True
    return len(_teasers(doc, "http://page.invalid/")) < 3


def extract_article(data: bytes, url: str, content_type: str | None = None) -> Article | None:
    """The text and metadata of an article page, or None when no main text is found."""
    import trafilatura  # imported here: it is slow to import and only pages need it

    doc = _document(data, content_type)
    result = trafilatura.bare_extraction(
        lxml.html.tostring(doc, encoding="unicode"),
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    if result is None or isinstance(result, dict):
        return None
    text = (result.text or "").strip()
    if not text:
        return None
    # Page metadata carries the time of day; trafilatura's date is the day alone.
    published = _parse_date(
        _meta(doc, "article:published_time", "datePublished", "dc.date", "date")
    ) or _parse_date(result.date)
    canonical = result.url if result.url and result.url.startswith("http") else url
    authors = [a.strip() for a in re.split(r";|\band\b", result.author or "") if a.strip()]
    return Article(
        title=_SPACE.sub(" ", result.title or "").strip(),
        text=text,
        url=canonical,
        author=authors,
        published=published,
        language=_language(doc),
        description=_SPACE.sub(" ", result.description or "").strip(),
    )


def _headline_link(heading: Any) -> Any | None:
    links = heading.xpath(".//a[@href]")
    if links:
        return links[0]
    parent = heading.getparent()
    while parent is not None and parent.tag not in ("body", "html"):
        if parent.tag == "a" and parent.get("href"):
            return parent
        parent = parent.getparent()
    return None


def _block(heading: Any) -> Any:
    # The teaser block is the largest ancestor that holds this headline and no other.
    block = heading
    for _ in range(5):
        parent = block.getparent()
        if parent is None or parent.tag in ("body", "html", "main"):
            break
        if len(parent.xpath(" | ".join(f".//{h}" for h in _HEADINGS))) > 1:
            break
        block = parent
    return block


def _kicker(block: Any, heading: Any) -> str | None:
    for element in block.iter():
        if not isinstance(element.tag, str) or element is heading:
            continue
        if _KICKER_CLASS.search(str(element.get("class", ""))):
            text = _text(element)
            if 0 < len(text) <= 60:
                return text.rstrip(":").strip()
    return None


def _teaser_text(block: Any, heading: Any, headline: str) -> str:
    candidates = [e for e in block.iter() if _TEASER_CLASS.search(str(e.get("class", "")))]
    candidates += block.xpath(".//p")
    for element in candidates:
        if element is heading or heading in element.iterancestors():
            continue
        text = _text(element)
        if len(text) >= 20 and text != headline and headline not in text:
            return text
    return ""


def _image(block: Any, base: str) -> str | None:
    for img in block.xpath(".//img"):
        src = str(img.get("src") or img.get("data-src") or "")
        if not src and img.get("srcset"):
            src = str(img.get("srcset")).split(",")[0].split()[0]
        if src and not src.startswith("data:"):
            return urljoin(base, src)
    return None


def _teasers(doc: Any, url: str) -> list[Teaser]:
    base = _base(doc, url)
    page = canonical_url(url)
    for element in doc.xpath(" | ".join(f"//{tag}" for tag in _DROP)):
        element.drop_tree()
    out: list[Teaser] = []
    seen: set[str] = set()
    for heading in doc.xpath(" | ".join(f"//{h}" for h in _HEADINGS)):
        link = _headline_link(heading)
        if link is None:
            continue
        href = urljoin(base, str(link.get("href")).strip())
        canon = canonical_url(href)
        # A page read from a file has no base URL: its relative links still tell teasers
        # apart, though they cannot be followed.
        key = canon or (href if not base else None)
        if key is None or key == page or key in seen:
            continue
        block = _block(heading)
        kicker = _kicker(block, heading)
        headline = _text(heading)
        if kicker and headline.startswith(kicker):
            headline = headline[len(kicker) :].lstrip(" :|–-").strip()
        if len(headline) < 12 or len(headline.split()) < 3:
            continue  # section titles and "More" links, not headlines
        seen.add(key)
        out.append(
            Teaser(
                headline=headline,
                url=href if canon else None,
                teaser=_teaser_text(block, heading, headline),
                kicker=kicker,
                image=_image(block, base),
            )
        )
    return out


def extract_teasers(data: bytes, url: str, content_type: str | None = None) -> list[Teaser]:
    """One teaser per headline link of a listing page, in page order."""
    return _teasers(_document(data, content_type), url)


def _media(teaser: Teaser) -> MediaType:
    tag = (teaser.kicker or "").lower() + " " + teaser.headline[:12].lower()
    if "video" in tag:
        return MediaType.VIDEO
    if "audio" in tag or "podcast" in tag:
        return MediaType.AUDIO
    return MediaType.TEXT


def parse_page(
    data: bytes, ctx: ParseContext, url: str, content_type: str | None = None
) -> tuple[str, Parsed]:
    """Items from an HTML page: one per teaser of a listing page, or one for an article page.

    Returns ``("listing" | "article", parsed)``.
    """
    parsed = Parsed()
    if not is_article(data, content_type):
        for teaser in extract_teasers(data, url, content_type):
            item = build_item(
                ctx,
                raw_text=f"{teaser.headline}\n{teaser.teaser}".strip(),
                headline=teaser.headline,
                teaser=teaser.teaser,
                url=teaser.url,
                kicker=teaser.kicker,
                media_type=_media(teaser),
            )
            if teaser.image:
                item.facts.append(
                    Fact("image", teaser.image, field="image", component="fetch.html")
                )
            parsed.items.append(item)
        if not parsed.items:
            parsed.rejected.append(f"{ctx.source_name}: an HTML page with no teasers found")
        return "listing", parsed
    article = extract_article(data, url, content_type)
    if article is None or not article.title:
        parsed.rejected.append(f"{ctx.source_name}: an HTML page with no article text found")
        return "article", parsed
    lead = article.description or article.text.split("\n", 1)[0][:300]
    parsed.items.append(
        build_item(
            ctx,
            raw_text=f"{article.title}\n{lead}".strip(),
            headline=article.title,
            teaser=lead if lead != article.title else "",
            body=article.text,
            url=article.url,
            published=article.published,
            language=article.language,
            authors=article.author,
        )
    )
    return "article", parsed


def same_site(url: str, other: str) -> bool:
    """Whether two URLs share a host (feed autodiscovery prefers the site's own feed)."""
    return (urlsplit(url).hostname or "") == (urlsplit(other).hostname or "")
