"""Deterministic identifiers: the reason re-ingesting anything is idempotent.

An item's id is a hash of its canonical URL when it has one, else of its source and its
normalised text. A source's id is a hash of where it lives.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them makes syndicated links agree.
_TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|mc_cid|mc_eid|ocid|cmpid|ref|ref_src|smid|smtyp|"
    r"at_medium|at_campaign|rss|cid|partner|feature|_ga)$",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def _digest(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def normalise_text(text: str) -> str:
    """Text folded for comparison: NFKC, lower case, quotes unified, white space collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return _SPACE.sub(" ", text).strip()


def canonical_url(url: str | None) -> str | None:
    """The URL with tracking parameters, fragments and default ports removed, or None.

    Only http(s) URLs are canonicalised; anything else (a ``tag:`` id, a bare word) gives None,
    because it cannot identify an article across sources.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    netloc = host if port is None or port in (80, 443) else f"{host}:{port}"
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAMS.match(k)
        )
    )
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, ""))


def item_id(source_id: str, text: str, url: str | None = None) -> str:
    """The item's stable id: from its canonical URL, else from its source and normalised text."""
    canon = canonical_url(url)
    if canon:
        return "i" + _digest("url:" + canon)
    return "i" + _digest(f"text:{source_id}:{normalise_text(text)}")


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for exact copies, whatever their source or URL."""
    return _digest(normalise_text(text), 32)


def source_id(kind: str, location: str) -> str:
    """The stable id of a source (``kind`` is file, url or stdin)."""
    return "src" + _digest(f"{kind}:{location}", 12)
