"""Fetching watched URLs politely and defensively, on httpx with an injected transport.

One :class:`Fetcher` serves one pass: a shared ``httpx.AsyncClient``, a global concurrency
limit and a per-host limit. Each request is a conditional GET (ETag, Last-Modified); redirects
are followed by hand so that every hop passes the SSRF guard; the body is read raw and
decompressed here, chunk by bounded chunk, so the size limit applies to the decoded bytes and
a decompression bomb stops at the limit instead of filling memory. Transient failures (network
errors, stalls, 5xx, a short 429) are retried with exponential backoff and jitter; anything
else is returned as a one-line error for the scheduler to record.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import threading
import time
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from storyline.fetch.guard import GuardError, Resolver, check_url
from storyline.ingest.inputs import USER_AGENT, resolve_host
from storyline.ingest.netguard import async_guarded_transport

OK = "ok"
NOT_MODIFIED = "not_modified"
ERROR = "error"
SKIPPED = "skipped"

# Content types that can never be a feed or a page: refused before the body is read.
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_RETRY_STATUSES = {500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class FetcherSettings:
    """Limits and manners of the fetcher; the defaults suit hundreds of public feeds."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    # A server trickling a byte a second never trips the read timeout; this cuts it off.
    total_timeout: float = 60.0
    max_bytes: int = 20 * 1024 * 1024  # decoded size: the limit that protects memory
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 2
    retries: int = 2
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    # A Retry-After longer than this is not waited out in the pass: the scheduler honours it.
    max_retry_wait: float = 10.0
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One URL to fetch, with the validators of its last full response."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    allow_private: bool = False
    key: str = ""  # the caller's handle (a source id), returned unchanged


@dataclass(slots=True)
class FetchResult:
    """What one fetch gave: the body, a 304, or a one-line error."""

    request: FetchRequest
    outcome: str  # OK, NOT_MODIFIED, ERROR or SKIPPED (stopped before it started)
    status: int | None = None
    data: bytes = b""
    content_type: str | None = None
    final_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait
    error: str | None = None
    attempts: int = 0
    duration: float = 0.0
    transient: bool = False  # worth retrying soon (network, 5xx, 429)

    @property
    def ok(self) -> bool:
        """True for a body or a 304."""
        return self.outcome in (OK, NOT_MODIFIED)


