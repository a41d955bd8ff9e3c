"""One ingest at a time per archive: an exclusive ``flock`` on a file beside the archive's
SQLite database, held for the whole run, by ``archivist ingest`` and ``/reindex`` alike.

Two runs at once would corrupt nothing (each page commits on its own, and every run reconciles
the vectors first) but both would embed the same new passages, twice the work for one result.
So a second run waits for the first, saying so once, and then finds the files it shares with
the first one unchanged. The lock is the kernel's: it is released when its holder exits,
however it ends (even ``kill -9``), so a dead run never leaves the archive locked.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

WAITING = "another ingest is running on this archive; waiting"
#: How often a waiting run tries the lock again. Polled rather than a blocking ``flock`` in a
#: thread, so that a wait can be cancelled (Ctrl-C) at once.
POLL_SECONDS = 0.25


def lock_path(database: Path) -> Path:
    """The lock file of the archive whose SQLite database is ``database``."""
    return database.with_name(database.name + ".ingest-lock")


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.asynccontextmanager
async def ingest_lock(
    database: Path, on_wait: Callable[[str], None] | None = None
) -> AsyncIterator[None]:
    """Hold the archive's ingest lock for the block; while another run holds it, wait, having
    told ``on_wait`` so (once)."""
    descriptor = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(descriptor):
            if on_wait is not None:
                on_wait(WAITING)
            # The lock is the kernel's: no event says when it is free, so it is polled.
            while not _try_lock(descriptor):  # noqa: ASYNC110
                await asyncio.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextlib.contextmanager
def ingest_lock_if_free(database: Path) -> Iterator[bool]:
    """Hold the archive's ingest lock for the block when no run holds it: yields whether it
    does. For work that must not run beside an ingest or a rebuild, and may wait for the next
    start instead (removing a half-built generation)."""
    descriptor = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        yield _try_lock(descriptor)
    finally:
        os.close(descriptor)
