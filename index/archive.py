"""The archive: SQLite (the truth) plus the chromadb collection derived from it.

``ingest`` writes through ``Archive.save_document`` and ``Archive.sync_vectors``; ``bot`` reads
through ``Archive.search`` and the lookups. Blocking work (the model, chromadb) runs in worker
threads so an event loop that awaits the archive keeps its beat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import Embedder, load_embedder
from index.models import DocumentRecord, Hit, Passage, SearchFilters
from index.search import reciprocal_rank_fusion
from index.store import SaveOutcome, Store
from index.text import content_words
from index.vectors import VectorIndex

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# How many candidates each retriever contributes before fusion.
CANDIDATES = 50


class ModelMismatch(RuntimeError):
    """The archive's vectors were made by another model than the one configured."""


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    documents: int
    passages: int
    article_passages: int
    comment_passages: int
    vectors: int
    index_version: int
    last_ingest: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class Archive:
    def __init__(
        self,
        store: Store,
        vectors: VectorIndex,
        index_version: int,
        embed_model: str,
        device: str | None,
        embedder: Embedder | None,
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.index_version = index_version
        self.embed_model = embed_model
        self._device = device
        self._embedder = embedder
        self._model_checked = False

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        *,
        embed_model: str = DEFAULT_MODEL,
        device: str | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
    ) -> Archive:
        """Open (creating if needed) the archive in ``data_dir``. The model loads on first use."""
        store = await Store.open(data_dir / "archive.db")
        version = int(await store.get_meta("index_version") or 1)
        if await store.get_meta("index_version") is None:
            await store.set_meta("index_version", str(version))
        vectors = await asyncio.to_thread(
            VectorIndex, data_dir / "chroma", f"passages_v{version}", chroma_url
        )
        model_name = embedder.name if embedder else embed_model
        return cls(store, vectors, version, model_name, device, embedder)

    async def close(self) -> None:
        await self.store.close()

    async def __aenter__(self) -> Archive:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- embedding -----------------------------------------------------------------------------

    async def embedder(self) -> Embedder:
        """The configured model, loaded once (in a worker thread: it takes seconds)."""
        if self._embedder is None:
            self._embedder = await asyncio.to_thread(load_embedder, self.embed_model, self._device)
        if not self._model_checked:
            recorded = await self.store.get_meta("embed_model")
            if recorded is None:
                await self.store.set_meta("embed_model", self._embedder.name)
            elif recorded != self._embedder.name:
                raise ModelMismatch(
                    f"this archive's vectors were made with {recorded!r} but EMBED_MODEL is "
                    f"{self._embedder.name!r}; set EMBED_MODEL back or re-index the archive"
                )
            self._model_checked = True
        return self._embedder

    async def embed(self, texts: list[str]) -> np.ndarray:
        embedder = await self.embedder()
        return await asyncio.to_thread(embedder.embed, texts)

    # --- writing -------------------------------------------------------------------------------

    async def save_document(self, document: DocumentRecord) -> SaveOutcome:
        return await self.store.save_document(document)

    async def sync_vectors(
        self, batch_size: int = 256, on_progress: Callable[[int], None] | None = None
    ) -> int:
        """Bring chromadb in line with SQLite: drop vectors of removed passages, embed and add
        those of new ones. Safe to repeat and to interrupt: it resumes where SQLite says."""
        stale = await self.store.pending_deletions()
        if stale:
            await asyncio.to_thread(self.vectors.delete, stale)
            await self.store.clear_deletions(stale)
        written = 0
        while pending := await self.store.pending_passages(batch_size):
            vectors = await self.embed([p.text for p in pending])
            ids = [p.passage_id for p in pending]
            await asyncio.to_thread(
                self.vectors.upsert, ids, vectors, [p.metadata for p in pending]
            )
            await self.store.mark_embedded(ids)
            written += len(ids)
            if on_progress:
                on_progress(written)
        return written

    async def reconcile_vectors(self) -> tuple[int, int]:
        """Make chromadb hold exactly the passages SQLite holds, whatever happened before (a
        run killed between the two stores): vectors without a passage are deleted, passages
        recorded as embedded whose vector is missing are queued again. Returns (deleted,
        queued); ``sync_vectors`` then embeds what is queued."""
        in_chroma = await asyncio.to_thread(self.vectors.ids)
        in_sqlite = await self.store.passage_states()
        orphans = [pid for pid in in_chroma if pid not in in_sqlite]
        missing = [pid for pid, done in in_sqlite.items() if done and pid not in in_chroma]
        if orphans:
            await asyncio.to_thread(self.vectors.delete, orphans)
        if missing:
            await self.store.mark_pending(missing)
        return len(orphans), len(missing)

    # --- reading -------------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 10,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Hybrid search: chromadb nearest neighbours and FTS5 BM25, fused by reciprocal rank."""
        filters = filters or SearchFilters()
        if query_vector is None:
            query_vector = (await self.embed([query]))[0]
        dense, lexical = await asyncio.gather(
            asyncio.to_thread(self.vectors.query, query_vector, CANDIDATES, filters),
            self.store.lexical_search(content_words(query), filters, CANDIDATES),
        )
        dense_rank = {pid: rank for rank, (pid, _) in enumerate(dense, start=1)}
        similarity = dict(dense)
        lexical_rank = {pid: rank for rank, (pid, _) in enumerate(lexical, start=1)}
        fused = reciprocal_rank_fusion([list(dense_rank), list(lexical_rank)])
        top = list(fused)[:limit]
        passages = await self.store.passages(top)
        return [
            Hit(
                passage=passages[pid],
                score=fused[pid],
                dense_rank=dense_rank.get(pid),
                lexical_rank=lexical_rank.get(pid),
                similarity=similarity.get(pid),
            )
            for pid in top
            if pid in passages  # a vector whose passage was just removed is not an answer
        ]

    async def passage(self, passage_id: str) -> Passage | None:
        return (await self.store.passages([passage_id])).get(passage_id)

    async def stats(self) -> ArchiveStats:
        counts = await self.store.counts()
        vectors = await asyncio.to_thread(self.vectors.count)
        return ArchiveStats(
            vectors=vectors,
            index_version=self.index_version,
            last_ingest=await self.store.last_ingest(),
            **counts,
        )
