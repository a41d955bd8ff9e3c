"""The archive's key/value metadata, its ingest runs, and the cheap counters readers poll."""

from __future__ import annotations

import json
from typing import Any

from index.store_base import StoreBase, utc_timestamp


class Metadata(StoreBase):
    """``meta`` rows, ``ingest_runs``, and what tells a reader its caches went stale."""

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
            "INSERT INTO ingest_runs (started_at) VALUES (?)", (utc_timestamp(),)
        )
        await self._db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def finish_run(self, run_id: int, report: dict[str, Any]) -> None:
        await self._db.execute(
            "UPDATE ingest_runs SET finished_at = ?, report = ? WHERE id = ?",
            (utc_timestamp(), json.dumps(report), run_id),
        )
        await self._db.commit()

    async def last_ingest(self) -> str | None:
        async with self._db.execute(
            "SELECT max(finished_at) FROM ingest_runs WHERE finished_at IS NOT NULL"
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

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
