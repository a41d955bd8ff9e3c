"""The chromadb collection read back page by page, as ``make bench`` compares its search with an
exact one."""

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
