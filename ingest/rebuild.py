"""Rebuilding the vectors as a new generation (``index.generations``) under the archive's
ingest lock, and removing at start what a rebuild cut short left behind.

The lock (``ingest.lock``) keeps an ingest from changing the passages while a rebuild embeds
them, and keeps a start from removing a generation another process is still building.
"""

from __future__ import annotations

from collections.abc import Callable

from index.archive import Archive
from index.generations import RebuildReport, rebuild_generation
from index.generations import discard_partial_generations as discard_generations
from ingest.lock import ingest_lock, ingest_lock_if_free


async def rebuild(
    archive: Archive,
    *,
    batch_size: int = 256,
    on_progress: Callable[[int, int], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> RebuildReport:
    """Build a new generation of every passage's vectors and switch to it, one run at a time
    with ingests; a partial generation left by an earlier rebuild is removed first."""
    async with ingest_lock(archive.store.path, on_wait):
        await discard_generations(archive)
        return await rebuild_generation(archive, batch_size, on_progress)


async def discard_partial_generations(archive: Archive) -> list[str]:
    """At start: remove what killed or failed rebuilds left, unless a rebuild or an ingest
    holds the archive now (it may be building that generation). Returns the collections
    dropped."""
    with ingest_lock_if_free(archive.store.path) as free:
        if not free:
            return []
        return await discard_generations(archive)
