"""Vectors on SQLite's side: which passages chromadb still has to get (or drop), and the packed
copies of passage and sentence vectors (``vector_codec``) that filtered search and quote
selection read instead of chromadb."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import numpy as np

from index.read_connections import read_only_connection
from index.schema import PASSAGE_TEXT
from index.store_base import StoreBase
from index.stored_text import passage_text
from index.vector_codec import Projection, pack, unpack


async def rewrite_vector_blobs(
    db: aiosqlite.Connection,
    repack: Callable[[bytes, int], bytes],
    passage_table: str,
    sentence_table: str,
) -> int:
    """Rewrite the vector blobs of one copy of the vector tables (the live one, or the one a
    rebuild stages) through ``repack(blob, count)`` and commit. Returns the passages rewritten."""
    async with db.execute(f"SELECT seq, vector FROM {passage_table}") as cursor:
        passages = await cursor.fetchall()
    async with db.execute(
        f"SELECT seq, vectors, json_array_length(spans) FROM {sentence_table}"
    ) as cursor:
        sentences = await cursor.fetchall()
    await db.executemany(
        f"UPDATE {passage_table} SET vector = ? WHERE seq = ?",
        [(repack(blob, 1), seq) for seq, blob in passages],
    )
    await db.executemany(
        f"UPDATE {sentence_table} SET vectors = ? WHERE seq = ?",
        [(repack(blob, count), seq) for seq, blob, count in sentences if count],
    )
    await db.commit()
    return len(passages)


@dataclass(frozen=True, slots=True)
class PendingPassage:
    """A passage whose vector chromadb does not have yet."""

    passage_id: str
    text: str


def read_passage_vectors(path: Path) -> tuple[list[int], list[str], list[bytes]]:
    """Every stored passage vector of the archive at ``path`` with its passage's seq and id, in
    seq order, read on a read-only connection of its own: at 1M passages the read takes ~1 s,
    which would hold up every query on the archive's own connection. Blocks: call it in a
    worker thread."""
    with contextlib.closing(read_only_connection(path)) as db:
        rows = db.execute(
            """SELECT v.seq, p.id, v.vector FROM passage_vectors v
               JOIN passages p ON p.seq = v.seq ORDER BY v.seq"""
        ).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def embedded_passages(
    path: Path,
) -> Iterator[tuple[str, np.ndarray, list[tuple[int, int]], np.ndarray]]:
    """Every embedded passage of the archive at ``path`` with its vectors, decoded: (text,
    passage vector, sentence spans, sentence vectors). Synchronous, for tools that reuse an
    archive's vectors (the QA evaluation's half archives, the latency benchmark)."""
    db = sqlite3.connect(path)
    db.create_function("passage_text", 4, passage_text, deterministic=True)
    try:
        stored = db.execute("SELECT value FROM meta WHERE key = 'vector_projection'").fetchone()
        projection = Projection.from_text(stored[0]) if stored else None
        query = f"""SELECT {PASSAGE_TEXT}, v.vector, s.spans, s.vectors FROM passages p
                    JOIN documents d ON d.id = p.document_id
                    JOIN passage_vectors v ON v.seq = p.seq
                    JOIN sentence_vectors s ON s.seq = p.seq"""
        for text, vector, spans, vectors in db.execute(query):
            offsets = [(a, b) for a, b in json.loads(spans)]
            yield (
                text,
                unpack(vector, 1, projection)[0],
                offsets,
                unpack(vectors, len(offsets), projection),
            )
    finally:
        db.close()


class VectorCopies(StoreBase):
    """Keeping chromadb in line with SQLite, and the vector copies kept in SQLite."""

    async def pending_passages(self, limit: int) -> list[PendingPassage]:
        async with self._db.execute(
            f"""
            SELECT p.id, {PASSAGE_TEXT}
            FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE p.embedded = 0 ORDER BY p.seq LIMIT ?
            """,
            (limit,),
        ) as cursor:
            return [PendingPassage(pid, text) for pid, text in await cursor.fetchall()]

    async def mark_embedded(self, passage_ids: Sequence[str]) -> None:
        await self._db.executemany(
            "UPDATE passages SET embedded = 1 WHERE id = ?", [(pid,) for pid in passage_ids]
        )
        await self._db.commit()

    async def pending_deletions(self) -> list[str]:
        async with self._db.execute("SELECT id FROM vector_deletions") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def clear_deletions(self, passage_ids: Sequence[str]) -> None:
        await self._db.executemany(
            "DELETE FROM vector_deletions WHERE id = ?", [(pid,) for pid in passage_ids]
        )
        await self._db.commit()

    async def passage_states(self) -> dict[str, bool]:
        """Every passage id with whether chromadb is recorded as holding its vector."""
        async with self._db.execute("SELECT id, embedded FROM passages") as cursor:
            return {row[0]: bool(row[1]) for row in await cursor.fetchall()}

    async def mark_pending(self, passage_ids: Sequence[str]) -> None:
        await self._db.executemany(
            "UPDATE passages SET embedded = 0 WHERE id = ?", [(pid,) for pid in passage_ids]
        )
        await self._db.commit()

    # --- vectors kept in SQLite (passage and sentence level) -----------------------------------

    async def save_vectors(
        self,
        passage_ids: Sequence[str],
        passage_vectors: Any,
        sentence_spans: Sequence[Sequence[tuple[int, int]]],
        sentence_vectors: Sequence[Any],
        projection: Projection | None = None,
    ) -> None:
        """Store int8 copies (``index.vector_codec``) of each passage's vector and of its
        sentences' vectors, projected when the archive has a projection."""
        await self._db.executemany(
            "INSERT OR REPLACE INTO passage_vectors (seq, vector)"
            " SELECT seq, ? FROM passages WHERE id = ?",
            [
                (pack(vector, projection), pid)
                for pid, vector in zip(passage_ids, passage_vectors, strict=True)
            ],
        )
        await self._db.executemany(
            "INSERT OR REPLACE INTO sentence_vectors (seq, spans, vectors)"
            " SELECT seq, ?, ? FROM passages WHERE id = ?",
            [
                (json.dumps([list(s) for s in spans]), pack(vectors, projection), pid)
                for pid, spans, vectors in zip(
                    passage_ids, sentence_spans, sentence_vectors, strict=True
                )
            ],
        )
        await self._db.commit()

    async def vector_count(self) -> int:
        async with self._db.execute("SELECT count(*) FROM passage_vectors") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def sentence_vector_sample(self, limit: int) -> list[tuple[bytes, int]]:
        """Packed sentence vectors with their counts, spread over the archive (for fitting)."""
        async with self._db.execute(
            """SELECT vectors, json_array_length(spans) FROM sentence_vectors
               WHERE json_array_length(spans) > 0 ORDER BY random() LIMIT ?""",
            (limit,),
        ) as cursor:
            return [(blob, int(count)) for blob, count in await cursor.fetchall()]

    async def repack_vectors(self, repack: Callable[[bytes, int], bytes]) -> int:
        """Rewrite every stored vector blob through ``repack(blob, count)`` in one transaction
        (the blobs that are already in the target format come back unchanged)."""
        count = await rewrite_vector_blobs(self._db, repack, "passage_vectors", "sentence_vectors")
        # The rows shrank in place, leaving their pages mostly empty: give the room back, unless
        # another connection is reading right now (a bot answering during a re-index); SQLite
        # then reuses the free room for the rows that follow.
        with contextlib.suppress(sqlite3.OperationalError):
            await self._db.execute("VACUUM")
        return count

    async def sentence_vectors(
        self, passage_ids: Sequence[str]
    ) -> dict[str, tuple[list[tuple[int, int]], bytes]]:
        """Sentence spans and their packed vectors (raw bytes) for the passages that have them."""
        if not passage_ids:
            return {}
        marks = ",".join("?" * len(passage_ids))
        sql = f"""
            SELECT p.id, s.spans, s.vectors FROM passages p JOIN sentence_vectors s ON s.seq = p.seq
            WHERE p.id IN ({marks})
        """
        async with self._db.execute(sql, list(passage_ids)) as cursor:
            return {
                pid: ([(a, b) for a, b in json.loads(spans)], blob)
                for pid, spans, blob in await cursor.fetchall()
            }
