"""Reconciling an item's publication date from its feed, its page and its URL.

Publishers get dates wrong: a time zone off by hours, a date in the future that pins an item
to the top, a recycled entry dated years back. The rules, in order:

1. Candidates are the feed's date, the page's metadata date (when the full text was fetched)
   and a date in the URL path (``/2020/11/17/``, day precision).
2. A candidate in the future (beyond a small clock-skew tolerance) is flagged and not used.
3. A candidate long before the item was first seen is flagged and not used, except on a
   source's first fetch: a feed's first read carries its backlog, which is legitimately old.
4. The first trusted candidate wins, feed before page before URL. When the feed and the URL
   disagree by more than a day, the item is flagged so a person can look.
5. With no trusted candidate, the first-seen time stands, marked as estimated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from storyline.model import Item

# /2020/11/17/, /2020-11-17/, /20201117/ and similar in the path, with plausible years.
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)"
)
_ESTIMATE_FLAGS = ("published: ingest time", "published: date given for the whole input")


@dataclass(frozen=True, slots=True)
class DateSettings:
    """Tolerances of date reconciliation."""

    future_tolerance: timedelta = timedelta(minutes=15)
    max_age: timedelta = timedelta(days=30)
    disagreement: timedelta = timedelta(days=1, hours=12)


def url_date(url: str | None) -> datetime | None:
    """The date written in a URL's path, at midnight UTC, or None."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for match in _URL_DATE.finditer(path):
        year, month, day = (int(g) for g in match.groups())
        try:
            return datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            continue
    return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def reconcile(
    item: Item,
    *,
    page_date: datetime | None = None,
    first_fetch: bool = False,
    settings: DateSettings | None = None,
) -> Item:
    """Set the item's publication date from its candidates and flag the doubtful ones.

    ``item.published`` is taken as the feed's date unless ``published_estimated`` says it is
    only the ingest time. Mutates and returns the item.
    """
    settings = settings or DateSettings()
    first_seen = _aware(item.first_seen or datetime.now(UTC))
    candidates: list[tuple[str, datetime]] = []
    if item.published is not None and not item.published_estimated:
        candidates.append(("feed", _aware(item.published)))
    if page_date is not None:
        candidates.append(("page", _aware(page_date)))
    from_url = url_date(item.url)
    if from_url is not None:
        candidates.append(("URL", from_url))
    flags: list[str] = []
    trusted: list[tuple[str, datetime]] = []
    for origin, when in candidates:
        # A URL date is a day, which begins up to 14 hours earlier east of UTC.
        earliest = when - timedelta(days=1) if origin == "URL" else when
        if earliest > first_seen + settings.future_tolerance:
            flags.append(f"published: {origin} date {when:%Y-%m-%d %H:%M} is in the future")
        elif not first_fetch and first_seen - when > settings.max_age:
            flags.append(
                f"published: {origin} date {when:%Y-%m-%d} is {(first_seen - when).days} days "
                "before the item was first seen"
            )
        else:
            trusted.append((origin, when))
    by_origin = dict(trusted)
    if "feed" in by_origin and "URL" in by_origin:
        gap = abs(by_origin["feed"] - by_origin["URL"])
        if gap > settings.disagreement:
            flags.append(
                f"published: feed says {by_origin['feed']:%Y-%m-%d}, "
                f"URL says {by_origin['URL']:%Y-%m-%d}"
            )
    kept = [f for f in item.flags if not f.startswith(_ESTIMATE_FLAGS)]
    if trusted:
        origin, when = trusted[0]
        item.published = when
        item.published_estimated = False
        if origin != "feed":
            kept.append(
                f"published: from the {origin}" + (" (day only)" if origin == "URL" else "")
            )
    elif candidates:
        # Every date the publisher gave was doubtful: the first-seen time stands in.
        item.published = first_seen
        item.published_estimated = True
        kept.append("published: first seen (publisher's dates not trusted)")
    else:
        kept = list(item.flags)  # nothing to reconcile: the parser's own note stays
    item.flags = [*kept, *flags]
    return item
