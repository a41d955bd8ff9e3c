"""Generations on SQLite's side: the ``generations`` rows, the ``*_next`` tables a rebuild fills
beside the live vector copies, and the one transaction that makes a built generation live.

The live generation is meta ``index_version`` (what readers already follow); a generation being
built has a ``building`` row and its vector copies in ``passage_vectors_next`` and
``sentence_vectors_next``, which the switch renames over the live tables. Readers on other
connections see either the old generation whole or the new one whole (WAL snapshots).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from index.schema import PASSAGE_TEXT
from index.store_base import StoreBase, utc_timestamp
from index.stored_vectors import rewrite_vector_blobs
from index.vector_codec import Projection, pack, unpack

#: The live vector copies and the tables a rebuild fills in their place.
STAGED_TABLES = {
    "passage_vectors": "passage_vectors_next",
    "sentence_vectors": "sentence_vectors_next",
}
# Declared like the live tables (migration 2): the switch renames them over those.
_STAGING_SCHEMA = """
    DROP TABLE IF EXISTS passage_vectors_next;
    DROP TABLE IF EXISTS sentence_vectors_next;
    CREATE TABLE passage_vectors_next (
        seq    INTEGER PRIMARY KEY REFERENCES passages(seq) ON DELETE CASCADE,
        vector BLOB NOT NULL
    );
    CREATE TABLE sentence_vectors_next (
        seq     INTEGER PRIMARY KEY REFERENCES passages(seq) ON DELETE CASCADE,
        spans   TEXT NOT NULL,
        vectors BLOB NOT NULL
    );
