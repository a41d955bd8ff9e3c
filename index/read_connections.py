"""Read-only connections to ``archive.db`` beside the archive's own.

``read_only_connection`` serves a long read in a worker thread. ``SideConnection`` keeps one
open with a thread of its own. The archive's own connection runs every read of an ask in turn
on aiosqlite's one thread; a keyword search started ahead of need (``Archive.keyword_search``:
the whole archive's, while the period a question names is still being weighed) runs on the
side connection instead, beside those reads rather than in front of them, and one no longer
needed is interrupted, so it does not keep a core busy for the asks that follow.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def read_only_connection(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A read-only connection of its own to the SQLite file at ``path`` (whatever bytes its name
    holds: the URI quotes them), for a long read in a worker thread that must not hold up the
    archive's own connection. The caller closes it."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=check_same_thread
    )


class _Fetch:
    """One statement handed to the side thread; ``abandoned`` once its caller stopped waiting."""

    __slots__ = ("abandoned",)

    def __init__(self) -> None:
        self.abandoned = False


class SideConnection:
    """A read-only connection, opened at its first statement, with a thread of its own."""

    def __init__(self, path: Path, cache_kib: int) -> None:
        self._path = path
        self._cache_kib = cache_kib
        # One thread: the connection runs one statement at a time, in the order asked.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archivist-side")
        self._db: sqlite3.Connection | None = None
        # The fetch now running: an interrupt goes out only while the abandoned fetch is the
        # one running, never to a statement that comes after it.
        self._running: _Fetch | None = None
        self._state = threading.Lock()

    def _fetch(self, fetch: _Fetch, sql: str, parameters: list[Any]) -> list[Any]:
        if self._db is None:
            self._db = read_only_connection(self._path, check_same_thread=False)
            self._db.execute(f"PRAGMA cache_size = {-self._cache_kib}")
        with self._state:
            if fetch.abandoned:
                return []
            self._running = fetch
        try:
            return self._db.execute(sql, parameters).fetchall()
        finally:
            with self._state:
                self._running = None

    async def fetchall(self, sql: str, parameters: list[Any]) -> list[Any]:
        """The rows of ``sql``; cancelling the caller interrupts the statement."""
        fetch = _Fetch()
        running = asyncio.get_running_loop().run_in_executor(
            self._thread, self._fetch, fetch, sql, parameters
        )
        try:
            return await running
        except asyncio.CancelledError:
            with self._state:
                fetch.abandoned = True
                if self._running is fetch and self._db is not None:
                    self._db.interrupt()
            raise

    async def close(self) -> None:
        """Wait for the statement running, if any, and close the connection (opened in the
        side thread, closed here: it is never used by two threads at once)."""
        await asyncio.to_thread(self._thread.shutdown)
        if self._db is not None:
            self._db.close()
            self._db = None
