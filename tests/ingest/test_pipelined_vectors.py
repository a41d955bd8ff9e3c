"""Embedding runs beside reading: every passage still ends up once in chromadb and SQLite."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from pathlib import Path

import pytest

from index.archive import Archive
from index.embedder import HashEmbedder
from index.store import Store
from ingest.pipeline import ingest_paths


def _pages(path: Path, count: int) -> Path:
    rng = random.Random(3)
    words = "council budget river election harbour vaccine strike pension flood".split()
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            paragraphs = [
                " ".join(
                    " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))).capitalize()
                    + "."
                    for _ in range(rng.randint(2, 5))
                )
                for _ in range(rng.randint(1, 4))
            ]
            page = {
                "url": f"https://example.org/{n}",
                "text": "\n\n".join(paragraphs),
                "comments": [{"author": "reader", "text": f"Comment {n}. About the flood."}],
            }
            out.write(json.dumps(page) + "\n")
    return path


async def test_every_passage_is_embedded_once_with_its_sentences(tmp_path: Path) -> None:
    corpus = _pages(tmp_path / "pages.jsonl", 60)
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, [corpus], batch_size=7)
        states = await archive.store.passage_states()
        assert states and all(states.values())
        assert set(states) == archive.vectors.ids()
        assert report.vectors_written == len(states) == report.passages_added
        assert report.embed_seconds > 0 and report.write_seconds > 0
        again = await ingest_paths(archive, [corpus], batch_size=7)
        assert again.vectors_written == 0
    db = sqlite3.connect(tmp_path / "data" / "archive.db")
    counts = db.execute(
        """SELECT count(*), (SELECT count(*) FROM passage_vectors),
                  (SELECT count(*) FROM sentence_vectors) FROM passages"""
    ).fetchone()
    db.close()
    assert counts[0] == counts[1] == counts[2]


async def test_recording_the_model_never_lands_inside_a_page_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first embedding records the archive's model in SQLite. Done from the embedding task,
    that write could open a transaction on the shared connection just as the next page began
    its own ("cannot start a transaction within a transaction": a page skipped as a reader
    failure). Held open here for long enough that the next page always comes."""
    set_meta = Store.set_meta

    async def slow_set_meta(self: Store, key: str, value: str) -> None:
        if key != "embed_model":
            return await set_meta(self, key, value)
        await self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        await asyncio.sleep(0.3)
        await self._db.commit()

    monkeypatch.setattr(Store, "set_meta", slow_set_meta)
    corpus = _pages(tmp_path / "pages.jsonl", 40)
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, [corpus], batch_size=4)
    assert report.skipped == [] and report.pages_added == 40
