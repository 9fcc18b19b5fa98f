"""The ASGI application: pages, JSON API and feeds over one store.

``create_app`` builds a fresh app with no global state, so it can run beside a scheduler in
the same process (``storyline run``) or alone (``storyline serve``). The store and the
search index are opened in the lifespan; the index is caught up with the database at start
and then every ``index_every_seconds``, so items ingested by another process show up in
search shortly after, and an index left behind by a crash is repaired on the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import anyio.to_thread
import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from storyline.fetch.registry import format_every
from storyline.serve import fragments, security
from storyline.serve.cache import ResponseCache
from storyline.serve.graphics import country_name, sparkline, world_map
from storyline.serve.search import SearchIndex, index_dir_for
from storyline.serve.search_query import quote
from storyline.serve.settings import ServeSettings
from storyline.store.db import Store

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"


@dataclass(slots=True)
class Runtime:
    """What every request needs: the store, the index, settings and the page templates."""

    store: Store
    index: SearchIndex
    settings: ServeSettings
    templates: jinja2.Environment
    # Writes made through this server's API; part of the response cache's key.
    writes: int = 0

    def wrote(self) -> None:
        """Note a write, so that no cached page older than it is served again."""
        self.writes += 1


async def runtime(request: Request) -> Runtime:
    """The running app's runtime (a FastAPI dependency; async: no worker thread needed)."""
    rt = request.app.state.runtime
    assert isinstance(rt, Runtime)
    return rt


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(_short(v) for v in value[:12])
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_short(v)}" for k, v in list(value.items())[:12])
    return security.plain_text(str(value))[:200]


def _explain(explanation: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Why an item is in its story, as (label, plain text) rows sorted by key.

    Done here rather than in the template: a story page shows it for every item, and the
    same loops in Jinja cost about half of the page's rendering.
    """
    rows = []
    for key in sorted(explanation, key=lambda k: str(k).lower()):
        value = explanation[key]
        if isinstance(value, Mapping):
            parts = sorted(value.items(), key=lambda kv: str(kv[0]).lower())
            text = "; ".join(f"{k}: {_short(v)}" for k, v in parts)
        elif isinstance(value, str):
            text = security.plain_text(value)
        elif isinstance(value, Iterable):
            text = ", ".join(_short(v) for v in value)
        else:
            text = _short(value)
        rows.append((str(key).replace("_", " "), text))
    return rows


def make_templates(settings: ServeSettings) -> jinja2.Environment:
    """The Jinja2 environment: autoescaping on, feed text filtered through nh3."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("storyline.serve", "templates"),
        autoescape=True,  # every template is HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: no stat() of every file on every render.
        auto_reload=False,
    )
    env.filters.update(
        clean=security.clean_html,
        plain=security.plain_text,
        safe_url=security.safe_url,
        dt=fragments.format_time,
        short=_short,
        country=country_name,
        quote=quote,
        every=format_every,
        explain=_explain,
    )
    # root: the prefix of every address, for a server mounted below a path.
    env.globals.update(
        site_title=settings.site_title, spark=sparkline, root="", static=_static_url,
        item_line_html=fragments.item_line,
        why_html=lambda link: fragments.why(link, _explain),
    )
    return env


def create_app(db: str | None = None, settings: ServeSettings | None = None) -> FastAPI:
    """A new app over the database at ``db`` (path or URL; None: ``$STORYLINE_DB``)."""
    settings = settings or ServeSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        store = Store.open(db)
        index = SearchIndex(settings.search_dir or index_dir_for(store))
        app.state.runtime = Runtime(store, index, settings, make_templates(settings))
        # The map's shapes are simplified once per process (≈ 0.1 s of GIL): not in a request.
        await asyncio.to_thread(world_map, ())
        if settings.index_on_startup:
            added = await asyncio.to_thread(index.catch_up, store)
            log.info("search index caught up: %d items added", added)
            await asyncio.to_thread(_warm, store, index)
        task = asyncio.create_task(_keep_index_current(index, store, settings))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            store.close()

    app = FastAPI(
        title="storyline",
        version="1",
        description="Stories, items, sources and search from a storyline database.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI needs a CDN and inline script; see /api/v1/docs instead
        redoc_url=None,
    )
    static_dir = Path(str(resources.files("storyline.serve") / "static"))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    # the routers import this module
    from storyline.serve import api, feeds_out, pages, review_pages

    app.include_router(api.router, prefix=API_PREFIX)
    app.include_router(feeds_out.router)
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    _add_error_handlers(app)
    if settings.cache_responses:

        def current_store() -> Store | None:
            rt = getattr(app.state, "runtime", None)
            return rt.store if isinstance(rt, Runtime) else None

        def writes() -> int:
            rt = getattr(app.state, "runtime", None)
            return rt.writes if isinstance(rt, Runtime) else 0

        app.add_middleware(
            ResponseCache,
            store=current_store,
            enabled=lambda: not settings.read_token_required,
            generation=writes,
        )
    app.add_middleware(security.SecurityHeaders)  # outermost: cached answers get headers too
    return app


def _warm(store: Store, index: SearchIndex) -> None:
    """Do once at startup what the first requests would otherwise pay for: the index's
    searcher and fast fields, the database pages and the compiled queries of a search."""
    from storyline.serve import results  # imports this module's neighbours

    try:
        index.warm()
        results.search(store, index, "the")
        results.search(store, index, "the", light=True)
    except Exception:  # a cold first search is slower, never wrong
        log.exception("warming the search index failed")


async def _keep_index_current(index: SearchIndex, store: Store, settings: ServeSettings) -> None:
    """Catch the index up periodically: items ingested by other processes become searchable."""
    while True:
        await asyncio.sleep(settings.index_every_seconds)
        try:
            await asyncio.to_thread(index.catch_up, store)
        except Exception:
            log.exception("search index catch-up failed")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path.startswith("/feeds/")


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if _wants_json(request) or not hasattr(request.app.state, "runtime"):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers)
        rt: Runtime = request.app.state.runtime
        login = exc.status_code == 401
        body = rt.templates.get_template("message.html").render(
            heading="Sign in" if login else f"Error {exc.status_code}",
            message=str(exc.detail),
            login=login,
            next_path=request.url.path,
            q="",
        )
        headers.pop("WWW-Authenticate", None)
        return HTMLResponse(body, exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": _errors(exc)}, 422)
        rt: Runtime = request.app.state.runtime
        body = rt.templates.get_template("message.html").render(
            heading="Bad request",
            message="; ".join(_errors(exc)),
            login=False,
            next_path="/",
            q="",
        )
        return HTMLResponse(body, 422)


def _errors(exc: RequestValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body"))
        out.append(f"{where}: {error.get('msg', 'invalid')}")
    return out


def _static_url(name: str) -> str:
    return f"/static/{name}"
