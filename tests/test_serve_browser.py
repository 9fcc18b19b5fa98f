"""Pages in a real browser: headless Chromium from Debian, driven by Playwright.

Runs with ``-m browser`` (CI installs ``chromium`` and ``playwright``; no browser download).
Checks that the XSS corpus executes nothing, that pages fit a phone's width, and takes the
screenshots of the docs (into docs/screenshots/ when STORYLINE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storyline.serve.app import create_app
from storyline.serve.settings import ServeSettings

from . import test_serve_support as support
from .conftest import REPO
from .test_serve_security import build_xss_db

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
_NUDGE = """() => document.querySelectorAll('*').forEach(el => {
  for (const type of ['mouseover', 'mouseenter', 'click', 'focus', 'toggle']) {
    try { el.dispatchEvent(new Event(type, {bubbles: true})); } catch (e) {}
  }
})"""


def _require_browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("browser tests need chromium (apt) and playwright (pip)")
        pytest.skip("chromium or playwright not installed")
    return sync_playwright


class Server:
    """uvicorn on a free local port in a thread, over one database."""

    def __init__(self, db: str) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        app = create_app(db, ServeSettings(index_every_seconds=3600))
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Shut down and wait."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _require_browser()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample data exactly as the README's main command ingests it: no test extras."""
    db = support.build_sample(tmp_path_factory.mktemp("shots") / "storyline.db", extras=False)
    server = Server(db)
    yield server
    server.stop()


def test_xss_corpus_executes_nothing(browser: Any, tmp_path: Path) -> None:
    server = Server(build_xss_db(tmp_path / "xss.db"))
    try:
        api = httpx.get(f"{server.url}/api/v1/items", params={"limit": 100}).json()["items"]
        stories = httpx.get(f"{server.url}/api/v1/stories").json()["stories"]
        paths = ["/", "/search?q=alert", "/sources"]
        paths += [f"/story/{s['id']}" for s in stories] + [f"/item/{i['id']}" for i in api]
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in paths:
            page.goto(server.url + path)
            # Fire mouse and focus events at every element: injected handlers would run now.
            page.evaluate(_NUDGE)
            assert page.evaluate("() => window.__xss") is None, path
            assert page.evaluate("() => document.querySelectorAll('script').length") == 0
        assert dialogs == []
        page.close()
    finally:
        server.stop()


def test_pages_fit_a_phone_and_screenshots(browser: Any, sample_server: Server) -> None:
    out = REPO / "docs" / "screenshots"
    keep = os.environ.get("STORYLINE_SCREENSHOTS") == "1"
    if keep:
        out.mkdir(parents=True, exist_ok=True)
    stories = httpx.get(f"{sample_server.url}/api/v1/stories?limit=500").json()["stories"]
    # The sample front page's developing story (two reports on one abduction) shows what the
    # page is for: places, people, dates mentioned; else the story with the most sources.
    developing = [s for s in stories if "Amar Fayaz" in s["title"]]
    best = developing[0] if developing else max(
        stories, key=lambda s: (s["source_count"], s["item_count"], len(s["countries"]))
    )
    story_id = best["id"]
    shots = {"front-page": "/", "story-page": f"/story/{story_id}"}
    for name, path in shots.items():
        phone = browser.new_page(viewport=PHONE)
        phone.goto(sample_server.url + path)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{path} scrolls sideways on a phone ({width}px)"
        phone.screenshot(path=str(out / f"{name}-phone.png") if keep else None)
        phone.close()
        desktop = browser.new_page(viewport={"width": 1280, "height": 1000})
        desktop.goto(sample_server.url + path)
        image = desktop.screenshot()
        assert len(image) > 10_000
        if keep:
            (out / f"{name}.png").write_bytes(image)
        desktop.close()


def test_a_flagged_split_is_corrected_in_the_browser(browser: Any, tmp_path: Path) -> None:
    """The whole round as a user makes it: the "To check" page, the item's form, the sign-in
    it asks for, the form again; Chromium sends its own Origin, which the server checks."""
    from storyline.serve.auth import create_token
    from storyline.store.db import Store

    from .test_serve_review import flag_one

    db = support.build_sample(tmp_path / "review.db", extras=False)
    item_id, _ = flag_one(db)
    with Store.open(db) as store:
        _, token = create_token(store, "browser")
    server = Server(db)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/review")
        page.click(f"a[href='/item/{item_id}#split']")
        headline = page.locator("form.split-form input[name=headline]")
        assert headline.is_visible()  # the form is open on a flagged line
        if os.environ.get("STORYLINE_SCREENSHOTS") == "1":
            page.screenshot(path=str(REPO / "docs" / "screenshots" / "correct-split.png"))
        headline.fill("Brazil on the eve of the 2020 elections")
        page.click("form.split-form button[type=submit]")
        assert "Sign in" in page.title()
        page.fill("input[name=token]", token)
        page.click("form.filters button[type=submit]")
        assert page.url.endswith(f"/item/{item_id}")
        page.fill("form.split-form input[name=headline]", "Brazil on the eve of the 2020 elections")
        page.click("form.split-form button[type=submit]")
        assert page.url.endswith(f"/item/{item_id}")
        assert page.locator("h1").inner_text() == "Brazil on the eve of the 2020 elections"
        assert "split: corrected by user" in page.content()
        page.goto(server.url + "/review")
        assert "Nothing to check" in page.content()
        page.close()
    finally:
        server.stop()
