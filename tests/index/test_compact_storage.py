"""Vectors kept in SQLite: int8 packing, legacy float16 blobs, and sentence vectors pooled from
the passage's own forward pass."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.models import SearchFilters
from index.text import sentence_spans
from index.vector_codec import (
    PROJECTED_DIMENSION,
    Projection,
    cosines,
    is_projected,
    pack,
    unpack,
    unpack_rows,
)


def _unit(rows: int, dimension: int = 384, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_int8_blobs_keep_cosines_and_are_a_quarter_of_float32() -> None:
    vectors = _unit(7)
    blob = pack(vectors)
    assert len(blob) == 1 + 7 * (4 + 384)
    decoded = unpack(blob, 7)
    assert decoded.shape == (7, 384)
    query = _unit(1, seed=1)[0]
    assert np.max(np.abs(decoded @ query - vectors @ query)) < 3e-3
    assert np.allclose(unpack_rows([pack(v) for v in vectors]), decoded)


def test_float16_blobs_of_older_archives_still_decode() -> None:
    vectors = _unit(3, dimension=64)
    assert np.allclose(unpack(vectors.astype("<f2").tobytes(), 3), vectors, atol=1e-3)
    rows = [v.astype("<f2").tobytes() for v in vectors]
    assert np.allclose(unpack_rows(rows), vectors, atol=1e-3)
    # an archive mixing both (synced partly before, partly after) decodes row by row
    mixed = unpack_rows([rows[0], pack(vectors[1]), rows[2]])
    assert np.allclose(mixed, vectors, atol=1e-2)


def test_zero_vectors_and_odd_dimensions() -> None:
    assert np.allclose(unpack(pack(np.zeros((2, 8))), 2), 0.0)
    with pytest.raises(ValueError):
        pack(np.ones((1, 5)))


PASSAGE = (
    "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years. "
    "The Panthers finished the regular season with a 15–1 record. "
    "Government forces took the east of the city in December 2016."
)


def test_sentence_vectors_come_from_the_passage_pass(model) -> None:
    spans = [(s.start, s.end) for s in sentence_spans(PASSAGE)]
    long = "word " * 400 + "The last sentence is past the model's limit."
    long_spans = [(0, 1999), (2000, len(long))]
    vectors, sentences = model.embed_with_sentences([PASSAGE, long, "x"], [spans, long_spans, []])
    assert np.allclose(vectors, model.embed([PASSAGE, long, "x"]), atol=1e-5)
    assert [s.shape for s in sentences] == [(3, 384), (2, 384), (0, 384)]
    assert np.allclose(np.linalg.norm(sentences[0], axis=1), 1.0, atol=1e-5)
    # each sentence's pooled vector is nearest to that sentence embedded alone
    alone = model.embed([PASSAGE[a:b] for a, b in spans])
    assert list(np.argmax(sentences[0] @ alone.T, axis=1)) == [0, 1, 2]
    # a sentence the model never saw (truncated away) is embedded on its own
    assert np.allclose(sentences[1][1], model.embed([long[2000:]])[0], atol=1e-5)


async def test_bodies_and_comments_are_stored_compressed_and_read_back_whole(tmp_path) -> None:
    import sqlite3

    from index.models import CommentRecord, DocumentRecord, PassageRecord
    from index.store import Store

    body = " ".join(f"Paragraph sentence number {n} about the city council." for n in range(60))
    comment = "A reader's long comment, repeated. " * 20
    passage = PassageRecord("p_1", "article", 0, body[:200], 0, 200)
    document = DocumentRecord(
        "d_1",
        "page.html",
        "html",
        "h1",
        body,
        comments=[CommentRecord("c_1", 0, comment, "reader"), CommentRecord("c_2", 1, "Short.")],
        passages=[passage],
    )
    store = await Store.open(tmp_path / "archive.db")
    try:
        await store.save_document(document)
        found = await store.document("d_1")
        assert found is not None
        assert found["body"] == body
        assert [c["text"] for c in found["comments"]] == [comment, "Short."]
        assert await store.comment_texts("d_1") == [comment, "Short."]
    finally:
        await store.close()
    db = sqlite3.connect(tmp_path / "archive.db")
    stored_body = db.execute("SELECT body FROM documents").fetchone()[0]
    db.close()
    assert isinstance(stored_body, bytes) and len(stored_body) < len(body) / 3


def test_projected_blobs_keep_rankings_in_a_fifth_of_the_room() -> None:
    # vectors with structure (a few strong directions), as sentence embeddings have
    rng = np.random.default_rng(3)
    basis = rng.standard_normal((40, 384)).astype(np.float32)
    vectors = rng.standard_normal((600, 40)).astype(np.float32) @ basis
    vectors += 0.05 * rng.standard_normal(vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    projection = Projection.fit(vectors)
    blob = pack(vectors[:5], projection)
    assert is_projected(blob) and len(blob) == 1 + 5 * (4 + PROJECTED_DIMENSION // 2)
    assert len(blob) < len(pack(vectors[:5])) / 5
    restored = unpack(blob, 5, projection)
    assert restored.shape == (5, 384)
    assert np.allclose(np.linalg.norm(restored, axis=1), 1.0, atol=1e-5)
    query = vectors[100]
    assert np.max(np.abs(restored @ query - vectors[:5] @ query)) < 0.05
    packed = [pack(v, projection) for v in vectors]
    assert np.argmax(unpack_rows(packed, projection) @ query) == 100
    # scored in the projected space, the cosines are those of the restored vectors
    assert np.allclose(
        cosines(packed, query, projection), unpack_rows(packed, projection) @ query, atol=1e-5
    )
    # the projection survives its trip through ``meta``
    again = Projection.from_text(projection.to_text())
    assert np.allclose(unpack(blob, 5, again), restored)
    with pytest.raises(ValueError, match="projection"):
        unpack(blob, 5)


async def test_a_large_archive_stores_projected_vectors_and_no_passage_text_twice(
    tmp_path, monkeypatch
) -> None:
    import sqlite3

    import index.archive
    from index.archive import Archive
    from index.embedder import HashEmbedder
    from ingest.pipeline import ingest_paths

    monkeypatch.setattr(index.archive, "PROJECTION_MIN_PASSAGES", 150)
    lines = [
        json.dumps(
            {
                "url": f"https://a.example/{n}",
                "title": f"Story {n}",
                "text": f"The council met on day {n}. It voted on bridge {n % 7} and road {n}.",
                "comments": [{"author": f"reader{n % 5}", "text": f"Remark {n} on toll {n % 3}."}],
            }
        )
        for n in range(200)
    ]
    (tmp_path / "pages.jsonl").write_text("\n".join(lines) + "\n")
    embedder = HashEmbedder(dimension=256)
    async with await Archive.open(tmp_path / "data", embedder=embedder) as archive:
        await ingest_paths(archive, [tmp_path / "pages.jsonl"])
        stats = await archive.stats()
        assert stats.passages == stats.vectors == 400
        assert await archive.projection() is not None
        hits = await archive.search("bridge 3 council", limit=3)
        assert hits and "bridge 3" in hits[0].passage.text
        sentences = await archive.sentence_vectors([hits[0].passage.passage_id])
        spans, vectors = sentences[hits[0].passage.passage_id]
        assert vectors.shape == (len(spans), 256)
        exact = embedder.embed([hits[0].passage.text[a:b] for a, b in spans])
        assert np.all(np.sum(vectors * exact, axis=1) > 0.5)
        comments = await archive.search("remark toll", filters=SearchFilters(kind="comment"))
        assert comments and all(h.passage.kind == "comment" for h in comments)
        # a filtered dense search is served from the packed vectors held in memory, and ranks
        # as scoring the filter's vectors read from SQLite does
        vector = embedder.embed(["remark 7 on toll 1"])[0]
        in_memory = await archive.dense_search(vector, SearchFilters(kind="comment"), 10)
        ids, blobs = await archive.store.vectors_matching(SearchFilters(kind="comment"))
        scores = cosines(blobs, vector, await archive.projection())
        assert [pid for pid, _ in in_memory] == [ids[i] for i in np.argsort(-scores)[:10]]
        assert archive._table is not None and len(archive._table.ids) == 400
        # a broad filter's over-fetched neighbours are checked against the filter in memory too
        everything = [pid for pid, _ in await archive.dense_search(vector, SearchFilters(), 400)]
        seqs = await archive._filter_seqs(SearchFilters(kind="comment"))
        assert archive._table.admitted(everything, seqs) == await archive.store.admitted(
            everything, SearchFilters(kind="comment")
        )
        stored = archive.vectors._collection.get(limit=20, include=["metadatas"])
        got = stored["metadatas"]
    db = sqlite3.connect(tmp_path / "data" / "archive.db")
    try:
        assert db.execute("SELECT count(*) FROM passages WHERE text != ''").fetchone()[0] == 0
        blobs = [row[0] for row in db.execute("SELECT vector FROM passage_vectors")]
        blobs += [row[0] for row in db.execute("SELECT vectors FROM sentence_vectors")]
        assert len(blobs) == 800 and all(is_projected(b) for b in blobs)
    finally:
        db.close()
    # chromadb holds the vectors alone: filters are SQLite's
    assert got == [None] * len(got)
