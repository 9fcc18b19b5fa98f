"""The SSRF guard for watched sources: refuse URLs whose host resolves to a non-public address.

The check itself is :func:`storyline.ingest.inputs.check_public`, the one the ingest uses (it
also sees IPv4 addresses hidden inside IPv6 ones); this module adds the refusal of every scheme
but http(s), so a redirect cannot lead to ``file:``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from storyline.ingest.inputs import InputError, check_public, resolve_host

Resolver = Callable[[str], list[str]]

class GuardError(Exception):
    """A URL the fetcher refuses to request; the message says why in one line."""


def check_url(url: str, *, allow_private: bool, resolve: Resolver = resolve_host) -> None:
    """Raise :class:`GuardError` unless ``url`` is http(s) and (if not allowed) public."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise GuardError(f"{url}: refused: only http and https URLs are fetched")
    if allow_private:
        return
    try:
        check_public(url, resolve)
    except InputError as exc:
        raise GuardError(str(exc)) from exc
