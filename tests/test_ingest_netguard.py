"""Connections go to the address that passed the check: DNS rebinding cannot reach in."""

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from storyline.ingest.inputs import FetchSettings, InputError, read_input
from storyline.ingest.netguard import async_guarded_transport, guarded_transport


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<rss version='2.0'><channel><item><title>hi</title></item></channel></rss>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class Rebinding:
    """Answers a public address first, then loopback: a rebinding DNS server."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str) -> list[str]:
        self.calls += 1
        return ["93.184.216.34"] if self.calls == 1 else ["127.0.0.1"]


def test_sync_transport_refuses_the_rebound_answer(local_port: int) -> None:
    resolve = Rebinding()
    with pytest.raises(InputError, match="private or local address"):
        read_input(f"http://rebind.example:{local_port}/feed", resolve=resolve)
    assert resolve.calls == 2  # the check, then the connection: each answer was checked


def test_guarded_transports_connect_to_the_checked_address(local_port: int) -> None:
    url = f"http://public.example:{local_port}/feed"
    transport = guarded_transport(lambda host: ["127.0.0.1"])
    with (
        httpx.Client(transport=transport) as client,
        pytest.raises(httpx.ConnectError, match="private or local"),
    ):
        client.get(url)

    async def fetch() -> None:
        transport = async_guarded_transport(lambda host: ["::ffff:127.0.0.1"])
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(url)

    with pytest.raises(httpx.ConnectError, match="private or local"):
        asyncio.run(fetch())


def test_allowed_private_sources_still_connect(local_port: int) -> None:
    raw = read_input(f"http://127.0.0.1:{local_port}/feed",
                     settings=FetchSettings(allow_private=True))
    assert raw.data.startswith(b"<rss")
