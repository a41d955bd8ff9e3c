"""One reader per archive format. Each turns a file into ``Page``s or raises ``UnreadableFile``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ingest.page import Notice, Page
from ingest.readers.html import HtmlReader
from ingest.readers.jsonl import JsonlReader
from ingest.readers.text import TextReader
from ingest.readers.warc import WarcReader


class Reader(Protocol):
    """Yields the pages of a file as it reads it (never the whole archive at once), with a
    ``Notice`` for each record or line it passes over; raises ``UnreadableFile`` when the file
    holds nothing it can read. A reader may also have ``prepare(paths)``, called with every
    file it is about to read, and ``context(path)``, a string that changes when something
    besides the file's bytes changes how the file reads."""

    name: str
    suffixes: tuple[str, ...]

    def read(self, path: Path) -> Iterator[Page | Notice]: ...


READERS: list[Reader] = [TextReader(), HtmlReader(), WarcReader(), JsonlReader()]


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path`` by its (possibly double) suffix, e.g. ``.txt`` or ``.html.gz``."""
    name = path.name.lower()
    return next((r for r in READERS if any(name.endswith(s) for s in r.suffixes)), None)


def supported_suffixes() -> list[str]:
    return [suffix for reader in READERS for suffix in reader.suffixes]
