"""Reading one file's items for the ingest loop: the reader's pages and notices, each page with
its identity, its document records and its fingerprints.

A page's identity is its URL; without one, its file plus its place in it: the WARC record id,
or the JSONL line number.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from index.models import DocumentRecord
from ingest.chunking import ChunkSizes, build_document
from ingest.dedupe import Fingerprints, fingerprints
from ingest.page import Notice, Page, UnreadableFile
from ingest.readers import Reader

# ``next_item``'s answer once the reader has nothing left: a sentinel, since StopIteration
# cannot be raised through the future that ``asyncio.to_thread`` returns.
NO_MORE_ITEMS = object()

# A reader's item with, for a page, its identity, document and fingerprints (a notice has an
# empty identity and neither of the others).
ParsedItem = tuple[Page | Notice, str, DocumentRecord | None, Fingerprints | None]

Result = TypeVar("Result")


def read_items(reader: Reader, path: Path) -> Iterator[Page | Notice]:
    """The reader's items, with I/O errors turned into the one-line reasons users see."""
    try:
        yield from reader.read(path)
    except OSError as error:
        raise UnreadableFile(f"cannot read: {error.strerror or error}") from None


class PageIdentities:
    """The identities of one file's pages: the URL, else the file (by the spelling its pages
    were first archived under) plus the page's place in it (record id, line number)."""

    def __init__(self, path: str, spelling: str) -> None:
        self.path = path
        self.spelling = spelling

    def of(self, page: Page) -> str:
        if page.url:
            return page.url
        if not page.origin.startswith(self.path):
            return page.origin
        return self.spelling + page.origin[len(self.path) :]


async def in_daemon_thread(function: Callable[..., Result], *args: Any) -> Result:
    """``function(*args)`` in a daemon thread of its own, awaited. Parsing one large page takes
    seconds (about 1.3 s per MB of text on one core): in ``asyncio.to_thread``'s executor it
    would hold a Ctrl-C until it ended, since ``asyncio.run`` and the interpreter wait for the
    executor's threads at exit. A daemon thread is abandoned instead; only work that writes
    nothing (reading, parsing, chunking) may run here."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Result] = loop.create_future()

    def settle(outcome: Callable[[Any], None], value: Any) -> None:
        if not future.done():  # cancelled meanwhile: nobody waits for it
            outcome(value)

    def run() -> None:
        try:
            done: tuple[Callable[[Any], None], Any] = (future.set_result, function(*args))
        except BaseException as error:  # handed to the awaiting task, whatever it is
            done = (future.set_exception, error)
        # A closed loop (RuntimeError): the run ended without this.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *done)

    threading.Thread(target=run, name="ingest-parse", daemon=True).start()
    return await future


def next_item(
    items: Iterator[Page | Notice], sizes: ChunkSizes | None, identities: PageIdentities
) -> ParsedItem | object:
    """The next item of a reader with, for a page, its identity, records and fingerprints: run
    in a worker thread, since parsing and chunking are the CPU-heavy part of reading."""
    item = next(items, NO_MORE_ITEMS)
    if not isinstance(item, Page):
        return item if item is NO_MORE_ITEMS else (item, "", None, None)
    identity = identities.of(item)
    if identity == item.identity:
        document = build_document(item, sizes)
    else:
        # The document id comes from the identity; the origin shown stays the reader's.
        document = build_document(dataclasses.replace(item, origin=identity), sizes)
        document.origin = item.origin
    return item, identity, document, fingerprints(item.body)
