"""Writing pages: a document, its comments and passages, and their full-text rows, in one
transaction each (and removing them the same way)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.models import DocumentRecord, date_as_int
from index.schema import FACETS, PASSAGE_TEXT
from index.sites import url_host
from index.store_base import StoreBase, utc_timestamp
from index.stored_text import squeeze

SaveOutcome = Literal["added", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class SiteStatement:
    """A page's host, the site it is stored under and the names it gives its outlet."""

    document_id: str
    host: str
    site: str | None
    names: list[str]


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What writing a page did, and how many of its passages are new: only those need a
    vector (a kept passage's id is a hash of its document and text, so its vector still
    holds)."""

    outcome: SaveOutcome
    passages_added: int


# What the full-text index holds for each passage of a document (``?``): written by one
# statement and given back, the very same values, to forget the rows (a contentless table
# needs them).
_FTS_VALUES = f"""p.seq, {PASSAGE_TEXT}, coalesce(p.author, ''), coalesce(d.title, ''),
    {FACETS}
    FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.document_id = ?"""


class DocumentWrites(StoreBase):
    """Pages in and out of ``archive.db``, each change one transaction."""

    async def save_document(self, document: DocumentRecord) -> SaveOutcome:
        """Write a page and its passages in one transaction (see ``write_document``)."""
        return (await self.write_document(document)).outcome

    async def write_document(self, document: DocumentRecord) -> SaveResult:
        """Write a page and its passages in one transaction.

        Unchanged content is left alone; a changed page keeps the passages whose text is the same
        (their ids are content hashes) with their vectors, and replaces the rest, queueing the
        vectors of removed passages for deletion from chromadb.
        """
        db = self._db
        async with db.execute(
            "SELECT content_hash FROM documents WHERE id = ?", (document.document_id,)
        ) as cursor:
            existing = await cursor.fetchone()
        if existing and existing[0] == document.content_hash:
            return SaveResult("unchanged", 0)

        await db.execute("BEGIN IMMEDIATE")
        try:
            old_ids = await self._document_passage_ids(document.document_id)
            await self._delete_fts(document.document_id)
            await self._upsert_document_row(document)
            # Comments are upserted and the stale ones deleted only once no kept passage points
            # at them: deleting a comment cascades to its passages (and their stored vectors),
            # which would make every comment passage new on any edit of the page.
            await db.executemany(
                "INSERT INTO comments (id, document_id, position, author, published, parent, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " position = excluded.position, author = excluded.author,"
                " published = excluded.published, parent = excluded.parent, text = excluded.text",
                [
                    (
                        c.comment_id,
                        document.document_id,
                        c.position,
                        c.author,
                        c.published,
                        c.parent,
                        squeeze(c.text),
                    )
                    for c in document.comments
                ],
            )
            new_ids = {p.passage_id for p in document.passages}
            removed = [pid for pid in old_ids if pid not in new_ids]
            await db.executemany("DELETE FROM passages WHERE id = ?", [(pid,) for pid in removed])
            await db.executemany(
                "INSERT OR IGNORE INTO vector_deletions (id) VALUES (?)",
                [(pid,) for pid in removed],
            )
            # A kept passage keeps its vector and its embedded mark: a vector is made from the
            # passage's text alone (chromadb holds nothing else, filters read SQLite), and the
            # text is part of the id. What may have moved around it (its place, its comment,
            # that comment's author) is updated here, and its FTS row is rebuilt below.
            await db.executemany(
                """
                INSERT INTO passages (id, document_id, comment_id, kind, author, position,
                                      source_start, source_end, text, embedded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT(id) DO UPDATE SET
                    comment_id = excluded.comment_id, author = excluded.author,
                    position = excluded.position, source_start = excluded.source_start,
                    source_end = excluded.source_end
                """,
                [
                    (
                        p.passage_id,
                        document.document_id,
                        p.comment_id,
                        p.kind,
                        p.author,
                        p.position,
                        p.source_start,
                        p.source_end,
                        "",  # the text is its source's slice (PASSAGE_TEXT)
                    )
                    for p in document.passages
                ],
            )
            await db.executemany(
                "DELETE FROM vector_deletions WHERE id = ?", [(pid,) for pid in new_ids]
            )
            await db.execute(
                "DELETE FROM comments WHERE document_id = ?"
                " AND id NOT IN (SELECT value FROM json_each(?))",
                (document.document_id, json.dumps([c.comment_id for c in document.comments])),
            )
            await db.execute(
                "INSERT INTO passages_fts (rowid, text, author, title, facets)"
                f" SELECT {_FTS_VALUES}",
                (document.document_id,),
            )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        added = len(new_ids.difference(old_ids))
        return SaveResult("updated" if existing else "added", added)

    async def _document_passage_ids(self, document_id: str) -> list[str]:
        async with self._db.execute(
            "SELECT id FROM passages WHERE document_id = ?", (document_id,)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def _delete_fts(self, document_id: str) -> None:
        # A contentless FTS5 table forgets a row only when given the values it indexed.
        await self._db.execute(
            "INSERT INTO passages_fts (passages_fts, rowid, text, author, title, facets)"
            f" SELECT 'delete', {_FTS_VALUES}",
            (document_id,),
        )

    async def _upsert_document_row(self, document: DocumentRecord) -> None:
        published = document.published.isoformat() if document.published else None
        await self._db.execute(
            """
            INSERT INTO documents (id, origin, format, content_hash, url, site, title, published,
                                   published_int, published_inferred, authors, body, ingested_at,
                                   host, site_names)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                origin = excluded.origin, format = excluded.format,
                content_hash = excluded.content_hash, url = excluded.url, site = excluded.site,
                title = excluded.title, published = excluded.published,
                published_int = excluded.published_int,
                published_inferred = excluded.published_inferred, authors = excluded.authors,
                body = excluded.body, ingested_at = excluded.ingested_at,
                host = excluded.host, site_names = excluded.site_names
            """,
            (
                document.document_id,
                document.origin,
                document.format,
                document.content_hash,
                document.url,
                document.site,
                document.title,
                published,
                date_as_int(document.published),
                int(document.published_inferred),
                json.dumps(document.authors),
                squeeze(document.body),
                utc_timestamp(),
                url_host(document.url),
                json.dumps(document.site_names or ([document.site] if document.site else [])),
            ),
        )

    async def site_statements(self) -> list[SiteStatement]:
        """What every page with a host says of its outlet, for settling one name per host;
        the hosts of pages written before hosts were kept are filled in on the way."""
        async with self._db.execute(
            "SELECT id, url FROM documents WHERE host IS NULL AND url IS NOT NULL"
        ) as cursor:
            missing = [(url_host(url), document_id) for document_id, url in await cursor.fetchall()]
        if found := [(host, document_id) for host, document_id in missing if host]:
            await self._db.executemany("UPDATE documents SET host = ? WHERE id = ?", found)
            await self._db.commit()
        async with self._db.execute(
            "SELECT id, host, site, site_names FROM documents WHERE host IS NOT NULL"
        ) as cursor:
            return [
                SiteStatement(row[0], row[1], row[2], json.loads(row[3]))
                for row in await cursor.fetchall()
            ]

    async def rename_sites(self, sites: dict[str, str]) -> None:
        """Give documents (id → site) another site name, in one transaction: the full-text
        rows carry the site as a filter token, so each renamed page's rows are rebuilt."""
        if not sites:
            return
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            for document_id, site in sites.items():
                await self._delete_fts(document_id)
                await db.execute("UPDATE documents SET site = ? WHERE id = ?", (site, document_id))
                await db.execute(
                    "INSERT INTO passages_fts (rowid, text, author, title, facets)"
                    f" SELECT {_FTS_VALUES}",
                    (document_id,),
                )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise

    async def delete_documents(self, document_ids: Sequence[str]) -> None:
        """Remove documents with their comments and passages in one transaction, queueing the
        passages' vectors for deletion from chromadb."""
        if not document_ids:
            return
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            for document_id in document_ids:
                await self._delete_fts(document_id)
                await db.execute(
                    "INSERT OR IGNORE INTO vector_deletions (id)"
                    " SELECT id FROM passages WHERE document_id = ?",
                    (document_id,),
                )
                await db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
