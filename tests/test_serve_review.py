"""Checking listing splits: flagged lines and their correction, by library, API and pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storyline.review import CorrectionError, NoSuchItem, correct_split, flagged_items
from storyline.serve.auth import create_token
from storyline.serve.settings import ServeSettings
from storyline.store import schema as t
from storyline.store.db import Store

from . import test_serve_support as support
from .test_serve_support import Client, copy_db

sample_db = support.sample_db

LINE_START = "Brazil on the eve"


def flag_one(db: str) -> tuple[str, str]:
    """Flag one listing line of the sample as the splitter does when unsure, and only that
    one (whatever lines the shipped model itself flagged are cleared, so that these tests do
    not hang on its confidences); (id, raw line)."""
    flag = "split: low confidence"
    with Store.open(db) as store, store.engine.begin() as conn:
        for other in conn.execute(select(t.items.c.id, t.items.c.flags)).all():
            if flag in (other.flags or []):
                conn.execute(t.items.update().where(t.items.c.id == other.id).values(
                    flags=[f for f in other.flags if f != flag]))
        row = conn.execute(
            select(t.items.c.id, t.items.c.raw_text, t.items.c.flags).where(
                t.items.c.raw_text.like(f"{LINE_START}%")
            )
        ).one()
        conn.execute(
            t.items.update()
            .where(t.items.c.id == row.id)
            .values(split_confidence=0.3, flags=[*(row.flags or []), flag])
        )
    return str(row.id), str(row.raw_text)


@pytest.fixture
def flagged(sample_db: str, tmp_path: Path) -> tuple[str, str, str]:
    """A private copy of the sample with one flagged line: (db, item id, raw line)."""
    db = copy_db(sample_db, tmp_path)
    item_id, raw = flag_one(db)
    return db, item_id, raw


def test_library_corrects_and_validates(flagged: tuple[str, str, str]) -> None:
    db, item_id, raw = flagged
    with Store.open(db) as store:
        assert [v.item.id for v in flagged_items(store)] == [item_id]
        with pytest.raises(CorrectionError, match="not in the line"):
            correct_split(store, item_id, "Words that are nowhere")
        with pytest.raises(CorrectionError, match="empty"):
            correct_split(store, item_id, "   ")
        with pytest.raises(NoSuchItem):
            correct_split(store, "no-such-item", "Brazil")
        # whitespace in the user's headline does not matter; the teaser is the rest
        view = correct_split(store, item_id, "Brazil  on the\teve")
        assert view.item.headline == "Brazil on the eve"
        assert view.item.teaser == " ".join(raw.split()[4:])
        assert "split: corrected by user" in view.item.flags
        assert "split: low confidence" not in view.item.flags
        assert flagged_items(store) == []


def test_api_lists_flagged_lines_and_takes_a_correction(flagged: tuple[str, str, str]) -> None:
    db, item_id, raw = flagged
    with Store.open(db) as store:
        _, token = create_token(store, "tests")
        _, reader = create_token(store, "reader", can_write=False)
    c = Client(db, ServeSettings(index_every_seconds=3600))
    try:
        listed = c.get("/api/v1/items", params={"flagged": "true"}).json()["items"]
        assert [i["id"] for i in listed] == [item_id]
        url = f"/api/v1/items/{item_id}/split"
        body = {"headline": "Brazil on the eve of the 2020 elections"}
        assert c.post(url, json=body).status_code == 401
        read_only = {"Authorization": f"Bearer {reader}"}
        assert c.post(url, json=body, headers=read_only).status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        wrong = c.post(url, json={"headline": "Not in the line at all"}, headers=auth)
        assert wrong.status_code == 422 and "not in the line" in wrong.json()["detail"]
        assert c.post("/api/v1/items/nope/split", json=body, headers=auth).status_code == 404
        done = c.post(url, json=body, headers=auth)
        assert done.status_code == 200, done.text
        assert done.json()["headline"] == body["headline"]
        assert done.json()["teaser"] == raw.split("2020 elections", 1)[1].strip()
        assert c.get("/api/v1/items", params={"flagged": "true"}).json()["items"] == []
        assert c.get(f"/api/v1/items/{item_id}").json()["headline"] == body["headline"]
        # a feed item's headline came from its feed: there is no split to correct
        with Store.open(db) as store, store.engine.connect() as conn:
            feed_item = conn.execute(
                select(t.items.c.id).where(t.items.c.split_confidence.is_(None)).limit(1)
            ).scalar()
        if feed_item is not None:
            refused = c.post(f"/api/v1/items/{feed_item}/split", json=body, headers=auth)
            assert refused.status_code == 422
    finally:
        c.close()


def test_pages_show_the_lines_to_check_and_correct_with_the_form(
    flagged: tuple[str, str, str],
) -> None:
    db, item_id, raw = flagged
    with Store.open(db) as store:
        _, writer = create_token(store, "tests")
        _, reader = create_token(store, "reader", can_write=False)
    c = Client(db, ServeSettings(index_every_seconds=3600))
    try:
        review = c.get("/review")
        assert review.status_code == 200
        assert f'/item/{item_id}#split' in review.text and LINE_START in review.text
        item = c.get(f"/item/{item_id}")
        assert 'id="split" class="filterbox" open' in item.text
        assert f'action="/item/{item_id}/split"' in item.text
        form = "headline=Brazil+on+the+eve+of+the+2020+elections&teaser=&kicker="
        url = f"/item/{item_id}/split"
        plain_form = {"content-type": "application/x-www-form-urlencoded"}
        own = {**plain_form, "origin": "http://testserver"}
        # no Origin or Referer, or another site's: refused before anything else
        assert c.post(url, content=form, headers=plain_form).status_code == 403
        cookie = f"storyline_token={writer}"
        evil = {**plain_form, "origin": "https://evil.example", "cookie": cookie}
        assert c.post(url, content=form, headers=evil).status_code == 403
        # not signed in, or signed in with a token that may only read: the sign-in form
        anonymous = c.post(url, content=form, headers=own)
        assert anonymous.status_code == 401 and 'name="token"' in anonymous.text
        assert f'value="/item/{item_id}"' in anonymous.text
        read_only = {**own, "cookie": f"storyline_token={reader}"}
        assert c.post(url, content=form, headers=read_only).status_code == 401
        signed_in = {**own, "cookie": f"storyline_token={writer}"}
        bad = c.post(url, content="headline=Nowhere+in+it", headers=signed_in)
        assert bad.status_code == 422 and "not in the line" in bad.text
        done = c.post(url, content=form, headers=signed_in)
        assert done.status_code == 303 and done.headers["location"] == f"/item/{item_id}"
        after = c.get(f"/item/{item_id}")
        assert "split: corrected by user" in after.text
        assert 'id="split" class="filterbox" open' not in after.text
        assert "Nothing to check" in c.get("/review").text
    finally:
        c.close()
    with Store.open(db) as store:
        corrected = store.split_corrections()
    assert len(corrected) == 1
    assert next(iter(corrected.values())).headline == "Brazil on the eve of the 2020 elections"
    assert raw  # the line itself is unchanged: a correction cuts, it does not rewrite
