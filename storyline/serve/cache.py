"""A small response cache for reads, invalidated by the database's own version.

A page depends only on the database, so a response can be reused until the data changes.
The version is the highest item seq, story event id and item split change time, the
sources' and watched sources' state, read at most once a second (a few index lookups and
small scans); any ingest, merge, split, correction or fetch therefore shows within about a
second, and a write through this server's API at once. Only complete 200 responses to GET
requests without credentials are kept, and never when reads need a token, so access
control is unaffected.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, func, select

from storyline.fetch.tables import source_settings
from storyline.serve.security import ASGIApp, Message, Receive, Scope, Send
from storyline.store import schema as t
from storyline.store.db import Store

_MAX_BODY = 2_000_000


def data_version(store: Store) -> tuple[Any, ...]:
    """Changes whenever anything a page shows changes."""
    with store.engine.connect() as conn:
        return (
            conn.execute(select(func.max(t.items.c.seq))).scalar(),
            conn.execute(select(func.max(t.story_events.c.id))).scalar(),
            conn.execute(select(func.max(t.split_corrections.c.created_at))).scalar(),
            conn.execute(select(func.count()).select_from(t.sources)).scalar(),
            conn.execute(select(func.max(t.sources.c.last_ingest_at))).scalar(),
            # Watched sources: added, removed, paused, resumed, re-set, fetched.
            tuple(
                conn.execute(
                    select(
                        func.count(),
                        func.sum(source_settings.c.paused.cast(Integer)),
                        func.sum(source_settings.c.every_seconds),
                        func.sum(source_settings.c.full_text.cast(Integer)),
                        func.max(source_settings.c.last_attempt_at),
                        func.sum(source_settings.c.consecutive_failures),
                    )
                ).one()
            ),
        )


class ResponseCache:
    """ASGI middleware keeping recent GET responses, keyed by address and data version."""

    def __init__(
        self,
        app: ASGIApp,
        store: Callable[[], Store | None],
        enabled: Callable[[], bool],
        generation: Callable[[], int] = lambda: 0,
        size: int = 512,
        every: float = 1.0,
    ) -> None:
        self.app = app
        self.store = store
        self.enabled = enabled
        self.generation = generation
        self.size = size
        self.every = every
        self.entries: OrderedDict[tuple[Any, ...], list[Message]] = OrderedDict()
        self.lock = threading.Lock()
        self.pending: dict[tuple[Any, ...], asyncio.Event] = {}
        self._version: tuple[Any, ...] = ()
        self._checked = 0.0

    def version(self) -> tuple[Any, ...] | None:
        """The data version, re-read at most every ``every`` seconds."""
        store = self.store()
        if store is None:
            return None
        now = time.monotonic()
        if now - self._checked > self.every:
            self._version = data_version(store)
            self._checked = now
        # Writes through this server count at once, not up to a second later.
        return (*self._version, self.generation())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the cache, or pass on and remember a cacheable answer."""
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        version = self.version()
        if version is None:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""), version)
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
        if hit is None and key in self.pending:
            # Single flight: many clients asking for the same new page wait for one answer
            # instead of all computing it at once.
            await self.pending[key].wait()
            with self.lock:
                hit = self.entries.get(key)
        if hit is not None:
            for message in hit:
                await send(message)
            return
        done = self.pending.setdefault(key, asyncio.Event())
        try:
            await self._compute(key, scope, receive, send)
        finally:
            self.pending.pop(key, None)
            done.set()

    async def _compute(
        self, key: tuple[Any, ...], scope: Scope, receive: Receive, send: Send
    ) -> None:
        recorded: list[Message] = []
        keep = True
        size = 0

        async def recording_send(message: Message) -> None:
            nonlocal keep, size
            if message["type"] == "http.response.start" and message["status"] != 200:
                keep = False
            if message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                keep = keep and size <= _MAX_BODY
            if keep:
                recorded.append(dict(message))
            await send(message)

        await self.app(scope, receive, recording_send)
        if keep and recorded and not recorded[-1].get("more_body", False):
            with self.lock:
                self.entries[key] = recorded
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.enabled():
            return False
        if scope["path"].startswith("/static/"):
            return False
        query = scope.get("query_string", b"")
        if b"format=" in query or b"token=" in query:  # downloads stream; tokens stay out
            return False
        headers = dict(scope.get("headers", []))
        return b"authorization" not in headers and b"cookie" not in headers
