"""Connections pinned to checked addresses, closing the gap DNS rebinding would open.

Checking a host name and then letting httpx resolve it again leaves a window: a DNS server
can answer with a public address for the check and a private one for the connection. Here the
network backend under httpx resolves the name once, refuses any answer that is not public,
and connects to the very address it checked. TLS still verifies the certificate against the
host name (httpcore passes the URL's host as the server name, not the connected address).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable

import anyio.to_thread
import httpcore
import httpx

from storyline.ingest.inputs import InputError, check_addresses

Resolver = Callable[[str], list[str]]


def _public_address(host: str, port: int, resolve: Resolver) -> str:
    try:
        addresses = resolve(host)
        check_addresses(f"{host}:{port}", addresses)
    except (InputError, OSError) as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    if not addresses:
        raise httpcore.ConnectError(f"{host}: no address")
    return addresses[0]


class GuardedBackend(httpcore.NetworkBackend):
    """A blocking network backend that connects only to public addresses it resolved."""

    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check, then connect to the checked address."""
        address = _public_address(host, port, self.resolve)
        return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Unix sockets are local by nature: refused."""
        raise httpcore.ConnectError(f"{path}: refused to connect to a local socket")

    def sleep(self, seconds: float) -> None:
        """Sleep as the default backend does."""
        self._inner.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """The asyncio/anyio twin of :class:`GuardedBackend`; resolution runs in a thread."""

    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check, then connect to the checked address."""
        address = await anyio.to_thread.run_sync(_public_address, host, port, self.resolve)
        return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are local by nature: refused."""
        raise httpcore.ConnectError(f"{path}: refused to connect to a local socket")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the default backend does."""
        await self._inner.sleep(seconds)


# httpx has no public option for the network backend, so the transport's connection pool is
# replaced by one built with the guarded backend (httpx's transports keep it in ``_pool``).
# A test connects through these transports, so a change in httpx cannot pass unnoticed.


def guarded_transport(resolve: Resolver, limits: httpx.Limits | None = None) -> httpx.HTTPTransport:
    """A blocking transport whose connections go only to checked public addresses."""
    limits = limits or httpx.Limits()
    transport = httpx.HTTPTransport(limits=limits)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(resolve),
    )
    return transport


def async_guarded_transport(
    resolve: Resolver, limits: httpx.Limits | None = None
) -> httpx.AsyncHTTPTransport:
    """An async transport whose connections go only to checked public addresses."""
    limits = limits or httpx.Limits()
    transport = httpx.AsyncHTTPTransport(limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=AsyncGuardedBackend(resolve),
    )
    return transport
