"""Filtered dense search without chromadb's scanning `where`: exact from SQLite, or over-fetch."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import index.archive as archive_module
from index.archive import Archive
from index.embedder import HashEmbedder
from index.models import SearchFilters
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

        async def recorded(terms: list[str], filters: SearchFilters, *args: object) -> object:
            searched.append(filters)
            return await search(terms, filters, *args)  # type: ignore[arg-type]

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
        seqs, ids, _ = await archive.store.all_passage_vectors()
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
