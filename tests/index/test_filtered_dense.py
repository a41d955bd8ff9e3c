"""Filtered dense search without chromadb's scanning `where`: exact from SQLite, or over-fetch."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import index.archive as archive_module
import index.generations
from index import vector_codec
from index.archive import Archive
from index.embedder import HashEmbedder
from index.generations import rebuild_generation
from index.models import SearchFilters
from index.stored_vectors import read_passage_vectors
from index.vector_codec import ProjectedTable, Projection, cosines, pack
from ingest.chunking import build_document
from ingest.page import Page, PageComment


async def _archive(path: Path, embedder: HashEmbedder) -> Archive:
    archive = await Archive.open(path, embedder=embedder)
    for year in range(2010, 2020):
        page = Page(
            origin=f"/a/{year}.txt",
            format="text",
            body=[f"Storm news of {year}: the harbour wall broke. Boats sank in the bay."],
            site="Gazette" if year % 2 else "Courier",
            published=date(year, 5, 1),
            comments=[PageComment(f"Storm comment {year}: the wall was weak.", author=f"r{year}")],
        )
        await archive.save_document(build_document(page))
    await archive.sync_vectors()
    return archive


@pytest.mark.parametrize("exact_max", [12_000, 1])
async def test_filters_hold_on_both_paths(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch, exact_max: int
) -> None:
    monkeypatch.setattr(archive_module, "EXACT_SEARCH_MAX", exact_max)
    archive = await _archive(tmp_path, hash_embedder)
    try:
        vector = (await archive.embed(["storm harbour wall"]))[0]
        cases = {
            SearchFilters(kind="comment"): 10,
            SearchFilters(site="Gazette"): 10,
            SearchFilters(since=date(2015, 1, 1), until=date(2016, 12, 31)): 4,
            SearchFilters(author="r2013"): 1,
            SearchFilters(since=date(2030, 1, 1)): 0,
        }
        for filters, expected in cases.items():
            found = await archive.dense_search(vector, filters, 50)
            assert len(found) == expected, filters
            admitted = await archive.store.admitted([pid for pid, _ in found], filters)
            assert admitted == {pid for pid, _ in found}
            scores = [score for _, score in found]
            assert scores == sorted(scores, reverse=True)
    finally:
        await archive.close()


async def test_sentences_are_stored_at_sync(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    archive = await _archive(tmp_path, hash_embedder)
    try:
        hits = await archive.search("harbour wall broke")
        stored = await archive.sentence_vectors([h.passage.passage_id for h in hits])
        article = next(h.passage for h in hits if h.passage.kind == "article")
        spans, vectors = stored[article.passage_id]
        assert [article.text[a:b] for a, b in spans][1] == "Boats sank in the bay."
        expected = await archive.embed([article.text[a:b] for a, b in spans])
        assert abs(vectors - expected).max() < 2e-3  # float16 copies
    finally:
        await archive.close()


async def test_common_terms_leave_the_lexical_query(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "COMMON_TERM_MIN_PASSAGES", 1)
    archive = await _archive(tmp_path, hash_embedder)
    try:
        # "storm" is in every passage, reader r2013 in one
        assert await archive.lexical_terms("storm r2013") == ["r2013"]
        assert await archive.lexical_terms("storm") == ["storm"]
    finally:
        await archive.close()


async def test_the_lexical_query_keeps_the_rarest_terms_within_the_postings_budget(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "COMMON_TERM_MIN_PASSAGES", 1)
    monkeypatch.setattr(archive_module, "COMMON_TERM_SHARE", 1.0)
    archive = await _archive(tmp_path, hash_embedder)
    try:
        # "storm" is in all 20 passages, "harbour" in the 10 articles, "r2013" in one comment
        question = "storm harbour r2013"
        assert await archive.lexical_terms(question) == ["storm", "harbour", "r2013"]
        monkeypatch.setattr(archive_module, "LEXICAL_POSTINGS_BUDGET", 11)
        assert await archive.lexical_terms(question) == ["harbour", "r2013"]
        monkeypatch.setattr(archive_module, "LEXICAL_POSTINGS_BUDGET", 5)
        assert await archive.lexical_terms(question) == ["r2013"]
        # the rarest term stays even past the budget: the query is never empty
        monkeypatch.setattr(archive_module, "LEXICAL_POSTINGS_BUDGET", 0)
        assert await archive.lexical_terms("storm harbour") == ["harbour"]
    finally:
        await archive.close()


async def test_a_broad_filter_over_fetches_the_lexical_ranking_and_keeps_what_it_admits(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = await _archive(tmp_path, hash_embedder)
    try:
        cases = [
            SearchFilters(kind="comment"),
            SearchFilters(kind="article", site="Gazette"),
            SearchFilters(since=date(2015, 1, 1), until=date(2016, 12, 31)),
            SearchFilters(author="r2013"),
        ]
        by_facets = [await archive._lexical("storm wall harbour", f) for f in cases]
        searched: list[SearchFilters] = []
        search = archive.store.lexical_search

        async def recorded(
            terms: list[str], filters: SearchFilters, *args: object, **kwargs: bool
        ) -> object:
            searched.append(filters)
            return await search(terms, filters, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(archive.store, "lexical_search", recorded)
        monkeypatch.setattr(archive_module, "EXACT_SEARCH_MAX", 1)
        monkeypatch.setattr(archive_module, "LEXICAL_OVERFETCH_SHARE", 0.01)
        archive.changed()
        over_fetched = [await archive._lexical("storm wall harbour", f) for f in cases]
        assert searched == [SearchFilters()] * 3 + [cases[3]]  # one reader: no broad filter
        assert [[pid for pid, _ in found] for found in over_fetched] == [
            [pid for pid, _ in found] for found in by_facets
        ]
        assert all(by_facets[:3])
    finally:
        await archive.close()


async def test_the_facet_tokens_admit_what_the_filter_sql_admits(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    archive = await _archive(tmp_path, hash_embedder)
    try:
        seqs, ids, _ = read_passage_vectors(archive.store.path)
        seq_of = dict(zip(ids, seqs, strict=True))
        bounds = await archive.store.published_bounds()
        for filters in [
            SearchFilters(kind="comment"),
            SearchFilters(site="gazette"),
            SearchFilters(kind="article", since=date(2015, 1, 1), until=date(2016, 12, 31)),
            SearchFilters(author="R2013"),
            SearchFilters(since=date(2030, 1, 1)),
            SearchFilters(until=date(2012, 6, 30)),
        ]:
            admitted = await archive.store.admitted(list(ids), filters)
            expected = sorted(seq_of[pid] for pid in admitted)
            assert await archive.store.facet_sequences(filters, bounds) == expected, filters
            capped = await archive.store.facet_sequences(filters, bounds, cap=2)
            assert capped == expected[:2]
    finally:
        await archive.close()


async def test_opening_an_archive_keeps_numpy_blas_to_one_thread(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    # Spinning BLAS workers take a core from the search threads (see ``one_blas_thread``).
    threadpool_limits(2, user_api="blas")
    archive_module.one_blas_thread.cache_clear()
    archive = await Archive.open(tmp_path, embedder=hash_embedder)
    try:
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas, "numpy's BLAS is not loaded"
        assert all(pool["num_threads"] == 1 for pool in blas)
    finally:
        await archive.close()


async def test_warming_up_reads_the_common_terms_frequencies_once(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "WARM_TERM_MIN_PASSAGES", 10)
    archive = await _archive(tmp_path, hash_embedder)
    try:
        assert "storm" not in archive._frequencies
        await archive.warm_up()

        async def looked_up(terms: list[str]) -> dict[str, int]:
            raise AssertionError(f"looked up {terms} after warming up")

        monkeypatch.setattr(archive.store, "document_frequencies", looked_up)
        # "storm" (20 passages) and "harbour" (10) come from the warm-up
        found, _ = await archive.document_frequencies(["storm", "harbour"])
        assert found == {"storm": 20, "harbour": 10}
        with pytest.raises(AssertionError, match="r2013"):  # one passage: looked up when asked
            await archive.document_frequencies(["r2013"])
    finally:
        await archive.close()


async def test_counts_read_while_the_archive_changed_are_not_kept(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "WARM_TERM_MIN_PASSAGES", 10)
    archive = await _archive(tmp_path, hash_embedder)
    try:
        read = archive_module.common_term_frequencies

        def read_during_a_change(*args: object) -> dict[str, int]:
            found = read(*args)  # type: ignore[arg-type]
            archive.changed()  # a page saved meanwhile
            return found

        monkeypatch.setattr(archive_module, "common_term_frequencies", read_during_a_change)
        await archive.warm_up()
        assert "storm" not in archive._frequencies
    finally:
        await archive.close()


async def _projected_archive(path: Path, monkeypatch: pytest.MonkeyPatch) -> Archive:
    """An archive large enough to project its vectors (``PROJECTION_MIN_PASSAGES`` lowered),
    so filtered dense search reads the packed vectors in memory."""
    monkeypatch.setattr(archive_module, "PROJECTION_MIN_PASSAGES", 150)
    archive = await Archive.open(path, embedder=HashEmbedder(dimension=256))
    for n in range(200):
        page = Page(
            origin=f"/p/{n}.txt",
            format="text",
            body=[f"The council met on day {n}. It voted on bridge {n % 7} and road {n}."],
            comments=[PageComment(f"Remark {n} on toll {n % 3}.", author=f"reader{n % 5}")],
        )
        await archive.save_document(build_document(page))
    await archive.sync_vectors()
    assert await archive.projection() is not None
    return archive


async def test_after_a_change_filtered_search_is_served_while_the_vectors_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = await _projected_archive(tmp_path, monkeypatch)
    try:
        comments = SearchFilters(kind="comment")
        await archive.dense_search((await archive.embed(["remark toll"]))[0], comments, 5)
        in_hand = archive._table
        assert in_hand is not None
        read = archive_module.read_passage_vectors
        release = threading.Event()

        def slow_read(path: Path) -> tuple[list[int], list[str], list[bytes]]:
            assert release.wait(10)
            return read(path)

        monkeypatch.setattr(archive_module, "read_passage_vectors", slow_read)
        page = Page(
            origin="/p/new.txt",
            format="text",
            body=["Zebra crossing plans."],
            comments=[PageComment("Zebra crossings slow the trams.", author="newcomer")],
        )
        await archive.save_document(build_document(page))
        await archive.sync_vectors()
        [new], _ = await archive.store.vectors_matching(SearchFilters(author="newcomer"))
        vector = (await archive.embed(["Zebra crossings slow the trams."]))[0]
        # served at once from the table in hand, which does not hold the new comment yet
        found = await asyncio.wait_for(archive.dense_search(vector, comments, 5), timeout=5)
        assert archive._table is in_hand and new not in [pid for pid, _ in found]
        rereading = archive._table_rereading
        assert rereading is not None
        release.set()
        await rereading
        found = await archive.dense_search(vector, comments, 5)
        assert found[0][0] == new
    finally:
        await archive.close()


async def test_a_generation_switch_reads_the_vectors_before_searching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index.generations, "PROJECTION_MIN_PASSAGES", 150)
    archive = await _projected_archive(tmp_path, monkeypatch)
    try:
        comments = SearchFilters(kind="comment")
        vector = (await archive.embed(["Remark 7 on toll 1."]))[0]
        before = await archive.dense_search(vector, comments, 5)
        in_hand = archive._table
        await rebuild_generation(archive)  # new vectors, a new projection: the old table is void
        after = await archive.dense_search(vector, comments, 5)
        assert archive._table is not in_hand and archive._table_rereading is None
        assert [pid for pid, _ in after] == [pid for pid, _ in before]
        _, blobs = await archive.store.vectors_matching(comments)
        scores = cosines(blobs, vector, await archive.projection())
        assert [score for _, score in after] == pytest.approx(sorted(scores, reverse=True)[:5])
    finally:
        await archive.close()


async def test_a_failed_second_read_keeps_the_table_in_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    archive = await _projected_archive(tmp_path, monkeypatch)
    try:
        comments = SearchFilters(kind="comment")
        vector = (await archive.embed(["remark toll"]))[0]
        expected = await archive.dense_search(vector, comments, 5)
        in_hand = archive._table

        def broken_read(path: Path) -> tuple[list[int], list[str], list[bytes]]:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(archive_module, "read_passage_vectors", broken_read)
        archive.changed()
        with caplog.at_level(logging.WARNING, logger="index.archive"):
            assert await archive.dense_search(vector, comments, 5) == expected
            if archive._table_rereading is not None:
                await archive._table_rereading
        assert "reading the archive's vectors again failed" in caplog.text
        assert archive._table is in_hand
    finally:
        await archive.close()


def test_the_table_built_in_slices_is_the_table_built_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    projection = Projection.fit(
        np.random.default_rng(3).standard_normal((600, 256)).astype(np.float32)
    )
    vectors = np.random.default_rng(4).standard_normal((7, 256)).astype(np.float32)
    blobs = [pack(row[None, :], projection) for row in vectors]
    seqs, ids = [2, 3, 5, 8, 13, 21, 34], [f"p{n}" for n in range(7)]
    whole = ProjectedTable.of(seqs, ids, blobs)
    monkeypatch.setattr(vector_codec, "BUILD_SLICE", 2)
    sliced = ProjectedTable.of(seqs, ids, blobs)
    assert whole is not None and sliced is not None
    assert np.array_equal(whole.raw, sliced.raw) and whole.seq_of == sliced.seq_of
    query = vectors[4] / np.linalg.norm(vectors[4])
    assert sliced.nearest(np.array(seqs), query, projection, 1)[0][0] == "p4"
