"""One reader per archive format. Each turns a file into ``Page``s or raises ``UnreadableFile``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ingest.page import Page
from ingest.readers.text import TextReader


class Reader(Protocol):
    name: str
    suffixes: tuple[str, ...]

    def read(self, path: Path) -> Iterator[Page]: ...


READERS: list[Reader] = [TextReader()]


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path`` by its (possibly double) suffix, e.g. ``.txt`` or ``.html.gz``."""
    name = path.name.lower()
    return next((r for r in READERS if any(name.endswith(s) for s in r.suffixes)), None)


def supported_suffixes() -> list[str]:
    return [suffix for reader in READERS for suffix in reader.suffixes]
