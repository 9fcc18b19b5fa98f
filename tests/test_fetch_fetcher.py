"""The fetcher against a local server: conditional GET, limits, retries and the SSRF guard."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import httpx
import pytest

from storyline.fetch.fetcher import (
    ERROR,
    NOT_MODIFIED,
    OK,
    SKIPPED,
    FetcherSettings,
    FetchRequest,
    FetchResult,
    fetch_all,
    retry_after_seconds,
)
from storyline.fetch.guard import GuardError, check_url
from storyline.ingest.inputs import embedded_ipv4

from .test_fetch_server import LocalServer

FAST = FetcherSettings(
    connect_timeout=2,
    read_timeout=0.5,
    total_timeout=1.5,
    max_bytes=1024 * 1024,
    retries=2,
    backoff_base=0.01,
    backoff_cap=0.05,
    max_retry_wait=1.0,
)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def get(
    server: LocalServer, path: str, settings: FetcherSettings = FAST, **kwargs: object
) -> FetchResult:
    request = FetchRequest(server.url + path, allow_private=True, **kwargs)  # type: ignore[arg-type]
    (result,) = fetch_all([request], settings, rng=random.Random(1))
    return result


def test_full_then_conditional_get(local_server: LocalServer) -> None:
    first = get(local_server, "/feeds/jmanuelbr-bbc.xml")
    assert first.outcome == OK and first.status == 200
    assert first.data.startswith(b"<?xml") and first.etag and first.last_modified
    assert first.content_type == "application/rss+xml"
    second = get(local_server, "/feeds/jmanuelbr-bbc.xml", etag=first.etag)
    assert second.outcome == NOT_MODIFIED and second.data == b""
    assert second.etag == first.etag
    assert all(ua.startswith("storyline/") for ua in local_server.user_agents)


@pytest.mark.parametrize("code", [404, 410, 403])
def test_client_errors_are_not_retried(local_server: LocalServer, code: int) -> None:
    result = get(local_server, f"/status/{code}")
    assert result.outcome == ERROR and result.status == code
    assert result.error == f"{local_server.url}/status/{code}: HTTP {code}"
    assert result.attempts == 1 and not result.transient


def test_server_errors_are_retried_with_backoff(local_server: LocalServer) -> None:
    result = get(local_server, "/status/500")
    assert result.outcome == ERROR and result.status == 500 and result.transient
    assert local_server.hits["/status/500"] == 3 == result.attempts
    recovered = get(local_server, "/flaky/2/jmanuelbr-bbc.xml")
    assert recovered.outcome == OK and recovered.attempts == 3


def test_429_with_a_long_retry_after_is_left_to_the_scheduler(local_server: LocalServer) -> None:
    result = get(local_server, "/status/429")
    assert result.outcome == ERROR and result.status == 429
    assert result.retry_after == 120
    assert local_server.hits["/status/429"] == 1, "a 2-minute Retry-After is not waited out"
    assert "retry after 120s" in (result.error or "")


def test_429_with_a_short_retry_after_is_waited_out(local_server: LocalServer) -> None:
    started = time.monotonic()
    result = get(local_server, "/status/429?after=0")
    assert result.attempts == 3 and time.monotonic() - started < 2


def test_retry_after_as_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2020, 11, 17, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("Tue, 17 Nov 2020 08:01:00 GMT", now) == 60
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("30") == 30


def test_slow_response_within_the_timeout(local_server: LocalServer) -> None:
    result = get(local_server, "/slow/jmanuelbr-bbc.xml?delay=0.2")
    assert result.outcome == OK


def test_stalled_and_trickling_responses_time_out(local_server: LocalServer) -> None:
    started = time.monotonic()
    settings = FetcherSettings(
        read_timeout=0.3, total_timeout=0.8, retries=0, backoff_base=0.01, max_bytes=1 << 20
    )
    stalled = get(local_server, "/stall", settings)
    assert stalled.outcome == ERROR and stalled.transient
    assert "ReadTimeout" in (stalled.error or "")
    trickle = get(local_server, "/trickle", settings)
    assert trickle.outcome == ERROR and "no complete response within 0.8s" in (trickle.error or "")
    assert time.monotonic() - started < 3


def test_redirect_loop_is_cut(local_server: LocalServer) -> None:
    result = get(local_server, "/loop/a")
    assert result.outcome == ERROR and "more than 5 redirects" in (result.error or "")
    assert local_server.hits["/loop/a"] + local_server.hits["/loop/b"] == 6


def test_redirect_is_followed(local_server: LocalServer) -> None:
    target = f"{local_server.url}/feeds/jmanuelbr-bbc.xml"
    result = get(local_server, f"/redirect?to={target}")
    assert result.outcome == OK and result.final_url == target


def test_oversized_and_bomb_bodies_stop_at_the_limit(local_server: LocalServer) -> None:
    big = get(local_server, "/oversized")
    assert big.outcome == ERROR and "body over 1048576 bytes" in (big.error or "")
    bomb = get(local_server, "/bomb")
    assert bomb.outcome == ERROR
    assert "once decompressed" in (bomb.error or "")


def test_gzip_body_is_decoded(local_server: LocalServer) -> None:
    import gzip

    payload = b"<rss version='2.0'><channel><title>x</title></channel></rss>"

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return httpx.Response(
            200, content=gzip.compress(payload), headers={"content-encoding": "gzip"}
        )

    (result,) = fetch_all(
        [FetchRequest("https://news.example/feed")],
        FAST,
        transport=httpx.MockTransport(handler),
        resolve=lambda host: ["93.184.216.34"],
    )
    assert result.outcome == OK and result.data == payload


def test_binary_content_types_are_refused(local_server: LocalServer) -> None:
    result = get(local_server, "/image")
    assert result.outcome == ERROR and "image/png is not a feed or a page" in (result.error or "")


def test_private_addresses_are_refused_unless_allowed(local_server: LocalServer) -> None:
    request = FetchRequest(local_server.url + "/feeds/jmanuelbr-bbc.xml")
    (result,) = fetch_all([request], FAST)
    assert result.outcome == ERROR and "private or local address (127.0.0.1)" in (
        result.error or ""
    )
    assert local_server.hits["/feeds/jmanuelbr-bbc.xml"] == 0


def test_redirect_to_metadata_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.example":
            return httpx.Response(302, headers={"location": "http://169.254.169.254/latest/"})
        return httpx.Response(200, content=b"secret")

    def resolve(host: str) -> list[str]:
        return ["93.184.216.34"] if host == "public.example" else [host]

    (result,) = fetch_all(
        [FetchRequest("http://public.example/feed")],
        FAST,
        transport=httpx.MockTransport(handler),
        resolve=resolve,
    )
    assert result.outcome == ERROR and "169.254.169.254" in (result.error or "")


@pytest.mark.parametrize(
    "address", ["::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "0.0.0.0", "fd00::1"]
)
def test_guard_sees_through_ipv6_wrappers(address: str) -> None:
    with pytest.raises(GuardError, match="private or local"):
        check_url("http://sneaky.example/", allow_private=False, resolve=lambda h: [address])


def test_guard_refuses_other_schemes_even_when_private_is_allowed() -> None:
    with pytest.raises(GuardError, match="only http and https"):
        check_url("file:///etc/passwd", allow_private=True)
    assert embedded_ipv4("::ffff:10.0.0.1") == "10.0.0.1"
    assert embedded_ipv4("93.184.216.34") == "93.184.216.34"


def test_per_host_limit_and_stop(local_server: LocalServer) -> None:
    settings = FetcherSettings(concurrency=8, per_host=2, read_timeout=5, total_timeout=5)
    requests = [
        FetchRequest(
            f"{local_server.url}/slow/jmanuelbr-bbc.xml?delay=0.1&n={n}", allow_private=True
        )
        for n in range(6)
    ]
    results = fetch_all(requests, settings)
    assert all(r.outcome == OK for r in results)
    assert local_server.max_active <= 2

    import threading

    stop = threading.Event()
    stop.set()
    skipped = fetch_all(requests[:2], settings, stop=stop)
    assert [r.outcome for r in skipped] == [SKIPPED, SKIPPED]
