"""The canonical record: SQLite through aiosqlite (WAL), with FTS5 over passage text.

``Store`` is one connection to ``archive.db``; its methods come from one mixin per concern:

- ``documents``: writing and removing pages (``DocumentWrites``)
- ``passages``: reading pages and passages back (``PassageReads``)
- ``lexical``: FTS5 queries and BM25 search (``LexicalSearch``)
- ``filters``: ``SearchFilters`` as SQL, and the queries that only filter (``FilteredQueries``)
- ``stored_vectors``: what chromadb still needs, and the vector copies kept in SQLite
  (``VectorCopies``)
- ``sources``: files, aliases and duplicates for incremental ingest (``SourceRecords``)
- ``generation_records``: generations of the vectors, built beside the live one and
  switched to in one transaction (``GenerationRecords``)
- ``meta``: metadata, ingest runs and change counters (``Metadata``)

The names other packages import from here stay importable from here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from index.documents import DocumentWrites, SaveOutcome, SaveResult
from index.filters import FilteredQueries, nocase
from index.generation_records import GenerationRecords
from index.lexical import LexicalSearch, facet_query, fts_query, period_tokens
from index.meta import Metadata
from index.passages import PassageReads
from index.read_connections import SideConnection
from index.schema import migrate
from index.sources import SourceRecords, simhash_bands
from index.stored_text import passage_text
from index.stored_vectors import PendingPassage, VectorCopies, embedded_passages

__all__ = [
    "PendingPassage",
    "SaveOutcome",
    "SaveResult",
    "Store",
    "UnusableArchive",
    "embedded_passages",
    "facet_query",
    "fts_query",
    "nocase",
    "period_tokens",
    "simhash_bands",
]

#: SQLite's page cache for the store's connection, in KiB (SQLite's own default is 2 MiB).
PAGE_CACHE_KIB = 32 * 1024


class UnusableArchive(RuntimeError):
    """``archive.db`` is damaged or not an SQLite database at all (the message names it)."""


class Store(
    DocumentWrites,
    PassageReads,
    LexicalSearch,
    FilteredQueries,
    VectorCopies,
    SourceRecords,
    GenerationRecords,
    Metadata,
):
    """Async access to ``archive.db``. One connection, which aiosqlite runs on its own thread,
    and a read-only one beside it for searches started ahead of need (``read_connections``)."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self.side = SideConnection(path, PAGE_CACHE_KIB)

    @classmethod
    async def open(cls, path: Path) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            await db.create_function("passage_text", 4, passage_text, deterministic=True)
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            # 32 MiB of pages instead of SQLite's 2 MiB: BM25 reads each match's column sizes,
            # and at 1M passages those lookups no longer go through a read() each (the
            # keyword search ~10% faster, asks at 1M ~1-2 ms).
            await db.execute(f"PRAGMA cache_size = {-PAGE_CACHE_KIB}")
            await migrate(db)
        except BaseException as error:
            # The connection's thread would otherwise keep the process from exiting.
            await db.close()
            if isinstance(error, sqlite3.DatabaseError):
                raise UnusableArchive(f"{path} is not a usable archive ({error})") from error
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self.side.close()
        await self._db.close()
