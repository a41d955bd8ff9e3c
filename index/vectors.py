"""The derived vector index: one chromadb vector per passage, keyed by passage id.

chromadb never embeds anything here: every call passes vectors we computed, and collections are
opened with ``embedding_function=None`` (its default function would download a model). Nothing
else is stored beside a vector: the text lives in SQLite, and filters are applied there
(``Archive.dense_search``), so per-vector metadata would only take room (~0.4 KB a passage).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

#: HNSW ``ef_search`` chromadb searches with unless told otherwise.
CHROMA_EF_SEARCH = 100
#: Passages per candidate when the archive's size sets ``ef_search`` (``ef_search_for``).
PASSAGES_PER_CANDIDATE = 125
#: The most candidates a size-chosen ``ef_search`` weighs (~15 ms a query past 1M passages).
EF_SEARCH_BY_SIZE_MAX = 10_000


def ef_search_for(passages: int) -> int:
    """The ``ef_search`` an archive of ``passages`` is searched with when none is configured:
    chromadb's 100 up to 12,500 passages, then one candidate per 125 passages. Chosen from
    recall@10 against exact search in ``make bench``: 100 finds 0.997 at 10k passages and
    0.967 at 100k but 0.58 at 1M, where 3,000 finds 0.92 and 8,000 0.96 (HNSW loses its way
    between clusters of near-duplicates, and the benchmark's 1M archive repeats each real
    passage ~340 times)."""
    return min(EF_SEARCH_BY_SIZE_MAX, max(CHROMA_EF_SEARCH, passages // PASSAGES_PER_CANDIDATE))


class VectorStoreUnavailable(RuntimeError):
    """The configured chroma server cannot be reached."""


class VectorIndex:
    """A chromadb collection, embedded (``PersistentClient``) or behind a server (``url``).

    Calls block: the async archive runs them in a worker thread.
    """

    def __init__(
        self, path: Path, collection: str, url: str | None = None, ef_search: int | None = None
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url)
            try:
                self._client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
            except Exception as error:  # chromadb wraps connection errors in several types
                raise VectorStoreUnavailable(
                    f"CHROMA_URL={url}: cannot reach the chroma server ({error})"
                ) from error
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        self.collection_name = collection
        self.ef_search = ef_search
        self._collection = self._open_collection(collection)
        self._max_batch = int(self._client.get_max_batch_size())

    def _open_collection(self, collection: str) -> Any:
        """The collection, created if needed, its ``ef_search`` set to this index's. chromadb
        reads ``ef_search`` when a process first loads the index, so it is set before any
        query; None leaves the collection's own."""
        opened = self._client.get_or_create_collection(
            collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        if self.ef_search is not None:
            hnsw = (opened.configuration_json or {}).get("hnsw") or {}
            if hnsw.get("ef_search") != self.ef_search:
                opened.modify(configuration={"hnsw": {"ef_search": self.ef_search}})
        return opened

    def sibling(self, collection: str) -> VectorIndex:
        """Another collection on the same client (a generation being built beside this one)."""
        other = object.__new__(VectorIndex)
        other._client = self._client
        other.collection_name = collection
        other.ef_search = self.ef_search
        other._collection = other._open_collection(collection)
        other._max_batch = self._max_batch
        return other

    def collection_names(self) -> list[str]:
        """Every collection on the client (this archive's and, on a server, others')."""
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]

    def drop_collection(self, collection: str) -> None:
        """Delete a whole collection; one already gone is no error."""
        try:
            self._client.delete_collection(collection)
        except Exception as error:  # chromadb raises several types for a missing collection
            if collection in self.collection_names():
                raise error

    def count(self) -> int:
        return int(self._collection.count())

    def upsert(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        for start in range(0, len(ids), self._max_batch):
            stop = start + self._max_batch
            self._collection.upsert(ids=list(ids[start:stop]), embeddings=vectors[start:stop])

    def ids(self) -> set[str]:
        """Every id in the collection, read in pages (the ids only, no vectors)."""
        return {pid for page in self._pages(include=[]) for pid in page["ids"]}

    def pages_of_vectors(self) -> Iterator[tuple[list[str], np.ndarray]]:
        """Every id with its vector, a page at a time: for comparing the index's search with an
        exact one (``make bench``), not for serving."""
        for page in self._pages(include=["embeddings"]):
            yield list(page["ids"]), np.asarray(page["embeddings"], dtype=np.float32)

    def _pages(self, include: list[str]) -> Iterator[Any]:
        """The collection read ``_max_batch`` records at a time (non-empty pages only)."""
        offset = 0
        while True:
            page = self._collection.get(include=include, limit=self._max_batch, offset=offset)
            if page["ids"]:
                yield page
            if len(page["ids"]) < self._max_batch:
                return
            offset += self._max_batch

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._max_batch):
            self._collection.delete(ids=list(ids[start : start + self._max_batch]))

    def query(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """Nearest passage ids with their cosine similarity, best first."""
        if limit <= 0:
            return []
        # No count() first: chromadb returns fewer when it holds fewer, and counting cost ~8 ms
        # per query at 100k vectors.
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=limit,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result["distances"] else [1.0] * len(ids)
        return [(pid, 1.0 - float(distance)) for pid, distance in zip(ids, distances, strict=True)]
