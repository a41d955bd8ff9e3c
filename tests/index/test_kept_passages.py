"""A changed page keeps the passages whose text is unchanged with their vectors; the files that
hold each page are recorded, also for archives written before they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.archive import Archive
from index.embedder import HashEmbedder
from index.schema import MIGRATIONS
from index.store import Store
from ingest.chunking import build_document
from ingest.page import Page, PageComment


def _page(comments: list[PageComment]) -> Page:
    return Page(
        origin="/archive/harbour.txt",
        format="text",
        body=["The harbour council approved the budget."],
        title="Harbour news",
        comments=comments,
    )


async def test_kept_passages_keep_their_vectors(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    before = build_document(
        _page([PageComment("Keep me.", author="Ann"), PageComment("Old remark.", author="Bo")])
    )
    # Ann's comment keeps its text under a corrected name; Bo's comment is rewritten.
    after = build_document(
        _page([PageComment("Keep me.", author="Anna"), PageComment("New remark.", author="Bo")])
    )
    async with await Archive.open(tmp_path, embedder=hash_embedder) as archive:
        store = archive.store
        await archive.save_document(before)
        assert await archive.sync_vectors() == 3
        assert await store.vector_count() == 3
        result = await archive.write_document(after)
        assert (result.outcome, result.passages_added) == ("updated", 1)
        # Only the new passage waits for a vector; the kept ones still have theirs in SQLite.
        assert [p.text for p in await store.pending_passages(10)] == ["New remark."]
        assert await store.vector_count() == 2
        assert await archive.sync_vectors() == 1
        states = await store.passage_states()
        passages = await store.passages(list(states))
        assert all(states.values()) and set(states) == archive.vectors.ids()
        assert {p.text: p.author for p in passages.values() if p.kind == "comment"} == {
            "Keep me.": "Anna",
            "New remark.": "Bo",
        }
        stored = await store.document(after.document_id)
    assert stored is not None
    assert [c["author"] for c in stored["comments"]] == ["Anna", "Bo"]


async def test_files_holding_pages_are_recorded_for_older_archives(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = sqlite3.connect(path)
    db.create_function("passage_text", 4, lambda *_: "")  # migration 7 rebuilds the FTS rows
    for version, script in enumerate(MIGRATIONS[:7], start=1):
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    db.execute(
        "INSERT INTO documents (id, origin, format, content_hash, body, ingested_at)"
        " VALUES ('d_1', 'in/a.jsonl:3', 'jsonl', 'h', 'Body.', 'now')"
    )
    db.execute("INSERT INTO document_sources (document_id, source) VALUES ('d_1', 'in/a.jsonl')")
    db.execute("INSERT INTO ingested_files (source, digest, pages) VALUES ('in/a.jsonl', 'x', 1)")
    db.commit()
    db.close()

    store = await Store.open(path)
    try:
        assert await store.page_files(["d_1"]) == {"d_1": ["in/a.jsonl"]}
        assert await store.unheld_documents() == []
        assert await store.legacy_sources() == {"in/a.jsonl": "x"}
        await store.adopt_source("in/a.jsonl", "/data/in/a.jsonl")
        assert await store.legacy_sources() == {}
        assert await store.spellings() == {"/data/in/a.jsonl": "in/a.jsonl"}
        assert await store.page_files(["d_1"]) == {"d_1": ["/data/in/a.jsonl"]}
        assert await store.file_state("/data/in/a.jsonl") == ("x", 1)
        state = await store.document_state("d_1")
        assert state == ("h", "/data/in/a.jsonl", "/data/in/a.jsonl:3")
    finally:
        await store.close()
