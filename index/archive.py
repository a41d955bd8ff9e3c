"""The archive: SQLite (the truth) plus the chromadb collection derived from it.

``ingest`` writes through ``Archive.save_document`` and ``Archive.sync_vectors``; ``bot`` reads
through ``Archive.search`` and the lookups. Blocking work (the model, chromadb) runs in worker
threads so an event loop that awaits the archive keeps its beat.

``VectorPipeline`` (embedding beside ingest) lives in ``vector_pipeline`` and ``ArchiveStats`` in
``models``; both are still imported from here, and rebuilding the vectors as a new generation
lives in ``generations``. Why one module: what remains is one class past 400 lines because its
read-side caches (passage counts, term frequencies, date bounds, the projection, the vector
table, the live generation's collection) serve both its writing and its searching halves and
are dropped together by ``changed``; and the tuning constants below are read in this module, so
patching them here (as tests do) takes effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from index.documents import SaveOutcome, SaveResult
from index.embedder import Backend, Embedder, load_embedder
from index.lexical import common_term_frequencies
from index.models import ArchiveStats, DocumentRecord, Hit, Passage, SearchFilters
from index.search import reciprocal_rank_fusion
from index.store import Store
from index.stored_vectors import PendingPassage, read_passage_vectors
from index.text import content_words
from index.vector_codec import (
    PROJECTED_DIMENSION,
    ProjectedTable,
    Projection,
    cosines,
    pack,
    unpack,
)
from index.vector_pipeline import SyncTimings as SyncTimings
from index.vector_pipeline import VectorPipeline as VectorPipeline
from index.vector_pipeline import embed_passages
from index.vectors import VectorIndex, ef_search_for

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@functools.cache
def one_blas_thread() -> None:
    """Keep numpy's BLAS (OpenBLAS) to one thread in this process. Its worker threads busy-wait
    for a while after every matrix product, and the archive's products are small (a filter's
    packed vectors, the hits' sentences): on two cores that spinning took a core from the
    SQLite and chromadb threads of the search that came next. At 1M passages "... in December
    2016" asks (a period search, then the whole archive's) went from p95 83 to 58 ms."""
    threadpool_limits(1, user_api="blas")


# How many candidates each retriever contributes before fusion.
CANDIDATES = 50
# Filtered dense search: chromadb's `where` scans every vector (~100 ms at 100k), so a filter
# admitting at most this many passages is scored exactly from the float16 copies in SQLite, and
# a broader one over-fetches unfiltered neighbours from chromadb and keeps the admitted ones.
# (5,000 would save ~10 ms on 7-8% filters at 100k, but over-fetching for a one-year filter kept
# only 72% of the exact top-10 on the bench archive.)
EXACT_SEARCH_MAX = 12_000
OVERFETCH_MAX = 1_000
# Terms in more than this share of passages are left out of the FTS5 query when others remain:
# they barely move BM25, and each one makes the OR query walk a huge posting list.
COMMON_TERM_SHARE = 0.08
COMMON_TERM_MIN_PASSAGES = 2_000
# FTS5 scores every row that holds any term of the OR query (a LIMIT does not prune it): ~1 ms
# per 1,000 postings. Past 100k passages even the terms under the share above hold tens of
# thousands of rows each, so the query keeps the question's rarest terms while their postings
# add up to at most this (always one term): the words that pick the passage. The dense side still
# reads the whole question. Smaller archives never reach it (the share above caps each term).
LEXICAL_POSTINGS_BUDGET = 20_000
# A filter's facet tokens join the FTS5 query with AND, which walks the facet's posting list: for
# a filter admitting half of 1M passages (the comments) that costs ~10 ms more than the query
# without it. A filter admitting at least this share over-fetches unfiltered instead and keeps
# what it admits, as the dense search does; narrower ones are faster with the AND.
LEXICAL_OVERFETCH_SHARE = 0.25
# Once this many passages have vectors, the archive fits its projection (``vector_codec``) on
# their sentence vectors (~10k of them, 25 times the model's dimension) and stores vectors
# projected from then on; smaller archives keep full int8 copies, whose room does not matter.
PROJECTION_MIN_PASSAGES = 2_000
PROJECTION_SAMPLE_PASSAGES = 10_000
# ``warm_up`` reads the document frequency of every term in this many passages or more (at most
# the ``WARM_TERMS_MAX`` commonest): looked up cold, such a term's posting list is walked while
# the question waits (at 1M passages ~3 ms a question, up to 9, until the cache holds its words);
# a rarer term is quick to look up when asked.
WARM_TERM_MIN_PASSAGES = 100
WARM_TERMS_MAX = 50_000


