"""The derived vector index: one chromadb vector per passage, keyed by passage id.

chromadb never embeds anything here: every call passes vectors we computed, and collections are
opened with ``embedding_function=None`` (its default function would download a model). Only the
metadata filters need is stored beside each vector; the text lives in SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from index.models import SearchFilters, date_as_int


class VectorStoreUnavailable(RuntimeError):
    """The configured chroma server cannot be reached."""


def chroma_where(filters: SearchFilters) -> dict[str, Any] | None:
    conditions: list[dict[str, Any]] = []
    if filters.kind:
        conditions.append({"kind": filters.kind})
    if filters.site:
        conditions.append({"site": filters.site})
    if filters.author:
        conditions.append({"author": filters.author})
    if filters.since:
        conditions.append({"published": {"$gte": date_as_int(filters.since)}})
    if filters.until:
        conditions.append({"published": {"$lte": date_as_int(filters.until)}})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


class VectorIndex:
    """A chromadb collection, embedded (``PersistentClient``) or behind a server (``url``).

    Calls block: the async archive runs them in a worker thread.
    """

    def __init__(self, path: Path, collection: str, url: str | None = None) -> None:
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
        self._collection = self._client.get_or_create_collection(
            collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        self._max_batch = int(self._client.get_max_batch_size())

    def count(self) -> int:
        return int(self._collection.count())

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        for start in range(0, len(ids), self._max_batch):
            stop = start + self._max_batch
            self._collection.upsert(
                ids=list(ids[start:stop]),
                embeddings=vectors[start:stop],
                metadatas=list(metadatas[start:stop]),
            )

    def ids(self) -> set[str]:
        """Every id in the collection, read in pages (the ids only, no vectors)."""
        found: set[str] = set()
        offset = 0
        while True:
            page = self._collection.get(include=[], limit=self._max_batch, offset=offset)
            found.update(page["ids"])
            if len(page["ids"]) < self._max_batch:
                return found
            offset += self._max_batch

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._max_batch):
            self._collection.delete(ids=list(ids[start : start + self._max_batch]))

    def query(
        self, vector: np.ndarray, limit: int, filters: SearchFilters
    ) -> list[tuple[str, float]]:
        """Nearest passage ids with their cosine similarity, best first."""
        available = self.count()
        if available == 0 or limit <= 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=min(limit, available),
            where=chroma_where(filters),
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result["distances"] else [1.0] * len(ids)
        return [(pid, 1.0 - float(distance)) for pid, distance in zip(ids, distances, strict=True)]
