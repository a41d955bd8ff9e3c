"""The canonical record: SQLite through aiosqlite (WAL), with FTS5 over passage text."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import aiosqlite
import numpy as np

from index.models import (
    DocumentRecord,
    Passage,
    SearchFilters,
    date_as_int,
)
from index.schema import FACETS, PASSAGE_TEXT, migrate
from index.vector_codec import Projection, pack, unpack

SaveOutcome = Literal["added", "updated", "unchanged"]

_PASSAGE_COLUMNS = f"""
    p.id, p.document_id, p.kind, p.position, {PASSAGE_TEXT}, p.author,
    d.title, d.site, d.url, d.published
"""


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What writing a page did, and how many of its passages are new: only those need a
    vector (a kept passage's id is a hash of its document and text, so its vector still
    holds)."""

    outcome: SaveOutcome
    passages_added: int


@dataclass(frozen=True, slots=True)
class PendingPassage:
    """A passage whose vector chromadb does not have yet."""

    passage_id: str
    text: str


def _passage_text(stored: str | None, source: str | bytes | None, start: int, end: int) -> str:
    if stored:
        return stored
    return _unsqueeze(source)[start:end] if source is not None else ""


def embedded_passages(
    path: Path,
) -> Iterator[tuple[str, np.ndarray, list[tuple[int, int]], np.ndarray]]:
    """Every embedded passage of the archive at ``path`` with its vectors, decoded: (text,
    passage vector, sentence spans, sentence vectors). Synchronous, for tools that reuse an
    archive's vectors (the QA evaluation's half archives, the latency benchmark)."""
    db = sqlite3.connect(path)
    db.create_function("passage_text", 4, _passage_text, deterministic=True)
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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression that ORs the terms, each quoted so no term is read as syntax,
    looked for in the text, author and title (never among the facet tokens, which are filters)."""
    quoted = " OR ".join('"{}"'.format(term.replace('"', '""')) for term in terms)
    return f"{{text author title}} : ({quoted})"


def nocase(text: str) -> str:
    """What SQLite's ``lower()`` and COLLATE NOCASE do: fold ASCII letters only."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def facet_query(filters: SearchFilters, dated: tuple[date, date] | None = None) -> str | None:
    """The FTS5 conditions (`` AND facets : (...)``) that apply ``filters`` through the facet
    tokens of ``schema.FACETS``; empty for no filter, None when no passage can match. An open
    end of a period is closed at ``dated``, the archive's first and last publication dates
    (None when nothing is dated)."""
    groups: list[list[str]] = []
    if filters.kind:
        groups.append([f"kind{filters.kind}"])
    if filters.site:
        groups.append(["s" + nocase(filters.site).encode().hex()])
    if filters.author:
        groups.append(["a" + nocase(filters.author).encode().hex()])
    if filters.since or filters.until:
        if dated is None:
            return None
        # Past the archive's dates there are no passages: an end beyond them moves to its
        # year's edge, which a single year token covers.
        first, last = dated
        since = filters.since if filters.since and filters.since > first else date(first.year, 1, 1)
        until = filters.until if filters.until and filters.until < last else date(last.year, 12, 31)
        tokens = period_tokens(since, until)
        if not tokens:
            return None
        groups.append(tokens)
    return "".join(
        " AND facets : (" + " OR ".join(f'"{token}"' for token in group) + ")" for group in groups
    )


def period_tokens(since: date, until: date) -> list[str]:
    """The fewest year, month and day tokens that cover ``since``..``until`` exactly."""
    tokens: list[str] = []
    day = since
    while day <= until:
        year_end = date(day.year, 12, 31)
        if day.month == 1 and day.day == 1 and year_end <= until:
            tokens.append(f"y{day.year}")
            day = year_end + timedelta(days=1)
            continue
        next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if day.day == 1 and next_month - timedelta(days=1) <= until:
            tokens.append(f"m{day.year}{day.month:02d}")
            day = next_month
            continue
        tokens.append(f"d{day.year}{day.month:02d}{day.day:02d}")
        day += timedelta(days=1)
    return tokens


