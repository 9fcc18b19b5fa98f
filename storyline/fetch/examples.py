"""Serving a folder on 127.0.0.1, so ``storyline run --serve-examples`` works with no network.

The standard library's file server answers ``If-Modified-Since`` with 304, so the bundled
examples exercise conditional GET as a real site would.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the terminal for storyline's own messages."""


class FolderServer:
    """A folder served over HTTP on 127.0.0.1 in a background thread; ``close()`` stops it."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            # The usual port is taken: any free one will do for this run.
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="storyline-examples",
            daemon=True,
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        """The URL of the folder's root, ending in a slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
