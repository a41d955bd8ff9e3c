"""What every part of ``Store`` shares: its connections and the timestamps it writes.

``Store`` is assembled from mixins, one per concern (``documents``, ``passages``, ``lexical``,
``filters``, ``stored_vectors``, ``sources``, ``meta``); each reads and writes through the
connection declared here, so none of them needs to know the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from index.read_connections import SideConnection


class StoreBase:
    """The state every ``Store`` mixin works on (set by ``Store.__init__``)."""

    _db: aiosqlite.Connection
    path: Path
    side: SideConnection


def utc_timestamp() -> str:
    """Now, in UTC to the second: how the store stamps ingest runs and page writes."""
    return datetime.now(UTC).isoformat(timespec="seconds")
