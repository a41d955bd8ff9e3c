"""The chromadb collection: read back page by page, as ``make bench`` compares its search with an
exact one, and searched with the configured ``ef_search``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.vectors import VectorIndex


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
