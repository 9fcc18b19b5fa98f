"""Whatever bytes arrive, parsing reports problems instead of raising."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.ingest import parse_input
from storyline.ingest.inputs import RawInput
from storyline.ingest.records import ParseContext
from storyline.model import Source

from .conftest import NOW

SOURCE = Source("src1", "fuzz", "stdin", "-")
CTX = ParseContext("src1", "fuzz", NOW)

xml_like = st.builds(
    lambda head, body: head + body,
    st.sampled_from([b"<?xml version='1.0'?>", b"<rss version='2.0'>", b"<feed>", b"<", b""]),
    st.binary(max_size=300),
)
json_like = st.builds(
    lambda lines: "\n".join(lines).encode(),
    st.lists(st.sampled_from(['{"title": "a"}', "{", '{"title": 3}', '{"url": null}', "[]"])),
)
csv_like = st.builds(
    lambda rows: ("title,description\n" + "\n".join(rows)).encode(),
    st.lists(st.text(max_size=40)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=500), xml_like, json_like, csv_like))
def test_parse_input_never_raises(data: bytes) -> None:
    fmt, parsed = parse_input(RawInput(SOURCE, data), CTX)
    assert fmt
    for item in parsed.items:
        assert item.id and item.source_id
    for message in [*parsed.warnings, *parsed.rejected]:
        assert message.startswith("fuzz")
