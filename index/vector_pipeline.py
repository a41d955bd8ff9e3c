"""Embedding passages for storage: the passage and sentence vectors an archive keeps, and
``VectorPipeline``, which computes them beside ingest (the model, chromadb and SQLite overlap).

The pipeline drives an archive through ``VectorSink``, the part of ``Archive`` it uses, so that
``archive`` can offer it under its own name without the two modules importing each other.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from index.embedder import Embedder
from index.store import Store
from index.stored_vectors import PendingPassage
from index.text import sentence_spans
from index.vectors import VectorIndex


class VectorSink(Protocol):
    """What a ``VectorPipeline`` needs of an archive (``index.archive.Archive``)."""

    store: Store
    vectors: VectorIndex

    async def embedder(self) -> Embedder: ...

    async def embed_passages(
        self, texts: list[str]
    ) -> tuple[np.ndarray, list[list[tuple[int, int]]], list[np.ndarray]]: ...

    async def keep_vectors(
        self,
        ids: list[str],
        vectors: np.ndarray,
        spans: list[list[tuple[int, int]]],
        sentences: list[np.ndarray],
    ) -> None: ...


# The model is given at most this many passages per worker-thread call. A cancelled ingest
# (Ctrl-C) still waits for the call under way, since ``asyncio.run`` and the interpreter wait
# for worker threads at exit: 64 passages take about a second on two CPU cores, a batch of 256
# four times as long.
MODEL_CALL_PASSAGES = 64


async def embed_passages(
    embedder: Embedder, texts: list[str]
) -> tuple[np.ndarray, list[list[tuple[int, int]]], list[np.ndarray]]:
    """Passage vectors, sentence spans and sentence vectors of ``texts``, the model run in
    worker threads, ``MODEL_CALL_PASSAGES`` at a time (grouped by length, so that little of
    what the model gets is padding). An embedder that can (ONNX) pools the sentence vectors
    from the passages' own forward pass; others embed each sentence again."""
    spans = [[(s.start, s.end) for s in sentence_spans(text)] for text in texts]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors: np.ndarray | None = None
    sentences: list[np.ndarray] = [np.empty(0)] * len(texts)
    for start in range(0, len(order), MODEL_CALL_PASSAGES):
        chosen = order[start : start + MODEL_CALL_PASSAGES]
        some, some_sentences = await _embed_call(
            embedder, [texts[i] for i in chosen], [spans[i] for i in chosen]
        )
        if vectors is None:
            vectors = np.zeros((len(texts), some.shape[1]), dtype=some.dtype)
        vectors[chosen] = some
        for i, sentence_vectors in zip(chosen, some_sentences, strict=True):
            sentences[i] = sentence_vectors
    if vectors is None:  # no text at all: what the model gives for none
        vectors, sentences = await _embed_call(embedder, [], [])
    return vectors, spans, sentences


async def _embed_call(
    embedder: Embedder, texts: list[str], spans: list[list[tuple[int, int]]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """One worker-thread call of the model (two without sentence pooling)."""
    with_sentences = getattr(embedder, "embed_with_sentences", None)
    if with_sentences is not None:
        return await asyncio.to_thread(with_sentences, texts, spans)
    vectors = await asyncio.to_thread(embedder.embed, texts)
    pieces = [
        text[a:b]
        for text, passage_spans in zip(texts, spans, strict=True)
        for a, b in passage_spans
    ]
    flat = await asyncio.to_thread(embedder.embed, pieces) if pieces else vectors[:0]
    sentences, offset = [], 0
    for passage_spans in spans:
        sentences.append(flat[offset : offset + len(passage_spans)])
        offset += len(passage_spans)
    return vectors, sentences


@dataclass(slots=True)
class SyncTimings:
    """Busy seconds of each stage of a ``VectorPipeline`` (they overlap in wall time)."""

    embed: float = 0.0
    chroma: float = 0.0
    sqlite: float = 0.0
    passages: int = 0


class VectorPipeline:
    """Embeds pending passages in a worker thread while the caller keeps reading and saving
    pages, and writes chromadb in another: on two cores the model is the bound, so everything
    else has to happen beside it, not between its batches.

    One batch is embedded at a time; ``feed`` first lands the batch in flight (SQLite copies and
    the embedded mark, chromadb in the background) so the next ``pending_passages`` never
    returns a passage twice. A passage is marked embedded before chromadb has its vector; a
    run killed in between leaves it missing there, which ``reconcile_vectors`` (at the start of
    every ingest) finds and queues again. ``finish`` lands everything; call
    ``Archive.sync_vectors`` after it for deletions and stragglers.
    """

    def __init__(self, archive: VectorSink) -> None:
        self.archive = archive
        self.timings = SyncTimings()
        self._embedding: tuple[list[PendingPassage], asyncio.Task[Any]] | None = None
        self._chroma: asyncio.Task[None] | None = None

    async def feed(self, limit: int) -> int:
        """Start embedding up to ``limit`` pending passages; returns how many."""
        await self._land()
        pending = await self.archive.store.pending_passages(limit)
        if pending:
            # The model loaded and checked here, in the caller's task: the first check records
            # the model in SQLite, which from the embedding task could land inside a page the
            # caller is writing on the same connection ("cannot start a transaction within a
            # transaction", or that page committed half-way).
            await self.archive.embedder()
            task = asyncio.create_task(self._embed([p.text for p in pending]))
            self._embedding = (pending, task)
        return len(pending)

    async def finish(self) -> None:
        await self._land()
        if self._chroma is not None:
            chroma, self._chroma = self._chroma, None
            await chroma

    async def _embed(self, texts: list[str]) -> tuple[Any, Any, Any]:
        started = time.perf_counter()
        result = await self.archive.embed_passages(texts)
        self.timings.embed += time.perf_counter() - started
        return result

    def _upsert(self, ids: list[str], vectors: np.ndarray) -> None:
        started = time.perf_counter()
        self.archive.vectors.upsert(ids, vectors)
        self.timings.chroma += time.perf_counter() - started

    async def _land(self) -> None:
        if self._embedding is None:
            return
        (pending, task), self._embedding = self._embedding, None
        vectors, spans, sentences = await task
        ids = [p.passage_id for p in pending]
        if self._chroma is not None:  # one chromadb batch in flight at a time
            chroma, self._chroma = self._chroma, None
            await chroma
        self._chroma = asyncio.create_task(asyncio.to_thread(self._upsert, ids, vectors))
        started = time.perf_counter()
        await self.archive.keep_vectors(ids, vectors, spans, sentences)
        self.timings.sqlite += time.perf_counter() - started
        self.timings.passages += len(ids)