def collection_name(archive_id: str, version: int) -> str:
    """Each archive names its own collections, so several can share one chroma server; each
    generation of its vectors (``index.generations``) has its own."""
    return f"{collection_prefix(archive_id)}{version}"


def collection_prefix(archive_id: str) -> str:
    return f"archive_{archive_id}_v"


class ModelMismatch(RuntimeError):
    """The archive's vectors were made by another model than the one configured."""


def model_mismatch_text(recorded: str, configured: str) -> str:
    return (
        f"this archive's vectors were made with {recorded!r} but EMBED_MODEL is "
        f"{configured!r}; run `archivist reindex --rebuild` (or /reindex rebuild:true) to embed"
        " it again with the new model, or set EMBED_MODEL back (keyword search answers"
        " meanwhile)"
    )


class Archive:
    def __init__(
        self,
        store: Store,
        vectors: VectorIndex,
        index_version: int,
        embed_model: str,
        device: str | None,
        embedder: Embedder | None,
        backend: Backend = "auto",
        archive_id: str = "",
    ) -> None:
        self.store = store
        self.archive_id = archive_id
        self.vectors = vectors
        self.index_version = index_version
        self.embed_model = embed_model
        self._device = device
        self._backend = backend
        self._embedder = embedder
        self._model_checked = False
        # The model the live generation's vectors were made with (meta ``embed_model``; None
        # before any were made): while it is not the configured one, search is keyword-only.
        self.vectors_model: str | None = None
        # Read-side caches, forgotten by ``changed`` (writes through this archive) and when
        # SQLite's data_version says another connection or process committed (``refresh``).
        self._total: int | None = None
        # Passages admitted per filter (capped, see dense_search).
        self._admitted: dict[SearchFilters, int] = {}
        # Passage counts per FTS term (IDF, common-term cut) and the archive's named authors:
        # ~3 ms and ~2 ms per ask at 100k passages when read from SQLite every time.
        self._frequencies: dict[str, int] = {}
        # How many times ``changed`` has run: what ``warm_up`` or the table below read is stale
        # when it moved since.
        self._changes = 0
        self._authors: list[str] | None = None
        # The first and last publication dates: a dated filter becomes facet tokens within them.
        self._published_bounds: tuple[date, date] | None = None
        self._bounds_read = False
        self._data_version: int | None = None
        # The archive's vector projection (meta ``vector_projection``), read when first needed.
        self._projection: Projection | None = None
        self._projection_read = False
        # Filtered dense search in memory (projected archives): every packed passage vector,
        # and the passages each recent filter admits (seqs; a server filters by a few sites).
        self._table: ProjectedTable | None = None
        self._table_loading = asyncio.Lock()
        # The generation and projection the table was read under (None: not read yet; a
        # rebuild's switch changes them, and the table is then of no use), ``_changes`` when its
        # read began, and the read of a fresh table that a change started (``_projected_table``).
        self._table_basis: tuple[int, str | None] | None = None
        self._table_changes = 0
        self._table_rereading: asyncio.Task[None] | None = None
        self._projection_text: str | None = None
        self._admitted_seqs: dict[SearchFilters, np.ndarray] = {}

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        *,
        embed_model: str = DEFAULT_MODEL,
        device: str | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
        backend: Backend = "auto",
        vector_search_ef: int | Literal["by_size"] | None = None,
    ) -> Archive:
        """Open (creating if needed) the archive in ``data_dir``. The model loads on first use.
        ``vector_search_ef`` sets the vector index's ``ef_search``: a number, ``"by_size"``
        (``ef_search_for`` the passages it holds now), or None (as the collection has it)."""
        one_blas_thread()
        store = await Store.open(data_dir / "archive.db")
        if vector_search_ef == "by_size":
            vector_search_ef = ef_search_for(await store.passage_count())
        archive_id = await store.get_meta("archive_id")
        if archive_id is None:
            archive_id = uuid.uuid4().hex[:12]
            await store.set_meta("archive_id", archive_id)
        version = int(await store.get_meta("index_version") or 1)
        if await store.get_meta("index_version") is None:
            await store.set_meta("index_version", str(version))
        try:
            vectors = await asyncio.to_thread(
                VectorIndex,
                data_dir / "chroma",
                collection_name(archive_id, version),
                chroma_url,
                vector_search_ef,
            )
        except BaseException:
            await store.close()
            raise
        model_name = embedder.name if embedder else embed_model
        await store.record_live_generation(
            version, vectors.collection_name, await store.get_meta("embed_model")
        )
        archive = cls(store, vectors, version, model_name, device, embedder, backend, archive_id)
        archive.vectors_model = await store.get_meta("embed_model")
        return archive

    async def writer(self) -> Archive:
        """The same archive through a SQLite connection of its own, for a long write (a
        re-index) beside readers. Readers then see only committed pages (WAL snapshots), and
        none of their statements is interleaved with the writer's FTS changes on one connection
        (which SQLite aborts). Close it when done, then call ``changed`` here."""
        store = await Store.open(self.store.path)
        writer = Archive(
            store,
            self.vectors,
            self.index_version,
            self.embed_model,
            self._device,
            self._embedder,
            self._backend,
            self.archive_id,
        )
        writer.vectors_model = self.vectors_model
        return writer

    async def close(self) -> None:
        if self._table_rereading is not None:
            self._table_rereading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._table_rereading
        await self.store.close()

    async def __aenter__(self) -> Archive:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- embedding -----------------------------------------------------------------------------

    async def configured_embedder(self) -> Embedder:
        """The configured model, loaded once (in a worker thread: it takes seconds), whatever
        model the live generation's vectors were made with: what a rebuild embeds with."""
        if self._embedder is None:
            self._embedder = await asyncio.to_thread(
                load_embedder, self.embed_model, self._device, self._backend
            )
        return self._embedder

    async def embedder(self) -> Embedder:
        """The configured model, once it is known to be the one the live generation's vectors
        were made with (``ModelMismatch`` otherwise)."""
        self._embedder = await self.configured_embedder()
        if not self._model_checked:
            recorded = await self.store.get_meta("embed_model")
            if recorded is None:
                await self.store.set_meta("embed_model", self._embedder.name)
            elif recorded != self._embedder.name:
                raise ModelMismatch(model_mismatch_text(recorded, self._embedder.name))
            self._model_checked = True
        return self._embedder

    def model_mismatch(self) -> str | None:
        """Why the live generation's vectors cannot be searched (made by another model than
        the configured one), or None. Meanwhile search and quoting use no stored vector, only
        keyword search and the configured model, so vectors of two models never meet."""
        configured = self._embedder.name if self._embedder is not None else self.embed_model
        if self.vectors_model is None or self.vectors_model == configured:
            return None
        return model_mismatch_text(self.vectors_model, configured)

    async def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts`` by the configured model (a question, a passage compared now);
        never stored, so allowed while the live generation is another model's."""
        embedder = await self.configured_embedder()
        return await asyncio.to_thread(embedder.embed, texts)

    # --- writing -------------------------------------------------------------------------------

    async def save_document(self, document: DocumentRecord) -> SaveOutcome:
        return (await self.write_document(document)).outcome

    async def write_document(self, document: DocumentRecord) -> SaveResult:
        """Write a page (``Store.write_document``): the outcome and how many passages are new."""
        result = await self.store.write_document(document)
        self.changed()
        return result

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
            vectors, spans, sentences = await self.embed_passages([p.text for p in pending])
            await self.write_vectors(pending, vectors, spans, sentences)
            written += len(pending)
            if on_progress:
                on_progress(written)
        return written

    async def embed_passages(
        self, texts: list[str]
    ) -> tuple[np.ndarray, list[list[tuple[int, int]]], list[np.ndarray]]:
        """Passage vectors, sentence spans and sentence vectors, computed once at sync so an ask
        embeds only the question (embedding ~40 candidate sentences per ask costs ~100 ms on two
        cores); see ``vector_pipeline.embed_passages``."""
        return await embed_passages(await self.embedder(), texts)

    async def write_vectors(
        self,
        pending: list[PendingPassage],
        vectors: np.ndarray,
        spans: list[list[tuple[int, int]]],
        sentences: list[np.ndarray],
    ) -> None:
        """Store embedded passages: chromadb first, then SQLite's copies and the embedded mark
        (a crash between the two is repaired by ``reconcile_vectors``)."""
        ids = [p.passage_id for p in pending]
        await asyncio.to_thread(self.vectors.upsert, ids, vectors)
        await self.keep_vectors(ids, vectors, spans, sentences)

    async def keep_vectors(
        self,
        ids: list[str],
        vectors: np.ndarray,
        spans: list[list[tuple[int, int]]],
        sentences: list[np.ndarray],
    ) -> None:
        """SQLite's side of storing embedded passages, once chromadb has (or is being given)
        their vectors: the vector copies, the embedded mark, the projection when due."""
        await self.store.save_vectors(ids, vectors, spans, sentences, await self.projection())
        await self.store.mark_embedded(ids)
        await self.fit_projection_when_due(vectors.shape[1])
        self.changed()

    async def projection(self) -> Projection | None:
        """The archive's vector projection, or None while it keeps full vectors."""
        if not self._projection_read:
            stored = await self.store.get_meta("vector_projection")
            self._projection = Projection.from_text(stored) if stored is not None else None
            self._projection_text = stored
            self._projection_read = True
        return self._projection

    async def fit_projection_when_due(self, dimension: int) -> None:
        """Once ``PROJECTION_MIN_PASSAGES`` passages have vectors (of the model's
        ``dimension``), fit the archive's projection and repack every stored vector with it;
        later vectors are stored projected. A model of few dimensions keeps them whole."""
        if await self.projection() is not None or dimension < 2 * PROJECTED_DIMENSION:
            return
        if await self.store.vector_count() < PROJECTION_MIN_PASSAGES:
            return
        sample = await self.store.sentence_vector_sample(PROJECTION_SAMPLE_PASSAGES)
        rows = [unpack(blob, count) for blob, count in sample]
        vectors = np.vstack([r for r in rows if r.size])
        if len(vectors) <= 4 * PROJECTED_DIMENSION:
            return
        projection = await asyncio.to_thread(Projection.fit, vectors)

        def repack(blob: bytes, count: int) -> bytes:
            return pack(unpack(blob, count, projection), projection)

        text = projection.to_text()
        await self.store.set_meta("vector_projection", text)
        await self.store.repack_vectors(repack)
        self._projection, self._projection_read = projection, True
        self._projection_text = text

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

    async def sentence_vectors(
        self, passage_ids: list[str]
    ) -> dict[str, tuple[list[tuple[int, int]], np.ndarray]]:
        """Sentence spans and vectors (float32) stored at sync, for the passages that have them."""
        if self.model_mismatch():
            return {}
        stored = await self.store.sentence_vectors(passage_ids)
        projection = await self.projection()
        return {
            pid: (spans, unpack(blob, len(spans), projection))
            for pid, (spans, blob) in stored.items()
            if spans
        }

    async def lexical_terms(self, query: str) -> list[str]:
        """The query's content words minus those so common they only slow FTS5 down
        (``COMMON_TERM_SHARE``, ``LEXICAL_POSTINGS_BUDGET``)."""
        terms = content_words(query)
        total = await self._passages_total()
        if total < COMMON_TERM_MIN_PASSAGES or len(terms) < 2:
            return terms
        frequencies, _ = await self.document_frequencies(terms)
        kept = [t for t in terms if frequencies.get(t, 0) <= COMMON_TERM_SHARE * total] or terms
        postings, within = 0, set()
        for term in sorted(set(kept), key=lambda t: frequencies.get(t, 0)):
            postings += frequencies.get(term, 0)
            if within and postings > LEXICAL_POSTINGS_BUDGET:
                break
            within.add(term)
        return [t for t in kept if t in within]

    async def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """Passage counts per term (0 for a term no passage has) and the archive's passage
        count (for IDF), as of the last ``refresh``."""
        unknown = [t for t in dict.fromkeys(terms) if t not in self._frequencies]
        if unknown:
            found = await self.store.document_frequencies(unknown)
            if len(self._frequencies) > 100_000:
                self._frequencies.clear()
            self._frequencies.update({t: found.get(t, 0) for t in unknown})
        counts = {t: self._frequencies[t] for t in terms if t in self._frequencies}
        return counts, await self._passages_total()

    async def authors(self) -> list[str]:
        """Every named commenter or article author, longest first, as of the last
        ``refresh``."""
        if self._authors is None:
            self._authors = await self.store.authors()
        return self._authors

    async def warm_up(self) -> None:
        """Fill now the caches the first asks would otherwise fill one at a time: the document
        frequencies of the common terms (``WARM_TERM_MIN_PASSAGES``) and, for a projected
        archive, the packed vectors of filtered search (~3 s at 1M passages), both read on
        connections of their own beside the archive's. A long-running face starts it at
        start-up (``Engine.warm_up``)."""
        await self.refresh()
        changes = self._changes
        frequencies = await asyncio.to_thread(
            common_term_frequencies, self.store.path, WARM_TERM_MIN_PASSAGES, WARM_TERMS_MAX
        )
        await self.refresh()
        if changes == self._changes:  # else the counts may be stale: left to be looked up
            self._frequencies.update(frequencies)
        if await self.projection() is not None:
            await self._projected_table()

    def changed(self) -> None:
        """Forget the cached counts: passages were added or removed, through this archive or
        its ``writer``."""
        self._changes += 1
        self._total = None
        self._admitted.clear()
        self._frequencies.clear()
        self._authors = None
        self._bounds_read = False
        self._projection_read = False
        self._admitted_seqs.clear()

    async def refresh(self) -> None:
        """Drop the caches when another connection (an ingest in another process, a re-index
        writer) committed since they were filled: one PRAGMA. Called once per search or ask
        (each call is a round trip to SQLite's thread, which adds up on a busy machine)."""
        version = await self.store.data_version()
        if version != self._data_version:
            self._data_version = version
            self.changed()
            await self.follow_live_generation()

    async def follow_live_generation(self) -> bool:
        """Open the live generation's collection when a rebuild (here or in another process)
        switched to another since this archive looked: True when it did."""
        live = int(await self.store.get_meta("index_version") or 1)
        if live == self.index_version:
            return False
        name = collection_name(self.archive_id, live)
        self.vectors = await asyncio.to_thread(self.vectors.sibling, name)
        self.index_version = live
        self.vectors_model = await self.store.get_meta("embed_model")
        self._model_checked = False  # the new generation may be another model's
        self.changed()
        return True

    async def on_live_vectors(self, call: Callable[[VectorIndex], T]) -> T:
        """``call`` on the live generation's collection, in a worker thread. A call that fails
        because a rebuild dropped the collection it was reading (the switch committed
        meanwhile) is made again on the new live one, so no ask fails across a switch."""
        try:
            return await asyncio.to_thread(call, self.vectors)
        except Exception:
            if not await self.follow_live_generation():
                raise
        return await asyncio.to_thread(call, self.vectors)

    async def nearest(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """chromadb's nearest passages in the live generation."""
        return await self.on_live_vectors(lambda vectors: vectors.query(vector, limit))

    async def vector_count(self) -> int:
        """How many vectors the live generation's collection holds."""
        return await self.on_live_vectors(VectorIndex.count)

    async def _passages_total(self) -> int:
        # IDF and the common-term cut-off need a magnitude, not an exact count.
        if self._total is None:
            self._total = await self.store.passage_count()
        return self._total

    async def dense_search(
        self, vector: np.ndarray, filters: SearchFilters, limit: int
    ) -> list[tuple[str, float]]:
        """Nearest passages with cosine similarity, best first, honouring ``filters`` without
        chromadb's scanning ``where`` (see ``EXACT_SEARCH_MAX``). None while the live
        generation is another model's (``model_mismatch``)."""
        if self.model_mismatch():
            return []
        if filters.is_empty():
            return await self.nearest(vector, limit)
        admitted = await self._admitted_count(filters)
        if admitted == 0:
            return []
        if admitted <= EXACT_SEARCH_MAX:
            projection = await self.projection()
            table = await self._projected_table() if projection is not None else None
            if table is not None and projection is not None:
                seqs = await self._filter_seqs(filters)
                return table.nearest(seqs, vector.astype(np.float32), projection, limit)
            ids, blobs = await self.store.vectors_matching(filters)
            if not ids:
                return []
            scores = cosines(blobs, vector, await self.projection())
            top = np.argsort(-scores)[:limit]
            return [(ids[i], float(scores[i])) for i in top]
        total = max(await self._passages_total(), admitted)
        fetch = min(OVERFETCH_MAX, math.ceil(limit * total / admitted * 1.5))
        found = await self.nearest(vector, fetch)
        return await self._keep_admitted(found, filters, limit)

    async def _keep_admitted(
        self, found: list[tuple[str, float]], filters: SearchFilters, limit: int
    ) -> list[tuple[str, float]]:
        """The first ``limit`` of an over-fetched, unfiltered ranking that ``filters`` admits."""
        table = await self._projected_table() if await self.projection() is not None else None
        if table is not None:
            keep = table.admitted([pid for pid, _ in found], await self._filter_seqs(filters))
        else:
            keep = await self.store.admitted([pid for pid, _ in found], filters)
        return [(pid, score) for pid, score in found if pid in keep][:limit]

    async def _projected_table(self) -> ProjectedTable | None:
        """Every packed passage vector in memory, once the archive is projected: read the first
        time it is needed (~0.2 s at 100k passages, ~1.5 s at 1M) and again when a rebuild
        switched generations. After other changes the table in hand keeps serving while a
        fresh one is read beside it: at each commit of an ingest running beside the bot, a
        filtered ask at 1M passages waited ~1.9 s for it. Until the fresh table is in, the
        passages embedded since are found by the keyword half and unfiltered search only."""
        basis = await self._table_basis_now()
        if self._table_basis == basis:
            if self._table_stale() and self._table_rereading is None:
                self._table_rereading = asyncio.create_task(self._reread_table())
            return self._table
        async with self._table_loading:  # ``warm_up`` and an ask may both want it first
            if self._table_basis != basis:
                await self._read_table(basis)
        return self._table

    def _table_stale(self) -> bool:
        """Whether passages changed since the last read of the table began: the table in hand
        keeps serving until a fresh one is read (``_projected_table``)."""
        return self._table_changes != self._changes

    async def _read_table(self, basis: tuple[int, str | None]) -> None:
        self._table_changes = self._changes  # a change from now on calls for another read
        self._table = await asyncio.to_thread(
            lambda: ProjectedTable.of(*read_passage_vectors(self.store.path))
        )
        self._table_basis = basis

    async def _table_basis_now(self) -> tuple[int, str | None]:
        await self.projection()
        return self.index_version, self._projection_text

    async def _reread_table(self) -> None:
        """Replace a table the archive changed under, unless a rebuild's switch made the
        next ask read one itself. A failed read leaves the old table (logged)."""
        try:
            async with self._table_loading:
                basis = await self._table_basis_now()
                if self._table_stale() and self._table_basis == basis:
                    await self._read_table(basis)
        except Exception:
            log.warning("reading the archive's vectors again failed", exc_info=True)
        finally:
            self._table_rereading = None

    async def _filter_seqs(self, filters: SearchFilters) -> np.ndarray:
        seqs = self._admitted_seqs.get(filters)
        if seqs is None:
            found = await self.store.facet_sequences(filters, await self._dated())
            seqs = np.asarray(found, np.int64)
            if len(self._admitted_seqs) >= 64:
                self._admitted_seqs.clear()
            self._admitted_seqs[filters] = seqs
        return seqs

    async def _admitted_count(self, filters: SearchFilters) -> int:
        """How many passages ``filters`` admits, capped just past ``EXACT_SEARCH_MAX`` (a broad
        filter needs no exact count), read from the facet tokens (``facet_sequences``). Cached
        until the archive changes."""
        admitted = self._admitted.get(filters)
        if admitted is None:
            admitted = len(
                await self.store.facet_sequences(filters, await self._dated(), EXACT_SEARCH_MAX + 1)
            )
            if len(self._admitted) >= 256:
                self._admitted.clear()
            self._admitted[filters] = admitted
        return admitted

    async def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 10,
        query_vector: np.ndarray | asyncio.Future[np.ndarray] | None = None,
        *,
        refresh: bool = True,
        keyword: asyncio.Future[list[tuple[str, float]]] | None = None,
    ) -> list[Hit]:
        """Hybrid search: chromadb nearest neighbours and FTS5 BM25, fused by reciprocal rank.
        ``query_vector`` may still be on its way (a task embedding the question): the keyword
        half needs none, so it runs while the model works (``embedding``). ``keyword``: the
        keyword half already started (``keyword_search``). ``refresh=False`` when the caller
        has just called ``refresh``."""
        filters = filters or SearchFilters()
        if refresh:
            await self.refresh()
        vector = self.embedding(query) if query_vector is None else query_vector
        dense, lexical = await asyncio.gather(
            self._dense_once_embedded(vector, filters),
            keyword if keyword is not None else self._lexical(query, filters),
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

    def embedding(self, text: str) -> asyncio.Task[np.ndarray]:
        """``text``'s vector, computed in a worker thread from now on: a question's embedding
        (~6 ms on two cores) and the FTS5 query of its keyword search (~24 ms at 1M passages)
        use different threads, so a search started meanwhile (``search``) waits for the longer
        of the two rather than for both."""
        return asyncio.ensure_future(self._embedded_one(text))

    async def _embedded_one(self, text: str) -> np.ndarray:
        return (await self.embed([text]))[0]

    async def _dense_once_embedded(
        self, vector: np.ndarray | asyncio.Future[np.ndarray], filters: SearchFilters
    ) -> list[tuple[str, float]]:
        if isinstance(vector, asyncio.Future):
            vector = await vector
        return await self.dense_search(vector, filters, CANDIDATES)

    async def keyword_search(self, query: str, filters: SearchFilters) -> list[tuple[str, float]]:
        """The keyword half of ``search``, on the side connection (``Store.side``): for a
        search started ahead of need, in a task handed to ``search`` as ``keyword``. It runs
        beside the archive's other reads, and cancelling its task interrupts the query."""
        return await self._lexical(query, filters, beside=True)

    async def _lexical(
        self, query: str, filters: SearchFilters, *, beside: bool = False
    ) -> list[tuple[str, float]]:
        terms = await self.lexical_terms(query)
        if (filters.since or filters.until) and await self._dated() is None:
            return []  # no page has a date: none is inside a period
        share = await self._admitted_share(filters)
        if share >= LEXICAL_OVERFETCH_SHARE:
            # BM25 reads the whole archive's statistics either way, so the admitted passages
            # of an unfiltered ranking come in the order the filtered query would give them.
            fetch = min(OVERFETCH_MAX, math.ceil(CANDIDATES / share * 1.5))
            found = await self.store.lexical_search(terms, SearchFilters(), fetch, beside=beside)
            return await self._keep_admitted(found, filters, CANDIDATES)
        return await self.store.lexical_search(
            terms, filters, CANDIDATES, self._published_bounds, beside=beside
        )

    async def _dated(self) -> tuple[date, date] | None:
        """The archive's first and last publication dates (None: nothing is dated), as of the
        last ``refresh``."""
        if not self._bounds_read:
            self._published_bounds = await self.store.published_bounds()
            self._bounds_read = True
        return self._published_bounds

    async def _admitted_share(self, filters: SearchFilters) -> float:
        """The share of the archive ``filters`` admits when it is broad (past
        ``EXACT_SEARCH_MAX``, where the dense search keeps the admitted seqs anyway), else 0."""
        if filters.is_empty() or await self._admitted_count(filters) <= EXACT_SEARCH_MAX:
            return 0.0
        return len(await self._filter_seqs(filters)) / max(await self._passages_total(), 1)

    async def passage(self, passage_id: str) -> Passage | None:
        return (await self.store.passages([passage_id])).get(passage_id)

    async def stats(self) -> ArchiveStats:
        counts = await self.store.counts()
        vectors = await self.vector_count()
        return ArchiveStats(
            vectors=vectors,
            index_version=self.index_version,
            collection=self.vectors.collection_name,
            last_ingest=await self.store.last_ingest(),
            **counts,
        )
