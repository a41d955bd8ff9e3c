"""The chromadb collection: read back page by page, as ``make bench`` compares its search with an
exact one, and searched with the configured ``ef_search``, or one chosen by the archive's size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import index.archive
from index.archive import Archive
from index.embedder import HashEmbedder
from index.vectors import (
    CHROMA_EF_SEARCH,
    EF_SEARCH_BY_SIZE_MAX,
    VectorIndex,
    ef_search_for,
)
from ingest.chunking import build_document
from ingest.page import Page


def test_every_vector_is_read_back_once_across_pages(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"p{i:03d}" for i in range(300)]
    index = VectorIndex(tmp_path / "chroma", "archive_test_v1")
    index.upsert(ids, vectors)
    index._max_batch = 64  # several pages, the last one short
    pages = list(index.pages_of_vectors())
    assert len(pages) == 5
    read = {
        pid: vector for page_ids, page in pages for pid, vector in zip(page_ids, page, strict=True)
    }
    assert sorted(read) == ids
    assert np.allclose(np.vstack([read[pid] for pid in ids]), vectors, atol=1e-6)


def _ef_search(path: Path, collection: str) -> int:
    """The ``ef_search`` chromadb has recorded for ``collection``, read by a fresh client."""
    return VectorIndex(path, collection)._collection.configuration_json["hnsw"]["ef_search"]


def test_vector_search_ef_is_set_on_the_collection_and_its_siblings(tmp_path: Path) -> None:
    path = tmp_path / "chroma"
    index = VectorIndex(path, "archive_test_v1", ef_search=250)
    assert _ef_search(path, "archive_test_v1") == 250
    # unset leaves the collection as it is; a new value replaces the old
    VectorIndex(path, "archive_test_v1")
    assert _ef_search(path, "archive_test_v1") == 250
    VectorIndex(path, "archive_test_v1", ef_search=40)
    assert _ef_search(path, "archive_test_v1") == 40
    # a generation built beside the live one searches as the archive is configured to
    index.sibling("archive_test_v2")
    assert _ef_search(path, "archive_test_v2") == 250


def test_a_larger_archive_is_searched_with_more_candidates_up_to_a_cap() -> None:
    assert ef_search_for(0) == ef_search_for(12_500) == CHROMA_EF_SEARCH
    assert ef_search_for(100_000) == 800
    assert ef_search_for(1_000_000) == 8_000
    assert ef_search_for(50_000_000) == EF_SEARCH_BY_SIZE_MAX


async def test_an_archive_opened_by_size_sets_ef_search_from_its_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Archive.open(tmp_path, embedder=HashEmbedder()) as archive:
        body = ["The harbour bridge opened in 1932.", "The ferry stopped running in 1933."]
        page = Page(origin="/a/bridge.html", format="html", title="Harbour bridge", body=body)
        await archive.save_document(build_document(page))
        passages = int((await archive.stats()).as_dict()["passages"])
        collection = archive.vectors.collection_name
    assert passages > 0
    # the real rule gives 100 to a small archive; this one tells the passages counted apart
    monkeypatch.setattr(index.archive, "ef_search_for", lambda count: 40 + count)
    async with await Archive.open(tmp_path, embedder=HashEmbedder(), vector_search_ef="by_size"):
        assert _ef_search(tmp_path / "chroma", collection) == 40 + passages
    # a configured number wins over the size
    async with await Archive.open(tmp_path, embedder=HashEmbedder(), vector_search_ef=250):
        assert _ef_search(tmp_path / "chroma", collection) == 250
