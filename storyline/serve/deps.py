"""FastAPI dependencies shared by the routers: the runtime and the token checks.

They are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread, and three
thread hops per page (runtime, read check, endpoint), each waiting for one of the few
threads, lengthened every uncached page under load. Only a token check touches the
database, and it alone goes to a thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from storyline.serve.app import Runtime, runtime
from storyline.serve.auth import check_token

COOKIE = "storyline_token"

RuntimeDep = Annotated[Runtime, Depends(runtime)]


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def require_read(request: Request, rt: RuntimeDep) -> None:
    """Let a read through, asking for a token only when the server is configured so."""
    if not rt.settings.read_token_required:
        return
    # Pages sign in with a cookie, feed readers can only put the token in the URL.
    token = bearer(request) or request.cookies.get(COOKIE) or request.query_params.get("token")
    if not await run_in_threadpool(check_token, rt.store, token, need_write=False):
        raise HTTPException(401, "This server needs a token to read.",
                            headers={"WWW-Authenticate": "Bearer"})


async def require_write(request: Request, rt: RuntimeDep) -> str:
    """A valid token allowed to write, from the Authorization header only (no cookies: no CSRF)."""
    token = bearer(request)
    if not await run_in_threadpool(check_token, rt.store, token, need_write=True):
        raise HTTPException(401, "A write needs a bearer token: storyline token create",
                            headers={"WWW-Authenticate": "Bearer"})
    assert token is not None
    return token


ReadAccess = Depends(require_read)
