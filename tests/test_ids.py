from storyline.ids import canonical_url, content_hash, item_id, normalise_text, source_id


def test_canonical_url_drops_tracking_and_fragments() -> None:
    url = "HTTPS://Example.com:443/news/story/?utm_source=rss&id=7&fbclid=x#top"
    assert canonical_url(url) == "https://example.com/news/story?id=7"


def test_canonical_url_keeps_meaningful_query_sorted() -> None:
    assert canonical_url("http://a.org/p?b=2&a=1") == "http://a.org/p?a=1&b=2"


def test_canonical_url_refuses_non_http() -> None:
    assert canonical_url("tag:example.com,2020:1") is None
    assert canonical_url("") is None
    assert canonical_url("http://[::1") is None


def test_item_id_prefers_url_over_text() -> None:
    a = item_id("src1", "Headline one", "https://x.org/a?utm_medium=feed")
    b = item_id("src2", "Another headline", "https://x.org/a")
    assert a == b


def test_item_id_from_text_ignores_case_and_spacing() -> None:
    assert item_id("s", "Hello   World") == item_id("s", "hello world")
    assert item_id("s", "Hello World") != item_id("t", "Hello World")


def test_content_hash_and_normalise() -> None:
    assert normalise_text("It’s  “Quoted”") == 'it\'s "quoted"'
    assert content_hash("A b") == content_hash("a  B")
    assert source_id("file", "/a") != source_id("url", "/a")
