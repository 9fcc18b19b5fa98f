"""Pages for checking listing splits: the lines the splitter was unsure of, and the form that
corrects one (``storyline.review``, as the CLI and the API do).

The form posts with the sign-in cookie, not a bearer header, so it is guarded against
cross-site requests twice: the cookie is ``SameSite=Strict`` (a browser does not send it with
a request started by another site), and the request's ``Origin`` (or, failing that,
``Referer``) must be this server. The cookie's token must be allowed to write.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from storyline.review import MAX_FIELD, CorrectionError, NoSuchItem, correct_split, flagged_items
from storyline.serve.auth import check_token, touch_token
from storyline.serve.deps import COOKIE, ReadAccess, RuntimeDep
from storyline.serve.pages import render

router = APIRouter(include_in_schema=False)

PAGE = 50


@router.get("/review", response_class=HTMLResponse, dependencies=[ReadAccess])
def review_page(rt: RuntimeDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """Listing lines whose split needs checking, newest first, each with its current split."""
    views = flagged_items(rt.store, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(
        rt,
        "review.html",
        views=views[:PAGE],
        page=page,
        next_url=f"/review?page={page + 1}" if len(views) > PAGE else None,
    )


def same_origin(request: Request) -> bool:
    """True when the request comes from one of this server's own pages."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    parts = urlsplit(claimed)
    return parts.scheme in ("http", "https") and parts.netloc == request.headers.get("host")


@router.post("/item/{item_id}/split", include_in_schema=False)
async def correct_split_form(request: Request, rt: RuntimeDep, item_id: str) -> Response:
    """Apply the item page's correction form, then show the item again."""
    if not same_origin(request):
        raise HTTPException(403, "A correction must be sent from this server's own item page.")
    token = request.cookies.get(COOKIE)
    allowed = await asyncio.to_thread(check_token, rt.store, token, True)
    if not allowed:
        return _sign_in(rt, item_id)
    body = await request.body()
    if len(body) > 4 * MAX_FIELD:
        raise HTTPException(413, "The correction is too long.")
    form = parse_qs(body.decode("utf-8", "replace"))

    def field(name: str) -> str | None:
        value = (form.get(name) or [""])[0].strip()
        return value or None

    try:
        await asyncio.to_thread(
            correct_split, rt.store, item_id, field("headline") or "", field("teaser"),
            field("kicker"), index=rt.index,
        )
    except NoSuchItem as exc:
        raise HTTPException(404, f"No item {item_id!r}.") from exc
    except CorrectionError as exc:
        raise HTTPException(422, f"Not corrected: {exc}.") from exc
    assert token is not None
    await asyncio.to_thread(touch_token, rt.store, token)
    rt.wrote()
    return RedirectResponse(f"/item/{item_id}", 303)


def _sign_in(rt: Any, item_id: str) -> Response:
    """The sign-in form, coming back to the item's page (the form's post is not repeated)."""
    return render(
        rt,
        "message.html",
        401,
        heading="Sign in",
        message="Correcting a split needs a token that may write (storyline token create).",
        login=True,
        next_path=f"/item/{item_id}",
    )
