"""Feed autodiscovery: given a homepage, watch the feed it announces rather than the page.

A feed carries dates, summaries and stable links that a page's teasers lack, so when a page
names its feed in ``<link rel="alternate">`` that feed is the better source. A page without
one is watched as a listing page (one item per teaser).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from storyline.fetch.fetcher import OK, FetcherSettings, FetchRequest, fetch_all
from storyline.fetch.guard import Resolver
from storyline.ingest import html
from storyline.ingest.detect import Format, detect_format
from storyline.ingest.inputs import resolve_host


@dataclass(frozen=True, slots=True)
class Discovery:
    """What to watch for a URL the user gave, and why."""

    url: str
    kind: str  # "feed", "page", "unknown" (could not be fetched: watched as given)
    note: str


def discover(
    url: str,
    *,
    allow_private: bool = False,
    settings: FetcherSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolver = resolve_host,
) -> Discovery:
    """Fetch ``url`` once and decide what to watch: it, or the feed its page announces."""
    settings = settings or FetcherSettings(retries=0)
    (result,) = fetch_all(
        [FetchRequest(url, allow_private=allow_private)],
        settings,
        transport=transport,
        resolve=resolve,
    )
    if result.outcome != OK:
        return Discovery(url, "unknown", f"could not check it now ({result.error})")
    fmt = detect_format(result.data, url, result.content_type)
    if fmt is not Format.HTML:
        return Discovery(url, "feed", f"a {fmt} source")
    feeds = html.discover_feeds(result.data, result.final_url or url, result.content_type)
    if feeds:
        # The site's own feed first: some pages also link feeds of other sites.
        own = [f for f in feeds if html.same_site(f, url)]
        chosen = (own or feeds)[0]
        others = len(feeds) - 1
        note = f"the page announces its feed {chosen}" + (
            f" ({others} more announced)" if others else ""
        )
        return Discovery(chosen, "feed", note)
    return Discovery(url, "page", "an HTML page without a feed: one item per teaser")
