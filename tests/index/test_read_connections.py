"""The read-only side connection: searches beside the archive's reads, interrupted when unneeded."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from index.archive import Archive
from index.embedder import HashEmbedder
from index.models import SearchFilters
from index.read_connections import SideConnection
from ingest.chunking import build_document
from ingest.page import Page

# Counts to a billion: minutes, unless interrupted.
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
    "SELECT count(*) FROM n"
)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "side.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1), (2)")
    return path


async def test_a_cancelled_fetch_is_interrupted_and_the_next_one_runs(database: Path) -> None:
    side = SideConnection(database, 1024)
    try:
        endless = asyncio.ensure_future(side.fetchall(ENDLESS, []))
        await asyncio.sleep(0.2)  # running in the side thread by now
        endless.cancel()
        with pytest.raises(asyncio.CancelledError):
            await endless
        # The thread is free again at once; an uninterrupted count would hold it for minutes.
        rows = await asyncio.wait_for(side.fetchall("SELECT x FROM t ORDER BY x", []), 5)
        assert rows == [(1,), (2,)]
    finally:
        await side.close()


async def test_a_fetch_cancelled_while_queued_leaves_the_next_one_alone(database: Path) -> None:
    side = SideConnection(database, 1024)
    release = threading.Event()
    try:
        busy = asyncio.get_running_loop().run_in_executor(side._thread, release.wait, 5)
        queued = asyncio.ensure_future(side.fetchall(ENDLESS, []))
        await asyncio.sleep(0.05)
        queued.cancel()  # before the side thread reached it: it must never run
        release.set()
        await busy
        rows = await asyncio.wait_for(side.fetchall("SELECT x FROM t ORDER BY x", []), 5)
        assert rows == [(1,), (2,)]
        assert queued.cancelled()
    finally:
        await side.close()


async def test_the_side_connection_only_reads(database: Path) -> None:
    side = SideConnection(database, 1024)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await side.fetchall("INSERT INTO t VALUES (3)", [])
    finally:
        await side.close()


async def test_a_keyword_search_beside_finds_what_the_archive_holds(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    page = Page(
        origin="/archive/harbour.txt",
        format="text",
        body=["The harbour council approved the budget."],
        title="Harbour news",
        site="Gazette",
    )
    async with await Archive.open(tmp_path, embedder=hash_embedder) as archive:
        await archive.save_document(build_document(page))
        beside = await archive.keyword_search("harbour budget", SearchFilters())
        own = await archive.store.lexical_search(["harbour", "budget"], SearchFilters(), 50)
        assert beside == own
        assert len(beside) == 1
