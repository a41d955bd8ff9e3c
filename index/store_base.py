"""What every part of ``Store`` shares: the one connection and the timestamps it writes.

``Store`` is assembled from mixins, one per concern (``documents``, ``passages``, ``lexical``,
``filters``, ``stored_vectors``, ``sources``, ``meta``); each reads and writes through the
connection declared here, so none of them needs to know the others.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite


class StoreBase:
    """The state every ``Store`` mixin works on (set by ``Store.__init__``)."""

    _db: aiosqlite.Connection
    path: Path


def utc_timestamp() -> str:
    """Now, in UTC to the second: how the store stamps ingest runs and page writes."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection of its own to the SQLite file at ``path`` (whatever bytes its name
    holds: the URI quotes them), for a long read in a worker thread that must not hold up the
    archive's own connection. The caller closes it."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