"""


class IncompleteGeneration(RuntimeError):
    """A generation about to be switched to lacks vectors for some passages."""


class GenerationRecords(StoreBase):
    """The ``generations`` table, the staging tables, and the switch."""

    async def generations(self) -> list[dict[str, Any]]:
        async with self._db.execute(
            "SELECT number, collection, embed_model, state, started_at, switched_at"
            " FROM generations ORDER BY number"
        ) as cursor:
            rows = await cursor.fetchall()
        names = ("number", "collection", "embed_model", "state", "started_at", "switched_at")
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def record_live_generation(
        self, number: int, collection: str, embed_model: str | None
    ) -> None:
        """Record the live generation of an archive from before generations (or a new one)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO generations (number, collection, embed_model, state,"
            " started_at) VALUES (?, ?, ?, 'live', ?)",
            (number, collection, embed_model, utc_timestamp()),
        )
        await self._db.commit()

    async def begin_generation(self, number: int, collection: str, embed_model: str) -> None:
        """Record generation ``number`` as being built and give it empty staging tables, before
        its collection exists: a start that finds the row removes what was built."""
        await self._db.execute(
            "INSERT INTO generations (number, collection, embed_model, state, started_at)"
            " VALUES (?, ?, ?, 'building', ?)",
            (number, collection, embed_model, utc_timestamp()),
        )
        await self._db.commit()
        await self._db.executescript(f"BEGIN;\n{_STAGING_SCHEMA}\nCOMMIT;")

    async def passages_after(self, seq: int, limit: int) -> list[tuple[int, str, str]]:
        """(seq, id, text) of up to ``limit`` passages after ``seq``, in seq order."""
        async with self._db.execute(
            f"""SELECT p.seq, p.id, {PASSAGE_TEXT}
                FROM passages p JOIN documents d ON d.id = p.document_id
                WHERE p.seq > ? ORDER BY p.seq LIMIT ?""",
            (seq, limit),
        ) as cursor:
            return [(int(s), pid, text) for s, pid, text in await cursor.fetchall()]

    async def stage_vectors(
        self,
        seqs: Sequence[int],
        passage_vectors: Any,
        sentence_spans: Sequence[Sequence[tuple[int, int]]],
        sentence_vectors: Sequence[Any],
    ) -> None:
        """The new generation's vector copies, whole (its projection is fitted at the end)."""
        await self._db.executemany(
            "INSERT OR REPLACE INTO passage_vectors_next (seq, vector) VALUES (?, ?)",
            [(seq, pack(vector)) for seq, vector in zip(seqs, passage_vectors, strict=True)],
        )
        await self._db.executemany(
            "INSERT OR REPLACE INTO sentence_vectors_next (seq, spans, vectors) VALUES (?, ?, ?)",
            [
                (seq, json.dumps([list(s) for s in spans]), pack(vectors))
                for seq, spans, vectors in zip(seqs, sentence_spans, sentence_vectors, strict=True)
            ],
        )
        await self._db.commit()

    async def staged_sentence_sample(self, limit: int) -> list[tuple[bytes, int]]:
        async with self._db.execute(
            """SELECT vectors, json_array_length(spans) FROM sentence_vectors_next
               WHERE json_array_length(spans) > 0 ORDER BY random() LIMIT ?""",
            (limit,),
        ) as cursor:
            return [(blob, int(count)) for blob, count in await cursor.fetchall()]

    async def staged_count(self) -> int:
        async with self._db.execute("SELECT count(*) FROM passage_vectors_next") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def repack_staged(self, projection: Projection) -> None:
        """Project every staged vector (the new generation's projection, once fitted)."""
        await rewrite_vector_blobs(
            self._db,
            lambda blob, count: pack(unpack(blob, count), projection),
            STAGED_TABLES["passage_vectors"],
            STAGED_TABLES["sentence_vectors"],
        )

    async def switch_generation(
        self, number: int, embed_model: str, projection: Projection | None
    ) -> int:
        """Make generation ``number`` live in one transaction: its staged copies replace the
        live ones, every passage is marked embedded, meta ``index_version``, ``embed_model``
        and ``vector_projection`` name it, and the old live row is retired. Returns the old
        generation's number. Refused (nothing changed) when a passage has no staged vector."""
        db = self._db
        await db.commit()
        await db.execute("BEGIN IMMEDIATE")
        try:
            async with db.execute(
                """SELECT count(*) FROM passages p
                   WHERE NOT EXISTS (SELECT 1 FROM passage_vectors_next v WHERE v.seq = p.seq)"""
            ) as cursor:
                row = await cursor.fetchone()
            if row and row[0]:
                raise IncompleteGeneration(
                    f"{row[0]} passages have no vector in generation {number}"
                )
            async with db.execute("SELECT value FROM meta WHERE key = 'index_version'") as cursor:
                row = await cursor.fetchone()
            old = int(row[0]) if row else 1
            for live, staged in STAGED_TABLES.items():
                await db.execute(f"DROP TABLE {live}")
                await db.execute(f"ALTER TABLE {staged} RENAME TO {live}")
            await db.execute("UPDATE passages SET embedded = 1 WHERE embedded = 0")
            # The old collection goes whole, so its pending deletions go with it.
            await db.execute("DELETE FROM vector_deletions")
            meta = {"index_version": str(number), "embed_model": embed_model}
            if projection is not None:
                meta["vector_projection"] = projection.to_text()
            else:
                await db.execute("DELETE FROM meta WHERE key = 'vector_projection'")
            await db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                list(meta.items()),
            )
            await db.execute(
                "UPDATE generations SET state = 'retired' WHERE state = 'live' AND number != ?",
                (number,),
            )
            await db.execute(
                "UPDATE generations SET state = 'live', switched_at = ? WHERE number = ?",
                (utc_timestamp(), number),
            )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        return old

    async def abandon_generations(self, keep: int) -> list[str]:
        """Forget every generation being built other than ``keep`` (none when 0) and drop the
        staging tables when none is kept: returns the collections the forgotten ones had."""
        async with self._db.execute(
            "SELECT collection FROM generations WHERE state = 'building' AND number != ?",
            (keep,),
        ) as cursor:
            collections = [row[0] for row in await cursor.fetchall()]
        await self._db.execute(
            "DELETE FROM generations WHERE state = 'building' AND number != ?", (keep,)
        )
        await self._db.commit()
        if not keep:
            await self._db.executescript(
                "BEGIN;\nDROP TABLE IF EXISTS passage_vectors_next;\n"
                "DROP TABLE IF EXISTS sentence_vectors_next;\nCOMMIT;"
            )
        return collections

    async def next_generation_number(self) -> int:
        async with self._db.execute("SELECT coalesce(max(number), 0) FROM generations") as cursor:
            row = await cursor.fetchone()
        async with self._db.execute("SELECT value FROM meta WHERE key = 'index_version'") as cur:
            live = await cur.fetchone()
        return max(int(row[0]) if row else 0, int(live[0]) if live else 1) + 1
