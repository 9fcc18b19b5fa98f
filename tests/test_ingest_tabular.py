from datetime import UTC, datetime

import pytest

from storyline.ingest.records import ParseContext
from storyline.ingest.tabular import parse_csv, parse_datetime, parse_jsonl

from .conftest import NOW

CTX = ParseContext("src1", "table", NOW)


def test_jsonl_with_named_columns() -> None:
    text = (
        '{"title": "Quake hits coast", "description": "A strong quake...", '
        '"url": "https://n.org/q", "published": "2024-05-01T10:00:00Z", "author": "Ann"}\n'
        "\n"
        '{"headline": "Second", "teaser": "Teaser", "date": 1714557600}\n'
    )
    parsed = parse_jsonl(text, CTX)
    assert [i.headline for i in parsed.items] == ["Quake hits coast", "Second"]
    first, second = parsed.items
    assert first.teaser == "A strong quake..."
    assert first.url == "https://n.org/q"
    assert first.published == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert first.authors == ["Ann"]
    assert second.published == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert not second.published_estimated


def test_jsonl_bad_lines_are_rejected_and_the_rest_read() -> None:
    text = '{"title": "ok"}\n{broken\n[1, 2]\n{"url": "http://x"}\n{"title": "ok too"}\n'
    parsed = parse_jsonl(text, CTX)
    assert [i.headline for i in parsed.items] == ["ok", "ok too"]
    assert [r.split(":")[1] for r in parsed.rejected] == ["2", "3", "4"]
    assert "invalid JSON" in parsed.rejected[0]


def test_csv_with_source_column_keeps_each_publisher() -> None:
    text = "Title,Description,Link,Source\nA,teaser a,http://a.org/1,Paper A\nB,teaser b,,Paper B\n"
    parsed = parse_csv(text, CTX)
    assert [i.headline for i in parsed.items] == ["A", "B"]
    assert {s.name for s in parsed.sources.values()} == {"Paper A", "Paper B"}
    assert parsed.items[0].source_id != parsed.items[1].source_id


def test_tab_separated_and_unreadable_date_warns() -> None:
    text = "headline\tteaser\tpublished\nOne\tTwo\tnot a date\n"
    parsed = parse_csv(text, CTX)
    assert parsed.items[0].teaser == "Two"
    assert parsed.warnings == ["table:2: unreadable date 'not a date', ignored"]
    assert parsed.items[0].published == NOW


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-11-17", datetime(2020, 11, 17, tzinfo=UTC)),
        ("Tue, 17 Nov 2020 10:00:00 +0000", datetime(2020, 11, 17, 10, tzinfo=UTC)),
        (1605607200000, datetime(2020, 11, 17, 10, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_datetime(value: object, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected
