"""Options of the web server, in one frozen object (no global configuration)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """How the server behaves. The defaults suit a server on one's own machine."""

    # Reads (pages, API, feeds) need a token too: for a server reachable by others.
    read_token_required: bool = False
    # Where the search index lives [default: beside the SQLite file, ``<db>.search/``].
    search_dir: Path | None = None
    # How often the server brings the search index up to date with the database.
    index_every_seconds: float = 10.0
    # Catch up the index at startup (tests on a fresh store may skip it for speed).
    index_on_startup: bool = True
    # Largest posted listing or feed, in bytes.
    max_post_bytes: int = 10_000_000
    # Items per page on lists and stories per front page.
    page_size: int = 30
    # Worker threads for requests (each page is a blocking database read). Few: the work is
    # mostly Python under one GIL, and more threads than the store's pool of 5 idle SQLite
    # connections open and close a connection (pragmas, schema) on every request.
    threads: int = 4
    # Reuse responses until the data changes (checked at most once a second).
    cache_responses: bool = True
    # Sources added through the API may ask to reach loopback or private addresses
    # (``allow_private``): off, so a token holder cannot point the fetcher at the LAN.
    allow_private_sources: bool = False
    # Name shown in the page header and feeds.
    site_title: str = "storyline"
