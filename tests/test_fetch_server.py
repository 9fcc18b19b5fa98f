"""A local HTTP server on 127.0.0.1 for the fetch tests: real feeds and pathological answers.

Routes:
  /feeds/NAME            a feed file (ETag, Last-Modified, 304 on a matching validator)
  /copy/N/NAME           the feed with every link made distinct (``?copy=N``), for volume
  /pages/NAME            a sample page or feed from tests/fixtures/pages ({{BASE}}: this server)
  /status/CODE           that status (429 and 503 with ``Retry-After: ?after=``)
  /flaky/N/NAME          500 for the first N requests, then the feed
  /slow/NAME?delay=S     the feed after S seconds
  /stall                 headers and a few bytes, then silence
  /trickle               a byte every 0.1 s, for ever
  /loop/a, /loop/b       redirects to each other
  /redirect?to=URL       a redirect to anywhere
  /oversized             3 MB without Content-Length
  /bomb                  50 MB of zeros gzipped to about 50 kB
  /image                 a PNG, as image/png
  /binary-as-rss         PNG bytes labelled application/rss+xml
  /text-as-json          plain prose labelled application/json
  /feed-as-html          a feed labelled text/html
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import EXAMPLES, shared_data_dir

PAGES = Path(__file__).parent / "fixtures" / "pages"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


@functools.cache
def bomb() -> bytes:
    """50 MB of zeros, gzipped once per test session."""
    return gzip.compress(bytes(50 * 1024 * 1024), compresslevel=9)


LAST_MODIFIED = "Tue, 17 Nov 2020 08:00:00 GMT"
_LINK = re.compile(rb"(<link>\s*|<link[^>]*href=\"|<guid[^>]*>\s*)(https?://[^<\"\s]+)")


def feeds_dir() -> Path:
    """The shared feeds when available, else the bundled examples' feeds."""
    shared = shared_data_dir()
    return shared / "feeds" if shared is not None else EXAMPLES / "feeds"


def distinct_copy(data: bytes, number: int) -> bytes:
    """The feed with every item link made unique to copy ``number``."""

    def replace(match: re.Match[bytes]) -> bytes:
        url = match.group(2)
        joiner = b"&amp;" if b"?" in url else b"?"
        return match.group(1) + url + joiner + b"copy=" + str(number).encode()

    return _LINK.sub(replace, data)


class LocalServer:
    """A threaded HTTP server on an ephemeral port of 127.0.0.1; ``hits`` counts paths."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.feeds = feeds_dir()
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        """The server's root URL, without a trailing slash."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        """Stop the server."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.hits[parts.path] += 1
                    server.user_agents.append(self.headers.get("User-Agent", ""))
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    self.route(parts.path, parse_qs(parts.query))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.active -= 1

            def send(
                self,
                status: int,
                body: bytes = b"",
                content_type: str = "text/plain",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def feed(self, data: bytes, content_type: str = "application/rss+xml") -> None:
                etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
                self.send(200, data, content_type, headers)

            def route(self, path: str, query: dict[str, list[str]]) -> None:
                segments = path.strip("/").split("/")
                head = segments[0]
                if head == "feeds":
                    file = server.feeds / segments[1]
                    if not file.is_file():
                        file = EXAMPLES / "feeds" / segments[1]
                    self.feed(file.read_bytes())
                elif head == "copy":
                    data = (server.feeds / segments[2]).read_bytes()
                    self.feed(distinct_copy(data, int(segments[1])))
                elif head == "pages":
                    page = (PAGES / segments[1]).read_bytes()
                    page = page.replace(b"{{BASE}}", server.url.encode())
                    kind = "application/rss+xml" if path.endswith(".xml") else "text/html"
                    self.feed(page, kind + "; charset=utf-8")
                elif head == "status":
                    code = int(segments[1])
                    after = query.get("after", ["120"])[0]
                    headers = {"Retry-After": after} if code in (429, 503) else {}
                    self.send(code, b"no", headers=headers)
                elif head == "flaky":
                    if server.hits[path] <= int(segments[1]):
                        self.send(500, b"oops")
                    else:
                        self.feed((server.feeds / segments[2]).read_bytes())
                elif head == "slow":
                    time.sleep(float(query.get("delay", ["0.3"])[0]))
                    self.feed((server.feeds / segments[1]).read_bytes())
                elif head == "stall":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b"<?xml version='1.0'?><rss")
                    self.wfile.flush()
                    time.sleep(5)
                elif head == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.1)
                elif head == "loop":
                    target = "/loop/b" if segments[1] == "a" else "/loop/a"
                    self.send(302, headers={"Location": target})
                elif head == "redirect":
                    self.send(302, headers={"Location": query["to"][0]})
                elif head == "oversized":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for _ in range(3 * 16):
                        self.wfile.write(b"x" * 65536)
                    self.close_connection = True
                elif head == "bomb":
                    self.send(200, bomb(), "application/rss+xml", {"Content-Encoding": "gzip"})
                elif head == "image":
                    self.send(200, PNG, "image/png")
                elif head == "binary-as-rss":
                    self.send(200, PNG, "application/rss+xml")
                elif head == "text-as-json":
                    self.send(200, b"Hello there, this is not a feed at all.\n", "application/json")
                elif head == "feed-as-html":
                    self.feed((EXAMPLES / "feeds" / "jmanuelbr-bbc.xml").read_bytes(), "text/html")
                else:
                    self.send(404, b"not found")

        return Handler


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A fresh local server for one test (other modules define the same two lines)."""
    with LocalServer() as server:
        yield server


def test_local_server_serves_feeds_and_counts(local_server: LocalServer) -> None:
    import httpx

    response = httpx.get(f"{local_server.url}/feeds/jmanuelbr-bbc.xml")
    assert response.status_code == 200 and b"<rss" in response.content
    again = httpx.get(
        f"{local_server.url}/feeds/jmanuelbr-bbc.xml",
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    assert local_server.hits["/feeds/jmanuelbr-bbc.xml"] == 2
    copy = httpx.get(f"{local_server.url}/copy/3/jmanuelbr-bbc.xml").content
    assert b"?copy=3" in copy or b"&amp;copy=3" in copy
