"""Fetch bench: many feeds served locally, a full pass and a no-change pass (all 304).

    python bench/fetch.py                  # 1,000 feeds, one run
    python bench/fetch.py --feeds 200 --runs 3

The feeds are the shared development feeds (else the bundled examples), copied with every
item link made distinct (``?copy=N``), served by a threaded HTTP server in a child process so
the figures are the fetcher's own. Each copy keeps its titles, so from the second copy of a
feed on its items are stored as exact duplicates of the first (syndication, as it happens);
every item still goes through parsing, understanding and the write path. The second pass
sends the validators of the first and gets 304 for every feed. Peak memory is the bench
process's peak resident size, the store and the grouper included.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import re
import resource
import statistics
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storyline.fetch import registry
from storyline.fetch.fetcher import FetcherSettings
from storyline.fetch.runner import RunnerSettings, fetch_once
from storyline.store.db import Store

REPO = Path(__file__).resolve().parent.parent
_LINK = re.compile(rb"(<link>\s*|<link[^>]*href=\"|<guid[^>]*>\s*)(https?://[^<\"\s]+)")


def feed_files() -> list[Path]:
    """The shared feeds when present, else the examples."""
    shared = REPO.parent / "shared" / "data" / "feeds"
    folder = shared if shared.is_dir() else REPO / "examples" / "feeds"
    return sorted(p for p in folder.iterdir() if p.is_file())


def _serve(port_queue: multiprocessing.Queue[int], files: list[str]) -> None:
    bodies = {Path(f).name: Path(f).read_bytes() for f in files}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            _, number, name = self.path.strip("/").split("/")
            etag = '"' + hashlib.sha1(f"{name}/{number}".encode()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            suffix = b"copy=" + number.encode()
            body = _LINK.sub(
                lambda m: (
                    m.group(1) + m.group(2) + (b"&amp;" if b"?" in m.group(2) else b"?") + suffix
                ),
                bodies[name],
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def run_once(feeds: int, server_url: str, names: list[str]) -> dict[str, float]:
    """One bench run on a fresh database: the full pass and the 304 pass."""
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db") as store:
        for n in range(feeds):
            name = names[n % len(names)]
            registry.add_source(
                store,
                f"{server_url}/copy/{n // len(names)}/{name}",
                name=f"{name} #{n // len(names)}",
                allow_private=True,
            )
        # One local server stands in for a thousand hosts: the per-host limit is lifted.
        settings = RunnerSettings(
            fetcher=FetcherSettings(concurrency=16, per_host=16, max_bytes=8 << 20), chunk=100
        )
        started = time.perf_counter()
        full = fetch_once(store, due_only=False, settings=settings)
        full_time = time.perf_counter() - started
        started = time.perf_counter()
        again = fetch_once(store, due_only=False, settings=settings)
        again_time = time.perf_counter() - started
        failed = len(full.failed) + len(again.failed)
        if failed or again.not_modified != feeds:
            raise SystemExit(f"unexpected: {failed} failures, {again.not_modified} not modified")
        return {
            "full_s": full_time,
            "full_items": float(full.new),
            "full_items_s": full.new / full_time,
            "full_feeds_s": feeds / full_time,
            "nochange_s": again_time,
            "nochange_feeds_s": feeds / again_time,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    """Run the bench and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    files = feed_files()
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=_serve, args=(queue, [str(f) for f in files]), daemon=True
    )
    server.start()
    try:
        url = f"http://127.0.0.1:{queue.get(timeout=30)}"
        runs = [run_once(args.feeds, url, [f.name for f in files]) for _ in range(args.runs)]
    finally:
        server.terminate()
        server.join()
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"fetch bench: {args.feeds} feeds served locally, {args.runs} run(s), median")
    print(f"{'pass':<22}{'time s':>9}{'items':>9}{'items/s':>10}{'feeds/s':>10}")
    print(
        f"{'full (200)':<22}{median['full_s']:>9.1f}{median['full_items']:>9.0f}"
        f"{median['full_items_s']:>10.0f}{median['full_feeds_s']:>10.1f}"
    )
    print(
        f"{'no change (all 304)':<22}{median['nochange_s']:>9.1f}{0:>9}{0:>10}"
        f"{median['nochange_feeds_s']:>10.1f}"
    )
    print(f"peak RSS: {median['peak_rss_mib']:.0f} MiB (target <= 1024)")


if __name__ == "__main__":
    main()
