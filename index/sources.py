"""What incremental ingest remembers: which file each page came from, the files already read
(and the pages they hold), linked copies of pages, near-duplicate fingerprints, and the renaming
of paths recorded as typed before origins were resolved."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

from index.store_base import StoreBase


def simhash_bands(simhash: int) -> list[tuple[int, int]]:
    """The four 16-bit bands of a 64-bit simhash (stored signed, as SQLite integers are)."""
    unsigned = simhash & 0xFFFFFFFFFFFFFFFF
    return [(band, (unsigned >> (16 * band)) & 0xFFFF) for band in range(4)]


class SourceRecords(StoreBase):
    """Where pages came from, as incremental ingest needs to know it."""

    async def document_state(self, document_id: str) -> tuple[str, str | None, str] | None:
        """A stored document's content hash, recorded source file and origin, or None."""
        async with self._db.execute(
            """SELECT d.content_hash, s.source, d.origin FROM documents d
               LEFT JOIN document_sources s ON s.document_id = d.id WHERE d.id = ?""",
            (document_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1], row[2]) if row else None

    async def set_origin(self, document_id: str, origin: str) -> None:
        """Record where an unchanged page is now (another line of its file, another capture)."""
        await self._db.execute(
            "UPDATE documents SET origin = ? WHERE id = ?", (origin, document_id)
        )
        await self._db.commit()

    async def set_source(
        self, document_id: str, source: str, fingerprint: str | None, simhash: int | None
    ) -> None:
        """Record where a document came from (the file its stored text was read from, which
        holds it) and its body fingerprints (one transaction)."""
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.execute(
                "INSERT INTO document_sources (document_id, source, fingerprint, simhash)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(document_id) DO UPDATE SET"
                " source = excluded.source, fingerprint = excluded.fingerprint,"
                " simhash = excluded.simhash",
                (document_id, source, fingerprint, simhash),
            )
            # The file holds the page from now on, even if this read of it is cut short.
            await db.execute(
                "INSERT OR IGNORE INTO page_files (source, document_id) VALUES (?, ?)",
                (source, document_id),
            )
            await db.execute("DELETE FROM simhash_bands WHERE document_id = ?", (document_id,))
            if simhash is not None:
                await db.executemany(
                    "INSERT OR IGNORE INTO simhash_bands (band, value, document_id)"
                    " VALUES (?, ?, ?)",
                    [(band, value, document_id) for band, value in simhash_bands(simhash)],
                )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise

    async def duplicate_candidates(
        self, fingerprint: str | None, simhash: int | None
    ) -> list[tuple[str, str | None, int | None]]:
        """Documents with the same body fingerprint or sharing a simhash band:
        ``(document_id, fingerprint, simhash)``, exact matches first."""
        found: dict[str, tuple[str, str | None, int | None]] = {}
        if fingerprint:
            async with self._db.execute(
                "SELECT document_id, fingerprint, simhash FROM document_sources"
                " WHERE fingerprint = ?",
                (fingerprint,),
            ) as cursor:
                found.update({row[0]: row for row in await cursor.fetchall()})
        if simhash is not None:
            clause = " OR ".join("(b.band = ? AND b.value = ?)" for _ in range(4))
            params = [part for pair in simhash_bands(simhash) for part in pair]
            async with self._db.execute(
                f"""SELECT DISTINCT s.document_id, s.fingerprint, s.simhash
                    FROM simhash_bands b JOIN document_sources s ON s.document_id = b.document_id
                    WHERE {clause}""",
                params,
            ) as cursor:
                for row in await cursor.fetchall():
                    found.setdefault(row[0], row)
        return list(found.values())

    async def alias(self, identity: str) -> tuple[str, str, str, str] | None:
        """A page linked to another document: ``(document_id, content_hash, source, origin)``."""
        async with self._db.execute(
            "SELECT document_id, content_hash, source, origin FROM document_aliases"
            " WHERE identity = ?",
            (identity,),
        ) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1], row[2], row[3]) if row else None

    async def save_alias(
        self, identity: str, document_id: str, origin: str, source: str, content_hash: str
    ) -> None:
        await self._db.execute(
            "INSERT INTO document_aliases (identity, document_id, origin, source, content_hash)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(identity) DO UPDATE SET"
            " document_id = excluded.document_id, origin = excluded.origin,"
            " source = excluded.source, content_hash = excluded.content_hash",
            (identity, document_id, origin, source, content_hash),
        )
        await self._db.commit()

    async def delete_alias(self, identity: str) -> None:
        await self._db.execute("DELETE FROM document_aliases WHERE identity = ?", (identity,))
        await self._db.commit()

    async def sources(self) -> dict[str, list[str]]:
        """Every recorded source file with the documents from it (a document without a
        recorded source counts its origin as its file)."""
        by_source: dict[str, list[str]] = {}
        async with self._db.execute(
            """SELECT coalesce(s.source, d.origin), d.id FROM documents d
               LEFT JOIN document_sources s ON s.document_id = d.id"""
        ) as cursor:
            for source, document_id in await cursor.fetchall():
                by_source.setdefault(source, []).append(document_id)
        return by_source

    async def alias_sources(self) -> list[tuple[str, str, str]]:
        """``(identity, document_id, source)`` of every linked page."""
        async with self._db.execute(
            "SELECT identity, document_id, source FROM document_aliases"
        ) as cursor:
            return [(row[0], row[1], row[2]) for row in await cursor.fetchall()]

    async def file_state(self, source: str) -> tuple[str, int] | None:
        """The digest a file had when it was last ingested in full, and its page count."""
        async with self._db.execute(
            "SELECT digest, pages FROM ingested_files WHERE source = ?", (source,)
        ) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1]) if row else None

    async def record_file(
        self,
        source: str,
        digest: str,
        pages: int,
        document_ids: Iterable[str] = (),
        aliases: Iterable[str] = (),
    ) -> None:
        """Record a file read in full, in one transaction: its digest and page count, the
        documents whose own pages it holds (replacing what an earlier read recorded: a
        document it no longer holds is then ``unheld``), and its linked copies (links it no
        longer holds are dropped; they point at a document that stays)."""
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.execute(
                "INSERT INTO ingested_files (source, digest, pages) VALUES (?, ?, ?)"
                " ON CONFLICT(source) DO UPDATE SET digest = excluded.digest,"
                " pages = excluded.pages",
                (source, digest, pages),
            )
            await db.execute("DELETE FROM page_files WHERE source = ?", (source,))
            await self._hold(source, document_ids)
            await db.execute(
                "DELETE FROM document_aliases WHERE source = ?"
                " AND identity NOT IN (SELECT value FROM json_each(?))",
                (source, json.dumps(sorted(set(aliases)))),
            )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise

    async def hold_pages(self, source: str, document_ids: Iterable[str]) -> None:
        """Record that a file holds these documents' pages (a file read only in part)."""
        await self._hold(source, document_ids)
        await self._db.commit()

    async def _hold(self, source: str, document_ids: Iterable[str]) -> None:
        # Only documents still stored: one pruned meanwhile has no row to point at.
        await self._db.executemany(
            "INSERT OR IGNORE INTO page_files (source, document_id)"
            " SELECT ?, id FROM documents WHERE id = ?",
            [(source, document_id) for document_id in sorted(set(document_ids))],
        )

    async def held_documents(self, source: str) -> list[tuple[str | None, int, int]]:
        """``(title, passages, comments)`` of each document whose own page a file holds."""
        async with self._db.execute(
            """SELECT d.title,
                      (SELECT count(*) FROM passages p WHERE p.document_id = d.id),
                      (SELECT count(*) FROM comments c WHERE c.document_id = d.id)
               FROM page_files f JOIN documents d ON d.id = f.document_id
               WHERE f.source = ? ORDER BY d.id""",
            (source,),
        ) as cursor:
            return [(row[0], row[1], row[2]) for row in await cursor.fetchall()]

    async def unheld_documents(self) -> list[tuple[str, str]]:
        """``(document_id, source)`` of documents whose source file no longer held them when
        last read in full (a line or record taken out of it)."""
        async with self._db.execute(
            """SELECT s.document_id, s.source FROM document_sources s
               WHERE NOT EXISTS (SELECT 1 FROM page_files f
                                 WHERE f.source = s.source AND f.document_id = s.document_id)"""
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def forget_files(self, sources: Sequence[str], *, captures: bool = False) -> None:
        """Make files be read again by the next run; ``captures`` also forgets which pages
        they held (for files that are gone)."""
        await self._db.executemany(
            "DELETE FROM ingested_files WHERE source = ?", [(s,) for s in sources]
        )
        if captures:
            await self._db.executemany(
                "DELETE FROM page_files WHERE source = ?", [(s,) for s in sources]
            )
        await self._db.commit()

    async def page_files(self, document_ids: Sequence[str]) -> dict[str, list[str]]:
        """Every file known to hold a page of each document (its captures), in name order."""
        found: dict[str, list[str]] = {}
        async with self._db.execute(
            "SELECT f.document_id, f.source FROM json_each(?) AS d"
            " JOIN page_files f ON f.document_id = d.value ORDER BY f.source",
            (json.dumps(list(document_ids)),),
        ) as cursor:
            for document_id, source in await cursor.fetchall():
                found.setdefault(document_id, []).append(source)
        return found

    # --- archives that stored paths as typed ---------------------------------------------------

    async def legacy_sources(self) -> dict[str, str | None]:
        """Every recorded file path that is not absolute (written before origins were
        resolved), with the digest it was last ingested with, when known."""
        # The SQL test passes every relative POSIX path (and other systems' absolute ones, which
        # isabs then tells apart) while an archive of absolute paths returns nothing.
        async with self._db.execute(
            """SELECT s.source, f.digest FROM (
                   SELECT source FROM ingested_files UNION SELECT source FROM document_sources
                   UNION SELECT source FROM document_aliases UNION SELECT source FROM page_files
               ) AS s LEFT JOIN ingested_files f ON f.source = s.source
               WHERE substr(s.source, 1, 1) != '/'"""
        ) as cursor:
            rows = await cursor.fetchall()
        return {source: digest for source, digest in rows if not os.path.isabs(source)}

    async def adopt_source(self, old: str, new: str) -> None:
        """Rename a file recorded as ``old`` (a path as typed) to its resolved path ``new``
        everywhere, in one transaction, origins included; ``old`` stays recorded as the
        spelling that pages without a URL are identified by (``spelling``)."""
        db = self._db
        renamed = "? || substr(origin, length(?) + 1)"
        prefixed = "substr(origin, 1, length(?)) = ?"
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.execute(
                f"""UPDATE documents SET origin = {renamed}
                    WHERE id IN (SELECT document_id FROM document_sources WHERE source = ?)
                    AND {prefixed}""",
                (new, old, old, old, old),
            )
            await db.execute(
                f"""UPDATE document_aliases SET source = ?, origin = CASE WHEN {prefixed}
                    THEN {renamed} ELSE origin END WHERE source = ?""",
                (new, old, old, new, old, old),
            )
            await db.execute("UPDATE document_sources SET source = ? WHERE source = ?", (new, old))
            for table in ("ingested_files", "page_files"):
                # A file already recorded under both spellings keeps its resolved record.
                await db.execute(
                    f"UPDATE OR IGNORE {table} SET source = ? WHERE source = ?", (new, old)
                )
                await db.execute(f"DELETE FROM {table} WHERE source = ?", (old,))
            await db.execute(
                "INSERT OR IGNORE INTO source_spellings (source, spelling) VALUES (?, ?)",
                (new, old),
            )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise

    async def spellings(self) -> dict[str, str]:
        """Files first archived under another spelling than their resolved path (``source``:
        ``spelling``); only archives from before paths were resolved have any."""
        async with self._db.execute("SELECT source, spelling FROM source_spellings") as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}