def _filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters.kind:
        clauses.append("p.kind = ?")
        params.append(filters.kind)
    if filters.site:
        clauses.append("d.site = ? COLLATE NOCASE")
        params.append(filters.site)
    if filters.author:
        clauses.append("p.author = ? COLLATE NOCASE")
        params.append(filters.author)
    if filters.since:
        clauses.append("d.published_int >= ?")
        params.append(date_as_int(filters.since))
    if filters.until:
        clauses.append("d.published_int <= ?")
        params.append(date_as_int(filters.until))
    return "".join(f" AND {clause}" for clause in clauses), params


def _documents_join(where: str) -> str:
    """The join to ``documents`` that ``where`` (from ``_filter_sql``) needs: only when it
    filters on a document column (site, date), since it costs a lookup per passage."""
    return " JOIN documents d ON d.id = p.document_id" if "d." in where else ""


def simhash_bands(simhash: int) -> list[tuple[int, int]]:
    """The four 16-bit bands of a 64-bit simhash (stored signed, as SQLite integers are)."""
    unsigned = simhash & 0xFFFFFFFFFFFFFFFF
    return [(band, (unsigned >> (16 * band)) & 0xFFFF) for band in range(4)]


def _squeeze(text: str) -> str | bytes:
    """Page bodies and comment texts repeat what the passages hold (the passages are slices of
    them), and are read only to show a whole document: kept zlib-compressed (a BLOB in the
    TEXT column; rows written before stay text), they take about a third of the room."""
    if len(text) < 256:
        return text
    packed = zlib.compress(text.encode("utf-8"), 6)
    return packed if len(packed) < len(text) else text


def _unsqueeze(value: str | bytes) -> str:
    return _decompressed(value) if isinstance(value, bytes) else value


@functools.lru_cache(maxsize=4)
def _decompressed(value: bytes) -> str:
    # ``passage_text`` cuts every passage of a page out of the same body, row by row: a page
    # write (FTS delete and insert) or read would otherwise decompress it once per passage.
    return zlib.decompress(value).decode("utf-8")


def _passage(row: Sequence[Any]) -> Passage:
    return Passage(*row)


# What the full-text index holds for each passage of a document (``?``): written by one
# statement and given back, the very same values, to forget the rows (a contentless table
# needs them).
_FTS_VALUES = f"""p.seq, {PASSAGE_TEXT}, coalesce(p.author, ''), coalesce(d.title, ''),
    {FACETS}
    FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.document_id = ?"""


class UnusableArchive(RuntimeError):
    """``archive.db`` is damaged or not an SQLite database at all (the message names it)."""


