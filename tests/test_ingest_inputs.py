import io
from pathlib import Path

import httpx
import pytest

from storyline.ingest import parse_input
from storyline.ingest.detect import Format, decode_text, detect_format
from storyline.ingest.inputs import FetchSettings, InputError, read_input
from storyline.ingest.records import ParseContext

from .conftest import NOW, SAMPLE_LISTING

FIXTURES = Path(__file__).parent / "fixtures"

PUBLIC = ["93.184.216.34"]


def public(host: str) -> list[str]:
    return PUBLIC


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (b'<?xml version="1.0"?>\n<rss version="2.0"></rss>', "x.txt", Format.FEED),
        (b"  \n<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>", "", Format.FEED),
        (b"<rdf:RDF xmlns:rdf='x'>", "", Format.FEED),
        (b"<!DOCTYPE html><html><body>", "page", Format.HTML),
        (b'{"title": "a"}\n{"title": "b"}', "data.txt", Format.JSONL),
        (b"title,description\na,b\n", "x", Format.CSV),
        (b"Headline one teaser one\nHeadline two", "feed.xml", Format.FEED),
        (b"Headline one teaser one\nHeadline two", "list.txt", Format.LISTING),
    ],
)
def test_detect_format_from_content(data: bytes, name: str, fmt: Format) -> None:
    assert detect_format(data, name) is fmt


def test_decode_text_falls_back_from_utf8() -> None:
    text = (
        "Notícias de São Paulo: a eleição presidencial e as pesquisas de intenção de voto "
        "mostram que a disputa no segundo turno continua indefinida, segundo o instituto.\n"
    ) * 3
    assert decode_text(text.encode("cp1252")) == text
    assert decode_text("\ufeffabc".encode()) == "abc"


def test_read_file_and_errors(tmp_path: Path) -> None:
    raw = read_input(str(SAMPLE_LISTING))
    assert raw.source.kind == "file"
    assert raw.source.name == SAMPLE_LISTING.name
    with pytest.raises(InputError, match="no such file"):
        read_input(str(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="is a directory"):
        read_input(str(tmp_path))


def test_read_stdin() -> None:
    raw = read_input("-", stdin=io.BytesIO(b"A headline A teaser"))
    assert raw.source.kind == "stdin"
    assert raw.data == b"A headline A teaser"


def test_fetch_url_through_injected_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"location": "/feed"})
        assert request.headers["user-agent"].startswith("storyline/")
        return httpx.Response(
            200,
            content=b"<rss version='2.0'></rss>",
            headers={"content-type": "application/rss+xml"},
        )

    raw = read_input(
        "https://news.example/old", transport=httpx.MockTransport(handler), resolve=public
    )
    assert raw.data.startswith(b"<rss")
    assert raw.content_type == "application/rss+xml"


def test_fetch_errors_are_one_line() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(404))
    with pytest.raises(InputError, match=r"^https://news.example/x: HTTP 404$"):
        read_input("https://news.example/x", transport=transport, resolve=public)
    loop = httpx.MockTransport(lambda r: httpx.Response(302, headers={"location": "/x"}))
    with pytest.raises(InputError, match="redirects"):
        read_input("https://news.example/x", transport=loop, resolve=public)
    big = httpx.MockTransport(lambda r: httpx.Response(200, content=b"x" * 2000))
    with pytest.raises(InputError, match="over 1000 bytes"):
        read_input(
            "https://news.example/x",
            transport=big,
            resolve=public,
            settings=FetchSettings(max_bytes=1000),
        )


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe"],
)
def test_private_addresses_are_refused_unless_allowed(address: str) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=b"ok"))
    with pytest.raises(InputError, match="refused to fetch a private or local address"):
        read_input("http://internal.example/", transport=transport, resolve=lambda h: [address])
    raw = read_input(
        "http://internal.example/",
        transport=transport,
        resolve=lambda h: [address],
        settings=FetchSettings(allow_private=True),
    )
    assert raw.data == b"ok"


def test_redirect_to_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.example":
            return httpx.Response(302, headers={"location": "http://metadata.internal/latest"})
        return httpx.Response(200, content=b"secret")

    def resolve(host: str) -> list[str]:
        return PUBLIC if host == "public.example" else ["169.254.169.254"]

    with pytest.raises(InputError, match="private or local"):
        read_input(
            "http://public.example/feed", transport=httpx.MockTransport(handler), resolve=resolve
        )


def test_html_pages_are_read_or_rejected_with_a_reason() -> None:
    raw = read_input("-", stdin=io.BytesIO(b"<!doctype html><html><body>hi</body></html>"))
    fmt, parsed = parse_input(raw, ParseContext(raw.source.id, "stdin", NOW))
    assert fmt is Format.HTML
    assert parsed.items == []
    assert "HTML page with no" in parsed.rejected[0]
    page = (FIXTURES / "pages" / "listing.html").read_bytes()
    raw = read_input("-", stdin=io.BytesIO(page))
    fmt, parsed = parse_input(raw, ParseContext(raw.source.id, "stdin", NOW))
    assert fmt is Format.HTML and len(parsed.items) >= 2
    assert all(item.headline for item in parsed.items)