class _Failure(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def _decoded(chunks: AsyncIterator[bytes], encoding: str, limit: int, url: str) -> bytes:
    """The body decoded from its Content-Encoding, never more than ``limit`` bytes in memory."""
    encoding = encoding.strip().lower()
    decompressor: zlib._Decompress | None
    if encoding in ("", "identity"):
        decompressor = None
    elif encoding in ("gzip", "x-gzip"):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decompressor = zlib.decompressobj()
    else:
        raise _Failure(f"{url}: unsupported content encoding {encoding!r}")
    out = bytearray()
    wire = 0
    try:
        async for chunk in chunks:
            wire += len(chunk)
            if wire > limit:
                raise _Failure(f"{url}: body over {limit} bytes")
            if decompressor is None:
                out += chunk
            else:
                # max_length bounds each step's output: a bomb yields at most limit + 1 bytes.
                data = decompressor.decompress(chunk, limit - len(out) + 1)
                out += data
                while decompressor.unconsumed_tail and len(out) <= limit:
                    out += decompressor.decompress(
                        decompressor.unconsumed_tail, limit - len(out) + 1
                    )
            if len(out) > limit:
                raise _Failure(f"{url}: body over {limit} bytes once decompressed")
        if decompressor is not None:
            out += decompressor.flush()
    except zlib.error as exc:
        raise _Failure(f"{url}: corrupt {encoding} body: {exc}") from exc
    if len(out) > limit:
        raise _Failure(f"{url}: body over {limit} bytes once decompressed")
    return bytes(out)


class Fetcher:
    """Fetches many URLs concurrently within global and per-host limits.

    Use as ``async with Fetcher(...) as fetcher``; the client and its connections live as
    long as the block, so nothing is pooled between passes or at module level.
    """

    def __init__(
        self,
        settings: FetcherSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver = resolve_host,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or FetcherSettings()
        self._transport = transport
        self.resolve_host = resolve
        self._rng = rng or random.Random()
        self._client: httpx.AsyncClient | None = None
        self._private_client: httpx.AsyncClient | None = None
        self._global: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def _limits(self) -> httpx.Limits:
        n = self.settings.concurrency
        return httpx.Limits(max_connections=n, max_keepalive_connections=n)

    def _new_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        s = self.settings
        return httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            # Only what we can decompress ourselves under the size limit.
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            limits=self._limits(),
        )

    async def __aenter__(self) -> Fetcher:
        if self._transport is not None:
            self._client = self._new_client(self._transport)
            self._private_client = self._client
        else:
            # Sources not allowed private addresses connect only to the addresses their check
            # passed, so DNS rebinding between the check and the connection cannot reach in.
            guarded = async_guarded_transport(self.resolve_host, self._limits())
            self._client = self._new_client(guarded)
            self._private_client = self._new_client(None)
        self._global = asyncio.Semaphore(self.settings.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in {id(c): c for c in (self._client, self._private_client) if c}.values():
            await client.aclose()
        self._client = self._private_client = None

    async def fetch_many(
        self, requests: Sequence[FetchRequest], stop: threading.Event | None = None
    ) -> list[FetchResult]:
        """Fetch every request, in order of the input; those not started when ``stop`` is set
        come back as SKIPPED."""
        return list(await asyncio.gather(*(self._limited(r, stop) for r in requests)))

    async def _limited(self, request: FetchRequest, stop: threading.Event | None) -> FetchResult:
        assert self._global is not None, "use the fetcher as an async context manager"
        host = (urlsplit(request.url).hostname or "").lower()
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        async with self._global, per_host:
            if stop is not None and stop.is_set():
                return FetchResult(request, SKIPPED, error="stopped before fetching")
            return await self.fetch(request)

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """Fetch one URL with retries; never raises for anything the network or server does."""
        s = self.settings
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await asyncio.wait_for(self._attempt(request), s.total_timeout)
                result.attempts = attempt
                result.duration = time.monotonic() - started
                return result
            except _Failure as failure:
                error, status, transient = str(failure), failure.status, failure.transient
                retry_after = failure.retry_after
            except TimeoutError:
                error = f"{request.url}: no complete response within {s.total_timeout:g}s"
                status, transient, retry_after = None, True, None
            except httpx.HTTPError as exc:
                reason = str(exc).splitlines()[0] if str(exc) else "no detail"
                error = f"{request.url}: {type(exc).__name__}: {reason}"
                status, transient, retry_after = None, True, None
            wait = self._backoff(attempt)
            if retry_after is not None:
                wait = max(wait, retry_after)
            if not transient or attempt > s.retries or wait > s.max_retry_wait:
                return FetchResult(
                    request,
                    ERROR,
                    status=status,
                    error=error,
                    retry_after=retry_after,
                    attempts=attempt,
                    duration=time.monotonic() - started,
                    transient=transient,
                )
            await asyncio.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        # Exponential with jitter, so that sources failing together do not retry together.
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)

    async def _attempt(self, request: FetchRequest) -> FetchResult:
        assert self._client is not None, "use the fetcher as an async context manager"
        s = self.settings
        url = request.url
        headers: dict[str, str] = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        for _hop in range(s.max_redirects + 1):
            try:
                await asyncio.to_thread(
                    check_url, url, allow_private=request.allow_private, resolve=self.resolve_host
                )
            except GuardError as exc:
                raise _Failure(str(exc)) from exc
            client = self._private_client if request.allow_private else self._client
            assert client is not None
            async with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if response.is_redirect and "location" in response.headers:
                    url = str(response.url.join(response.headers["location"]))
                    continue
                if status == 304:
                    return FetchResult(
                        request,
                        NOT_MODIFIED,
                        status=status,
                        final_url=url,
                        etag=response.headers.get("etag") or request.etag,
                        last_modified=response.headers.get("last-modified")
                        or request.last_modified,
                    )
                if status >= 400:
                    retry_after = retry_after_seconds(response.headers.get("retry-after"))
                    raise _Failure(
                        f"{url}: HTTP {status}"
                        + (f", retry after {retry_after:g}s" if retry_after is not None else ""),
                        status=status,
                        transient=status == 429 or status in _RETRY_STATUSES,
                        retry_after=retry_after,
                    )
                if status != 200:
                    raise _Failure(f"{url}: unexpected HTTP {status}", status=status)
                content_type = response.headers.get("content-type")
                if content_type and content_type.lower().startswith(_BINARY_TYPES):
                    raise _Failure(
                        f"{url}: content type {content_type} is not a feed or a page",
                        status=status,
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > s.max_bytes:
                    raise _Failure(f"{url}: body of {declared} bytes is over {s.max_bytes}")
                if response.is_stream_consumed:
                    # A transport that read the body itself (httpx.MockTransport): it is
                    # decoded already, and only the size can still be checked.
                    data = response.content
                    if len(data) > s.max_bytes:
                        raise _Failure(f"{url}: body over {s.max_bytes} bytes")
                else:
                    data = await _decoded(
                        response.aiter_raw(),
                        response.headers.get("content-encoding", ""),
                        s.max_bytes,
                        url,
                    )
                return FetchResult(
                    request,
                    OK,
                    status=status,
                    data=data,
                    content_type=content_type,
                    final_url=url,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        raise _Failure(f"{request.url}: more than {s.max_redirects} redirects")


def fetch_all(
    requests: Sequence[FetchRequest],
    settings: FetcherSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolver = resolve_host,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> list[FetchResult]:
    """Fetch every request in one pass from synchronous code (runs its own event loop)."""

    async def run() -> list[FetchResult]:
        async with Fetcher(settings, transport=transport, resolve=resolve, rng=rng) as fetcher:
            return await fetcher.fetch_many(requests, stop)

    return asyncio.run(run())


__all__ = [
    "ERROR",
    "NOT_MODIFIED",
    "OK",
    "SKIPPED",
    "FetchRequest",
    "FetchResult",
    "Fetcher",
    "FetcherSettings",
    "fetch_all",
    "retry_after_seconds",
]