class Store:
    """Async access to ``archive.db``. One connection; aiosqlite runs it on its own thread."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            await db.create_function("passage_text", 4, _passage_text, deterministic=True)
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            await migrate(db)
        except BaseException as error:
            # The connection's thread would otherwise keep the process from exiting.
            await db.close()
            if isinstance(error, sqlite3.DatabaseError):
                raise UnusableArchive(f"{path} is not a usable archive ({error})") from error
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self._db.close()

    # --- writing -------------------------------------------------------------------------------

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
                        _squeeze(c.text),
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
                                   published_int, published_inferred, authors, body, ingested_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                origin = excluded.origin, format = excluded.format,
                content_hash = excluded.content_hash, url = excluded.url, site = excluded.site,
                title = excluded.title, published = excluded.published,
                published_int = excluded.published_int,
                published_inferred = excluded.published_inferred, authors = excluded.authors,
                body = excluded.body, ingested_at = excluded.ingested_at
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
                _squeeze(document.body),
                _now(),
            ),
        )

    # --- keeping chromadb in line --------------------------------------------------------------

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

    # --- reading -------------------------------------------------------------------------------

    async def lexical_search(
        self,
        terms: Sequence[str],
        filters: SearchFilters,
        limit: int,
        published_bounds: tuple[date, date] | None = None,
    ) -> list[tuple[str, float]]:
        """Passage ids ranked by BM25 (best first) with their scores; the author column counts
        most, so "what did Random guy say" finds Random guy's comments. Filters are facet
        tokens in the same FTS5 query; ranking inside FTS5 and joining only the top rows is
        ~3x faster than joining every match (30k rows for a common word at 100k passages).
        ``published_bounds`` are the archive's, when the caller keeps them; else they are read."""
        if not terms:
            return []
        dated = published_bounds
        if dated is None and (filters.since or filters.until):
            dated = await self.published_bounds()
        facets = facet_query(filters, dated)
        if facets is None:
            return []
        sql = """
            SELECT p.id, f.rank FROM (
                SELECT rowid, bm25(passages_fts, 1.0, 4.0, 0.5, 0.0) AS rank FROM passages_fts
                WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?
            ) AS f JOIN passages p ON p.seq = f.rowid ORDER BY f.rank
        """
        query = f"{fts_query(terms)}{facets}"
        async with self._db.execute(sql, [query, limit]) as cursor:
            return [(pid, -score) for pid, score in await cursor.fetchall()]

    async def passages(self, passage_ids: Sequence[str]) -> dict[str, Passage]:
        if not passage_ids:
            return {}
        marks = ",".join("?" * len(passage_ids))
        sql = f"""
            SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE p.id IN ({marks})
        """
        async with self._db.execute(sql, list(passage_ids)) as cursor:
            return {row[0]: _passage(row) for row in await cursor.fetchall()}

    async def neighbours(self, passage: Passage, count: int) -> tuple[list[Passage], list[Passage]]:
        """The passages just before and after ``passage`` in its document, of the same kind."""
        base = f"""
            SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE p.document_id = ? AND p.kind = ?
        """
        args = (passage.document_id, passage.kind, passage.position, count)
        async with self._db.execute(
            base + " AND p.position < ? ORDER BY p.position DESC LIMIT ?", args
        ) as cursor:
            before = [_passage(row) for row in await cursor.fetchall()][::-1]
        async with self._db.execute(
            base + " AND p.position > ? ORDER BY p.position LIMIT ?", args
        ) as cursor:
            after = [_passage(row) for row in await cursor.fetchall()]
        return before, after

    async def document(self, document_id: str) -> dict[str, Any] | None:
        async with self._db.execute(
            """SELECT id, origin, url, site, title, published, published_inferred, authors, body
               FROM documents WHERE id = ?""",
            (document_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            """SELECT id, author, published, parent, text FROM comments
               WHERE document_id = ? ORDER BY position""",
            (document_id,),
        ) as cursor:
            comments = [
                {
                    "comment_id": c[0],
                    "author": c[1],
                    "published": c[2],
                    "parent": c[3],
                    "text": _unsqueeze(c[4]),
                }
                for c in await cursor.fetchall()
            ]
        async with self._db.execute(
            "SELECT id FROM passages WHERE document_id = ? ORDER BY position", (document_id,)
        ) as cursor:
            passage_ids = [r[0] for r in await cursor.fetchall()]
        return {
            "document_id": row[0],
            "origin": row[1],
            "url": row[2],
            "site": row[3],
            "title": row[4],
            "published": row[5],
            "published_inferred": bool(row[6]),
            "authors": json.loads(row[7]),
            "body": _unsqueeze(row[8]),
            "comments": comments,
            "passage_ids": passage_ids,
        }

    async def documents(self) -> list[dict[str, Any]]:
        async with self._db.execute(
            """
            SELECT d.id, d.origin, d.title, d.site, d.published,
                   (SELECT count(*) FROM passages p WHERE p.document_id = d.id),
                   (SELECT count(*) FROM comments c WHERE c.document_id = d.id)
            FROM documents d ORDER BY d.site, d.published, d.title
            """
        ) as cursor:
            return [
                {
                    "document_id": r[0],
                    "origin": r[1],
                    "title": r[2],
                    "site": r[3],
                    "published": r[4],
                    "passages": r[5],
                    "comments": r[6],
                }
                for r in await cursor.fetchall()
            ]

    async def counts(self) -> dict[str, int]:
        async with self._db.execute(
            """
            SELECT (SELECT count(*) FROM documents),
                   count(*), coalesce(sum(kind = 'article'), 0), coalesce(sum(kind = 'comment'), 0)
            FROM passages
            """
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return {
            "documents": row[0],
            "passages": row[1],
            "article_passages": row[2],
            "comment_passages": row[3],
        }

    async def dates_from_text(self, document_ids: Sequence[str]) -> set[str]:
        """Which of ``document_ids`` have a date read from their text, stating none of their
        own (``published_inferred``): the flag alone, without reading the pages."""
        if not document_ids:
            return set()
        async with self._db.execute(
            "SELECT d.id FROM json_each(?) AS c JOIN documents d ON d.id = c.value"
            " WHERE d.published_inferred",
            [json.dumps(list(document_ids))],
        ) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def sites(self) -> list[str]:
        """Every site name pages are archived under, in order."""
        async with self._db.execute(
            "SELECT DISTINCT site FROM documents WHERE site IS NOT NULL ORDER BY site"
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def authors(self) -> list[str]:
        """Every named commenter or article author, longest first (so longer names match first)."""
        async with self._db.execute(
            "SELECT DISTINCT author FROM passages WHERE author IS NOT NULL"
        ) as cursor:
            names = [row[0] for row in await cursor.fetchall()]
        return sorted(names, key=len, reverse=True)

    # --- incremental ingest: sources, duplicates, files already read --------------------------

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

    async def comment_texts(self, document_id: str) -> list[str]:
        async with self._db.execute(
            "SELECT text FROM comments WHERE document_id = ? ORDER BY position", (document_id,)
        ) as cursor:
            return [_unsqueeze(row[0]) for row in await cursor.fetchall()]

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

    async def passage_states(self) -> dict[str, bool]:
        """Every passage id with whether chromadb is recorded as holding its vector."""
        async with self._db.execute("SELECT id, embedded FROM passages") as cursor:
            return {row[0]: bool(row[1]) for row in await cursor.fetchall()}

    async def mark_pending(self, passage_ids: Sequence[str]) -> None:
        await self._db.executemany(
            "UPDATE passages SET embedded = 0 WHERE id = ?", [(pid,) for pid in passage_ids]
        )
        await self._db.commit()

    # --- metadata and runs ---------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        async with self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self._db.commit()

    async def start_run(self) -> int:
        cursor = await self._db.execute(
            "INSERT INTO ingest_runs (started_at) VALUES (?)", (_now(),)
        )
        await self._db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def finish_run(self, run_id: int, report: dict[str, Any]) -> None:
        await self._db.execute(
            "UPDATE ingest_runs SET finished_at = ?, report = ? WHERE id = ?",
            (_now(), json.dumps(report), run_id),
        )
        await self._db.commit()

    async def last_ingest(self) -> str | None:
        async with self._db.execute(
            "SELECT max(finished_at) FROM ingest_runs WHERE finished_at IS NOT NULL"
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

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
        async with self._db.execute("SELECT seq, vector FROM passage_vectors") as cursor:
            passages = await cursor.fetchall()
        async with self._db.execute(
            "SELECT seq, vectors, json_array_length(spans) FROM sentence_vectors"
        ) as cursor:
            sentences = await cursor.fetchall()
        await self._db.executemany(
            "UPDATE passage_vectors SET vector = ? WHERE seq = ?",
            [(repack(blob, 1), seq) for seq, blob in passages],
        )
        await self._db.executemany(
            "UPDATE sentence_vectors SET vectors = ? WHERE seq = ?",
            [(repack(blob, count), seq) for seq, blob, count in sentences if count],
        )
        await self._db.commit()
        # The rows shrank in place, leaving their pages mostly empty: give the room back, unless
        # another connection is reading right now (a bot answering during a re-index); SQLite
        # then reuses the free room for the rows that follow.
        with contextlib.suppress(sqlite3.OperationalError):
            await self._db.execute("VACUUM")
        return len(passages)

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

    async def count_matching(self, filters: SearchFilters, cap: int | None = None) -> int:
        """How many passages a filter admits (at most ``cap``, which bounds the cost for broad
        filters): decides between exact and over-fetched search."""
        where, params = _filter_sql(filters)
        limit = "" if cap is None else f" LIMIT {int(cap)}"
        join = _documents_join(where)
        sql = f"""
            SELECT count(*) FROM (SELECT 1 FROM passages p{join} WHERE 1{where}{limit})
        """
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def vectors_matching(self, filters: SearchFilters) -> tuple[list[str], list[bytes]]:
        """Ids and packed vectors of every embedded passage the filter admits."""
        where, params = _filter_sql(filters)
        sql = f"""
            SELECT p.id, v.vector FROM passages p
            JOIN documents d ON d.id = p.document_id
            JOIN passage_vectors v ON v.seq = p.seq
            WHERE 1{where}
        """
        async with self._db.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return [row[0] for row in rows], [row[1] for row in rows]

    async def sequences_matching(self, filters: SearchFilters) -> list[int]:
        """The ``seq`` of every passage the filter admits (integers only: cheap to carry)."""
        where, params = _filter_sql(filters)
        join = _documents_join(where)
        async with self._db.execute(
            f"SELECT p.seq FROM passages p{join} WHERE 1{where}", params
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def all_passage_vectors(self) -> tuple[list[int], list[str], list[bytes]]:
        """Every stored passage vector with its passage's seq and id, in seq order."""
        async with self._db.execute(
            """SELECT v.seq, p.id, v.vector FROM passage_vectors v
               JOIN passages p ON p.seq = v.seq ORDER BY v.seq"""
        ) as cursor:
            rows = await cursor.fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    async def admitted(self, passage_ids: Sequence[str], filters: SearchFilters) -> set[str]:
        """Which of ``passage_ids`` the filter admits."""
        if not passage_ids:
            return set()
        where, params = _filter_sql(filters)
        # CROSS JOIN keeps the candidates as the outer loop: otherwise SQLite may walk a filter's
        # index (half the archive for --kind comment) and test each row against the list.
        sql = f"""
            SELECT p.id FROM json_each(?) AS c
            CROSS JOIN passages p ON p.id = c.value
            JOIN documents d ON d.id = p.document_id
            WHERE 1{where}
        """
        async with self._db.execute(sql, [json.dumps(list(passage_ids)), *params]) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """In how many passages each term occurs (FTS5's own tokens: folded, no diacritics)."""
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        async with self._db.execute(
            f"SELECT term, doc FROM passages_fts_vocab WHERE term IN ({marks})", list(terms)
        ) as cursor:
            return {term: int(doc) for term, doc in await cursor.fetchall()}

    async def published_bounds(self) -> tuple[date, date] | None:
        """The first and last publication dates in the archive (two index lookups)."""
        async with self._db.execute(
            "SELECT min(published_int), max(published_int) FROM documents"
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        first, last = (date(v // 10000, v // 100 % 100, v % 100) for v in row)
        return first, last

    async def data_version(self) -> int:
        """Changes whenever another connection commits (SQLite's ``PRAGMA data_version``):
        how readers know their caches went stale."""
        async with self._db.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def passage_count(self) -> int:
        async with self._db.execute("SELECT count(*) FROM passages") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0
