"""Ingest files into the archive: read pages, store them in SQLite, then bring vectors in line.

A bad file never stops a run: it is skipped with a one-line reason and the rest go in. Pages are
committed one by one, and vectors are derived from what SQLite holds, so an interrupted run is
finished by the next one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.archive import Archive
from ingest.chunking import ChunkSizes, build_document
from ingest.page import Page, UnreadableFile
from ingest.readers import reader_for, supported_suffixes


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class IngestReport:
    files: int = 0
    pages_added: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    passages_added: int = 0
    vectors_written: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def pages_ingested(self) -> int:
        return self.pages_added + self.pages_updated + self.pages_unchanged

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"pages_ingested": self.pages_ingested}


def discover(paths: Sequence[Path]) -> Iterator[tuple[Path, str | None]]:
    """Every file under ``paths`` (directories walked in sorted order, hidden files left out),
    each with the reason it cannot be read, or None."""
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                yield path, "directory holds no files"
            for file in files:
                yield file, _unsupported_reason(file)
        elif path.is_file():
            yield path, _unsupported_reason(path)
        elif path.exists():
            yield path, "not a regular file"
        else:
            yield path, "no such file or directory"


def _unsupported_reason(path: Path) -> str | None:
    if reader_for(path) is None:
        return f"unsupported file type (supported: {', '.join(supported_suffixes())})"
    return None


def read_pages(path: Path) -> list[Page]:
    reader = reader_for(path)
    assert reader is not None
    try:
        return list(reader.read(path))
    except UnreadableFile:
        raise
    except OSError as error:
        raise UnreadableFile(f"cannot read: {error.strerror or error}") from None


async def ingest_paths(
    archive: Archive,
    paths: Sequence[Path],
    *,
    sizes: ChunkSizes | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """``on_progress`` sees the report as it grows: after every page saved and every batch of
    vectors written."""
    started = time.perf_counter()
    report = IngestReport()
    run_id = await archive.store.start_run()

    def skip(path: Path, reason: str) -> None:
        skipped = Skipped(str(path), reason)
        report.skipped.append(skipped)
        if on_skip:
            on_skip(skipped)

    for path, problem in discover(paths):
        report.files += 1
        if problem:
            skip(path, problem)
            continue
        try:
            pages = await asyncio.to_thread(read_pages, path)
        except UnreadableFile as error:
            skip(path, str(error))
            continue
        for page in pages:
            document = build_document(page, sizes)
            if not document.passages:
                skip(Path(page.origin), "no text to index")
                continue
            outcome = await archive.save_document(document)
            if outcome == "added":
                report.pages_added += 1
            elif outcome == "updated":
                report.pages_updated += 1
            else:
                report.pages_unchanged += 1
            if outcome != "unchanged":
                report.passages_added += len(document.passages)
            if on_progress:
                on_progress(report)

    def vectors_progress(written: int) -> None:
        report.vectors_written = written
        if on_progress:
            on_progress(report)

    report.vectors_written = await archive.sync_vectors(on_progress=vectors_progress)
    report.seconds = round(time.perf_counter() - started, 3)
    await archive.store.finish_run(run_id, report.as_dict())
    return report
