"""Rebuilding the derived vectors as a new generation beside the live one.

A generation is everything that depends on the embedding model: a chromadb collection, the
passage and sentence vector copies in SQLite, and the projection they are packed with. A
rebuild embeds every passage SQLite holds into a new collection and staging tables, then makes
it live in one SQLite transaction (``Store.switch_generation``) and only then drops the old
collection. Until the switch commits, readers keep reading the old generation whole; right after
it they follow the new one (``Archive.refresh``). A rebuild that fails or is killed leaves the
old generation live; what it built is removed at the next start
(``Archive.discard_partial_generations``).

One rebuild at a time, and no ingest beside it: the caller holds the archive's ingest lock
(``ingest.rebuild``), so the passages cannot change under the rebuild.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.archive import (
    PROJECTION_MIN_PASSAGES,
    PROJECTION_SAMPLE_PASSAGES,
    Archive,
    collection_name,
    collection_prefix,
)
from index.vector_codec import PROJECTED_DIMENSION, Projection, unpack
from index.vector_pipeline import embed_passages


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What a rebuild did: the generation it replaced and the one it made live."""

    old_generation: int
    new_generation: int
    collection: str
    passages: int
    embed_model: str

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}

    def summary(self) -> str:
        return (
            f"generation {self.old_generation} → {self.new_generation} ({self.passages}"
            f" passages embedded with {self.embed_model}, collection {self.collection})"
        )


async def rebuild_generation(
    archive: Archive,
    batch_size: int = 256,
    on_progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Embed every passage into a new generation, switch to it, drop the old one.

    ``archive`` should be a ``writer`` (a connection of its own) when readers share the
    archive. ``on_progress(done, total)`` hears of each batch."""
    store = archive.store
    # Another process may have switched since this archive looked: the old generation dropped
    # at the end must be the one live now.
    await archive.follow_live_generation()
    embedder = await archive.configured_embedder()
    number = await store.next_generation_number()
    name = collection_name(archive.archive_id, number)
    # Recorded before the collection exists, so a kill at any later point is found at start.
    await store.begin_generation(number, name, embedder.name)
    # A number is used again after a partial generation was removed: start from nothing even
    # if that removal did not get to its collection.
    await asyncio.to_thread(archive.vectors.drop_collection, name)
    new_vectors = await asyncio.to_thread(archive.vectors.sibling, name)
    total = await store.passage_count()
    done = 0
    last_seq = 0
    while batch := await store.passages_after(last_seq, max(1, batch_size)):
        seqs = [seq for seq, _, _ in batch]
        ids = [pid for _, pid, _ in batch]
        vectors, spans, sentences = await embed_passages(embedder, [t for _, _, t in batch])
        await asyncio.to_thread(new_vectors.upsert, ids, vectors)
        await store.stage_vectors(seqs, vectors, spans, sentences)
        last_seq = seqs[-1]
        done += len(batch)
        if on_progress:
            on_progress(done, total)
    projection = await _fit_projection(archive)
    old = await store.switch_generation(number, embedder.name, projection)
    old_vectors = archive.vectors
    archive.vectors, archive.index_version = new_vectors, number
    archive.vectors_model = embedder.name
    archive.changed()
    if old_vectors.collection_name != name:
        await asyncio.to_thread(old_vectors.drop_collection, old_vectors.collection_name)
    return RebuildReport(old, number, name, done, embedder.name)


async def _fit_projection(archive: Archive) -> Projection | None:
    """The new generation's own projection, fitted on its staged sentence vectors once it is
    as large as an archive that projects (``Archive.fit_projection_when_due``)."""
    store = archive.store
    if await store.staged_count() < PROJECTION_MIN_PASSAGES:
        return None
    sample = await store.staged_sentence_sample(PROJECTION_SAMPLE_PASSAGES)
    rows = [unpack(blob, count) for blob, count in sample]
    found = [r for r in rows if r.size]
    if not found:
        return None
    vectors = np.vstack(found)
    if vectors.shape[1] < 2 * PROJECTED_DIMENSION or len(vectors) <= 4 * PROJECTED_DIMENSION:
        return None
    projection = await asyncio.to_thread(Projection.fit, vectors)
    await store.repack_staged(projection)
    return projection


async def discard_partial_generations(archive: Archive) -> list[str]:
    """Remove what rebuilds that never switched left behind (killed, or failed): their
    ``building`` rows, the staging tables and their collections, and any collection of this
    archive other than the live one (a rebuild killed after its switch, before it dropped the
    old). Only while no rebuild runs (the caller holds the ingest lock). Returns the
    collections dropped."""
    # The live generation is SQLite's word, not this object's: another process may have
    # switched since it looked, and the collection it switched to must stay.
    await archive.follow_live_generation()
    abandoned = set(await archive.store.abandon_generations(keep=0))
    prefix = collection_prefix(archive.archive_id)
    names = await asyncio.to_thread(archive.vectors.collection_names)
    live = collection_name(archive.archive_id, archive.index_version)
    stale = sorted(
        {n for n in names if n.startswith(prefix) and n != live} | (abandoned & set(names))
    )
    for name in stale:
        await asyncio.to_thread(archive.vectors.drop_collection, name)
    return stale
