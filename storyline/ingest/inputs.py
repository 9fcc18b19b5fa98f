"""Reading raw input from a path, a URL or standard input, as bytes with a source record.

Network I/O goes through an injected ``httpx`` transport, so tests use ``httpx.MockTransport``
and nothing here keeps module-level connection pools.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import httpx

from storyline import __version__
from storyline.ids import source_id
from storyline.model import Source

MAX_BYTES = 50 * 1024 * 1024
USER_AGENT = f"storyline/{__version__} (+https://github.com/storyline-news/storyline)"


class InputError(Exception):
    """An input that cannot be read at all; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class RawInput:
    """The bytes of one input and what is known about them before parsing."""

    source: Source
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How URLs are fetched."""

    timeout: float = 20.0
    max_bytes: int = MAX_BYTES
    allow_private: bool = False
    max_redirects: int = 5


def is_url(location: str) -> bool:
    """Whether a location names an http(s) URL rather than a file."""
    return location.startswith(("http://", "https://"))


def describe(location: str, name: str | None = None) -> Source:
    """The source record for a location (``-`` is standard input)."""
    if location == "-":
        return Source(
            id=source_id("stdin", name or "stdin"), name=name or "stdin", kind="stdin", location="-"
        )
    if is_url(location):
        host = urlsplit(location).hostname or location
        return Source(
            id=source_id("url", location), name=name or host, kind="url", location=location
        )
    path = Path(location).expanduser().resolve()
    return Source(
        id=source_id("file", str(path)), name=name or path.name, kind="file", location=str(path)
    )


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(address: str) -> str:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), else the address.

    ``ipaddress`` calls such IPv6 addresses global although they reach loopback or the
    metadata service, so the check must look at the IPv4 address inside.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            return str(ip.sixtofour)
        if ip in _NAT64 or ip in _NAT64_LOCAL:
            return str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return str(ip)


def check_public(url: str, resolve: Callable[[str], list[str]]) -> None:
    """Refuse a URL whose host resolves to a loopback, private, link-local or reserved address.

    Raises :class:`InputError`; an answer that is not an address at all is refused too.
    """
    host = urlsplit(url).hostname
    if not host:
        raise InputError(f"{url}: no host in URL")
    try:
        addresses = resolve(host)
    except OSError as exc:
        raise InputError(f"{url}: cannot resolve {host}: {exc}") from exc
    check_addresses(url, addresses)


def check_addresses(url: str, addresses: list[str]) -> None:
    """Refuse if any of the addresses a URL's host resolved to is not public."""
    for address in addresses:
        try:
            ips = {ipaddress.ip_address(address), ipaddress.ip_address(embedded_ipv4(address))}
        except ValueError as exc:
            raise InputError(f"{url}: cannot check address {address!r}: {exc}") from exc
        for ip in sorted(ips, key=str):
            if not ip.is_global:
                raise InputError(
                    f"{url}: refused to fetch a private or local address ({ip}); "
                    "allow it with --allow-private"
                )


def resolve_host(host: str) -> list[str]:
    """Every address the host name resolves to."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


def read_input(
    location: str,
    *,
    name: str | None = None,
    stdin: BinaryIO | None = None,
    transport: httpx.BaseTransport | None = None,
    settings: FetchSettings | None = None,
    resolve: Callable[[str], list[str]] = resolve_host,
) -> RawInput:
    """Read one input completely. Raises :class:`InputError` with a one-line reason."""
    settings = settings or FetchSettings()
    source = describe(location, name)
    if source.kind == "stdin":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return RawInput(source, stream.read(settings.max_bytes + 1)[: settings.max_bytes])
    if source.kind == "url":
        return RawInput(source, *_fetch(location, transport, settings, resolve))
    path = Path(source.location)
    try:
        if path.is_dir():
            raise InputError(f"{location}: is a directory")
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise InputError(f"{location}: {size} bytes is over the limit of {settings.max_bytes}")
        return RawInput(source, path.read_bytes())
    except FileNotFoundError as exc:
        raise InputError(f"{location}: no such file") from exc
    except PermissionError as exc:
        raise InputError(f"{location}: permission denied") from exc
    except OSError as exc:
        raise InputError(f"{location}: cannot read: {exc.strerror or exc}") from exc


def _fetch(
    url: str,
    transport: httpx.BaseTransport | None,
    settings: FetchSettings,
    resolve: Callable[[str], list[str]],
) -> tuple[bytes, str | None]:
    # Redirects are followed by hand so that every hop passes the private-address check.
    if transport is None and not settings.allow_private:
        # Connections go only to the addresses that passed the check (no DNS rebinding).
        from storyline.ingest.netguard import guarded_transport

        transport = guarded_transport(resolve)
    with httpx.Client(
        transport=transport,
        timeout=settings.timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    ) as client:
        for _ in range(settings.max_redirects + 1):
            if not settings.allow_private:
                check_public(url, resolve)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code >= 400:
                        raise InputError(f"{url}: HTTP {response.status_code}")
                    chunks: list[bytes] = []
                    total = 0
                    for chunk in response.iter_bytes():
                        total += len(chunk)
                        if total > settings.max_bytes:
                            raise InputError(f"{url}: body over {settings.max_bytes} bytes")
                        chunks.append(chunk)
                    return b"".join(chunks), response.headers.get("content-type")
            except httpx.HTTPError as exc:
                raise InputError(f"{url}: {type(exc).__name__}: {exc}") from exc
        raise InputError(f"{url}: more than {settings.max_redirects} redirects")
