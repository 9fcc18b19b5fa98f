"""Server-rendered pages: front page, story, item, sources, search, sign-in.

Each page is one read of the store (and the index for search and filters) rendered by one
template; all feed text goes through the ``clean``/``plain`` filters on its way out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from storyline.model import MediaType
from storyline.serve import health, queries, results
from storyline.serve.auth import check_token
from storyline.serve.deps import COOKIE, ReadAccess, RuntimeDep
from storyline.serve.graphics import world_map
from storyline.serve.search import Filters
from storyline.serve.search_query import quote
from storyline.store import reads

router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200)]
Day = Annotated[date | None, Query()]


def render(rt: Any, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with the values every page needs."""
    context.setdefault("q", "")
    body = rt.templates.get_template(name).render(**context)
    return HTMLResponse(body, status)


def filters_from(
    country: str | None,
    source: str | None,
    language: str | None,
    media: str | None,
    since: date | None,
    until: date | None,
) -> Filters:
    """Filters from query parameters; blank fields mean no filter, dates cover whole days."""
    return Filters(
        country=(country or "").strip().upper() or None,
        source=(source or "").strip() or None,
        language=(language or "").strip().lower() or None,
        media=(media or "").strip().lower() or None,
        since=datetime.combine(since, time.min, UTC) if since else None,
        until=datetime.combine(until, time.max, UTC) if until else None,
    )


def _params(**values: Any) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@router.get("/", response_class=HTMLResponse, dependencies=[ReadAccess])
def front_page(
    rt: RuntimeDep,
    country: Text = None,
    source: Text = None,
    language: Text = None,
    media: Text = None,
    since: Day = None,
    until: Day = None,
    cursor: Text = None,
) -> Response:
    """Developing stories, most recently updated first, with filters."""
    f = filters_from(country, source, language, media, since, until)
    try:
        if f.any():
            page = results.filtered_stories(rt.store, rt.index, f, cursor, rt.settings.page_size)
        else:
            page = queries.front_page(rt.store, rt.settings.page_size, cursor)
    except queries.CursorError as exc:
        raise HTTPException(400, str(exc)) from exc
    common = {
        "country": f.country,
        "source": f.source,
        "language": f.language,
        "media": f.media,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    next_url = f"/?{_params(**common, cursor=page.next_cursor)}" if page.next_cursor else None
    return render(
        rt,
        "front.html",
        cards=page.rows,
        f=f,
        filtered=f.any(),
        since=common["since"] or "",
        until=common["until"] or "",
        media_types=[str(m) for m in MediaType],
        next_url=next_url,
        export_url=f"/api/v1/stories?{_params(**common) or 'all=1'}",
    )


@router.get("/story/{story_id}", response_class=HTMLResponse, dependencies=[ReadAccess])
def story_page(rt: RuntimeDep, story_id: str, cursor: Text = None) -> Response:
    """One story: timeline, places on a map, people, organisations, dates, history."""
    current = story_id
    try:
        # A current id (nearly every request) needs no alias lookup first.
        detail = queries.story_detail(
            rt.store, current, rt.settings.page_size, cursor, with_sources=False,
            with_item_facts=False,
        )
    except queries.CursorError as exc:
        raise HTTPException(400, str(exc)) from exc
    if detail is None:
        resolved = reads.resolve_story_id(rt.store, story_id)
        if resolved is None:
            raise HTTPException(404, f"No story {story_id!r}.")
        # Merged away: the old address keeps working.
        return RedirectResponse(f"/story/{resolved}", 301)
    next_url = None
    if detail.next_cursor:
        next_url = f"/story/{current}?{_params(cursor=detail.next_cursor)}"
    return render(
        rt,
        "story.html",
        d=detail,
        map=world_map(code for code, _ in detail.facts["place"]),
        next_url=next_url,
    )


@router.get("/item/{item_id}", response_class=HTMLResponse, dependencies=[ReadAccess])
def item_page(rt: RuntimeDep, item_id: str) -> Response:
    """One item with every extracted fact and where it came from."""
    view = queries.item_view(rt.store, item_id)
    if view is None:
        raise HTTPException(404, f"No item {item_id!r}.")
    return render(rt, "item.html", v=view)


@router.get("/sources", response_class=HTMLResponse, dependencies=[ReadAccess])
def sources_page(rt: RuntimeDep) -> Response:
    """Every source's health."""
    return render(rt, "sources.html", rows=health.sources_health(rt.store))


@router.get("/search", response_class=HTMLResponse, dependencies=[ReadAccess])
def search_page(
    rt: RuntimeDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    cursor: Text = None,
) -> Response:
    """Full-text search with facets, results grouped by story."""
    try:
        page = results.search(rt.store, rt.index, q, cursor=cursor, light=True)
    except queries.CursorError as exc:
        raise HTTPException(400, str(exc)) from exc
    facets = {
        name: [
            (value, label, n, "/search?" + _params(q=f"{q} {_prefix(name)}:{quote(value)}"))
            for value, label, n in buckets
        ]
        for name, buckets in page.facets.items()
    }
    next_url = f"/search?{_params(q=q, cursor=page.next_cursor)}" if page.next_cursor else None
    return render(
        rt,
        "search.html",
        q=q,
        total=page.total,
        groups=[{"story": g.story, "items": g.items} for g in page.groups],
        facets=facets,
        next_url=next_url,
        feed_url=f"/feeds/search.atom?{_params(q=q)}",
        export_url=f"/api/v1/search/items?{_params(q=q)}",
    )


def _prefix(facet: str) -> str:
    return {"language": "lang"}.get(facet, facet)


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Sign in with an API token: kept in an HttpOnly, SameSite=Strict cookie."""
    rt = request.app.state.runtime
    form = parse_qs((await request.body()).decode("utf-8", "replace")[:2000])
    token = (form.get("token") or [""])[0].strip()
    target = (form.get("next") or ["/"])[0]
    if not target.startswith("/") or target.startswith("//"):  # no open redirects
        target = "/"
    if not check_token(rt.store, token, need_write=False):
        raise HTTPException(401, "That token is not valid.")
    response = RedirectResponse(target, 303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response
