"""Ingest files into the archive: read pages, store them in SQLite, bring vectors in line.

A bad file, record or line never stops a run: it is skipped with a one-line reason and the rest
go in. Readers yield pages one at a time and vectors are written in batches as pages arrive, so
no archive is ever held in memory whole. SQLite is the truth and each page commits on its own;
chromadb is derived from it, first reconciled (a run killed between the two stores leaves
vectors without passages or passages without vectors) and then synced, so an interrupted run
is finished by the next one.

Incremental: a file whose bytes (and reading context) are unchanged since it was last ingested
in full is not read again; a page whose content hash is unchanged is not written; a changed
page has exactly its changed passages replaced; a page whose body duplicates a document under
another identity is linked to it instead of indexed twice; ``prune`` removes pages whose files
are gone.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from index.archive import Archive, VectorPipeline
from index.models import DocumentRecord
from ingest.chunking import ChunkSizes, build_document
from ingest.dedupe import Fingerprints, fingerprints, is_duplicate
from ingest.page import Notice, Page, UnreadableFile
from ingest.readers import READERS, Reader, reader_for, supported_suffixes

Outcome = Literal["added", "updated", "unchanged", "linked"]
DEFAULT_BATCH = 256
_DIGEST_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class IngestReport:
    files: int = 0
    files_unchanged: int = 0
    pages_added: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    pages_linked: int = 0  # duplicates of an archived page, linked to it instead of indexed
    pages_pruned: int = 0
    passages_added: int = 0
    vectors_written: int = 0
    vectors_repaired: int = 0  # orphans deleted and missing vectors re-queued at the start
    seconds: float = 0.0
    # Busy seconds per stage (reading and chunking, the model, SQLite and chromadb writes);
    # they overlap in wall time, since the model runs beside the rest.
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)

    @property
    def pages_ingested(self) -> int:
        return self.pages_added + self.pages_updated + self.pages_unchanged + self.pages_linked

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"pages_ingested": self.pages_ingested}

    def counts_text(self) -> str:
        """The run in one line of counts, as the terminal and Discord both report it."""
        extras = [
            f"{count} {label}"
            for count, label in (
                (self.pages_linked, "linked as duplicates"),
                (self.pages_pruned, "pruned"),
                (len(self.skipped), "skipped"),
                (len(self.warnings), "warning(s)"),
            )
            if count or label == "skipped"
        ]
        return (
            f"{self.pages_ingested} page(s) from {self.files} file(s): {self.pages_added} added, "
            f"{self.pages_updated} updated, {self.pages_unchanged} unchanged, " + ", ".join(extras)
        )


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands, for a progress bar: files done of all, pages and passages so far,
    vectors written and their rate."""

    files_done: int
    files_total: int
    pages: int
    passages: int
    vectors: int
    vectors_per_second: float


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


def _items(reader: Reader, path: Path) -> Iterator[Page | Notice]:
    """The reader's items, with I/O errors turned into the one-line reasons users see."""
    try:
        yield from reader.read(path)
    except OSError as error:
        raise UnreadableFile(f"cannot read: {error.strerror or error}") from None


def file_digest(path: Path, context: str) -> str:
    """What decides whether a file must be read again: its bytes and its reader's context."""
    digest = hashlib.sha256(context.encode("utf-8"))
    with path.open("rb") as stream:
        while chunk := stream.read(_DIGEST_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


_DONE = object()


def _next_item(
    items: Iterator[Page | Notice], sizes: ChunkSizes | None
) -> tuple[Page | Notice, DocumentRecord | None, Fingerprints | None] | object:
    """The next item of a reader with, for a page, its records and fingerprints: run in a
    worker thread, since parsing and chunking are the CPU-heavy part of reading."""
    item = next(items, _DONE)
    if not isinstance(item, Page):
        return item if item is _DONE else (item, None, None)
    return item, build_document(item, sizes), fingerprints(item.body)


class _Run:
    """One ingest run: the report, the skip callbacks, the vector batches."""

    def __init__(
        self,
        archive: Archive,
        sizes: ChunkSizes | None,
        batch_size: int,
        on_skip: Callable[[Skipped], None] | None,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        self.archive = archive
        self.store = archive.store
        self.sizes = sizes
        self.batch_size = max(1, batch_size)
        self.on_skip = on_skip
        self.on_progress = on_progress
        self.report = IngestReport()
        self.pending = 0
        self.files_total = 0
        self.files_done = 0
        self.vectors = VectorPipeline(archive)
        self.started = time.perf_counter()

    def skip(self, path: str, reason: str, warning: bool = False) -> None:
        skipped = Skipped(path, reason)
        (self.report.warnings if warning else self.report.skipped).append(skipped)
        if self.on_skip:
            self.on_skip(skipped)

    def progress(self) -> None:
        if self.on_progress:
            report = self.report
            self.on_progress(
                Progress(
                    files_done=self.files_done,
                    files_total=self.files_total,
                    pages=report.pages_ingested,
                    passages=report.passages_added,
                    vectors=report.vectors_written,
                    vectors_per_second=report.vectors_written
                    / max(time.perf_counter() - self.started, 1e-9),
                )
            )

    async def sync(self, force: bool = False) -> None:
        """Every ``batch_size`` new passages, start embedding them beside the reading (see
        ``VectorPipeline``); ``force`` (the end of the run) lands everything and then brings
        chromadb fully in line (deletions, anything left over)."""
        if not force and self.pending < self.batch_size:
            return
        if not force:
            await self.vectors.feed(self.pending)
            self.pending = 0
            self.report.vectors_written = self.vectors.timings.passages
            self.progress()
            return
        await self.vectors.finish()
        base = self.vectors.timings.passages

        def progressed(written: int) -> None:
            self.report.vectors_written = base + written
            self.progress()

        started = time.perf_counter()
        written = await self.archive.sync_vectors(self.batch_size, on_progress=progressed)
        self.vectors.timings.embed += time.perf_counter() - started
        self.report.vectors_written = base + written
        self.pending = 0
        self.progress()

    async def ingest_file(self, path: Path, reader: Reader, force: bool) -> None:
        source = str(path)
        context_of = getattr(reader, "context", None)
        try:
            digest = await asyncio.to_thread(
                file_digest, path, reader.name + ":" + (context_of(path) if context_of else "")
            )
        except OSError as error:
            self.skip(source, f"cannot read: {error.strerror or error}")
            return
        state = await self.store.file_state(source)
        if not force and state is not None and state[0] == digest:
            self.report.files_unchanged += 1
            self.report.pages_unchanged += state[1]
            return
        items = _items(reader, path)
        pages = 0
        complete = True
        try:
            while (step := await self._parse(items)) is not _DONE:
                item, document, prints = step  # type: ignore[misc]
                if isinstance(item, Notice):
                    complete = complete and not item.warning
                    self.skip(item.origin, item.reason, item.warning)
                    continue
                assert document is not None and prints is not None
                if not document.passages:
                    self.skip(item.origin, "no text to index")
                    continue
                saving = time.perf_counter()
                await self.save(item, document, prints, source)
                self.report.write_seconds += time.perf_counter() - saving
                pages += 1
                await self.sync()
        except UnreadableFile as error:
            self.skip(source, str(error))
            return
        except Exception as error:  # a reader bug must cost one file, never the run
            self.skip(source, f"reader failed: {type(error).__name__}: {error}")
            return
        if complete:
            await self.store.record_file(source, digest, pages)

    async def _parse(self, items: Iterator[Page | Notice]) -> Any:
        started = time.perf_counter()
        try:
            return await asyncio.to_thread(_next_item, items, self.sizes)
        finally:
            self.report.parse_seconds += time.perf_counter() - started

    async def save(
        self, page: Page, document: DocumentRecord, prints: Fingerprints, source: str
    ) -> None:
        outcome = await self._save(page, document, prints, source)
        report = self.report
        if outcome == "added":
            report.pages_added += 1
        elif outcome == "updated":
            report.pages_updated += 1
        elif outcome == "linked":
            report.pages_linked += 1
        else:
            report.pages_unchanged += 1
        if outcome in ("added", "updated"):
            report.passages_added += len(document.passages)
            self.pending += len(document.passages)
        self.progress()

    async def _save(
        self, page: Page, document: DocumentRecord, prints: Fingerprints, source: str
    ) -> Outcome:
        store = self.store
        identity = page.identity
        state = await store.document_state(document.document_id)
        if state is None:
            alias = await store.alias(identity)
            if alias is not None and alias[1] == document.content_hash:
                if alias[2] != source:
                    await store.save_alias(
                        identity, alias[0], page.origin, source, document.content_hash
                    )
                return "unchanged"
            original = await self._duplicate_of(page, document, prints)
            if original is not None:
                await store.save_alias(
                    identity, original, page.origin, source, document.content_hash
                )
                return "linked"
            if alias is not None:
                await store.delete_alias(identity)  # no longer a copy: it becomes its own page
        outcome = await self.archive.save_document(document)
        if state is None or state[1] != source or outcome != "unchanged":
            await store.set_source(document.document_id, source, prints.exact, prints.simhash)
        return outcome

    async def _duplicate_of(
        self, page: Page, document: DocumentRecord, prints: Fingerprints
    ) -> str | None:
        """The archived document this page copies, when linking it loses nothing: same or
        nearly the same body, and no comment the original lacks."""
        for document_id, exact, near in await self.store.duplicate_candidates(
            prints.exact, prints.simhash
        ):
            if document_id == document.document_id or not is_duplicate(prints, exact, near):
                continue
            theirs = set(await self.store.comment_texts(document_id))
            if all(comment.text in theirs for comment in page.comments):
                return document_id
        return None

    async def prune(self) -> list[Path]:
        """Remove pages (and linked copies) whose files are gone. Returns the files of copies
        that were linked to a removed page and still exist: they must be read again, now as
        pages of their own."""
        store = self.store
        sources = await store.sources()
        aliases = await store.alias_sources()
        missing = await asyncio.to_thread(
            _missing_files, [*sources, *(source for _, _, source in aliases)]
        )
        gone = {source: ids for source, ids in sources.items() if source in missing}
        removed = {document_id for ids in gone.values() for document_id in ids}
        reread: set[str] = set()
        for identity, document_id, source in aliases:
            if source in missing:
                await store.delete_alias(identity)
            elif document_id in removed:
                reread.add(source)
        await store.delete_documents(sorted(removed))
        await store.forget_files([*gone, *reread])
        self.report.pages_pruned = len(removed)
        return [Path(source) for source in sorted(reread)]


def _missing_files(sources: list[str]) -> set[str]:
    return {source for source in sources if not Path(source).exists()}


async def ingest_paths(
    archive: Archive,
    paths: Sequence[Path],
    *,
    sizes: ChunkSizes | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH,
) -> IngestReport:
    started = time.perf_counter()
    run = _Run(archive, sizes, batch_size, on_skip, on_progress)
    report = run.report
    run_id = await archive.store.start_run()
    deleted, queued = await archive.reconcile_vectors()
    report.vectors_repaired = deleted + queued

    files = list(discover(paths))
    forced: set[Path] = set()
    if prune:
        known = {path for path, _ in files}
        for path in await run.prune():
            forced.add(path)
            if path not in known:
                files.append((path, _unsupported_reason(path)))
    readable = [path for path, problem in files if problem is None]
    for reader in READERS:
        prepare = getattr(reader, "prepare", None)
        if prepare is not None:
            mine = [path for path in readable if reader_for(path) is reader]
            await asyncio.to_thread(prepare, mine)

    run.files_total = len(files)
    for path, problem in files:
        report.files += 1
        if problem:
            run.skip(str(path), problem)
        else:
            reader = reader_for(path)
            assert reader is not None
            await run.ingest_file(path, reader, force=path in forced)
        run.files_done += 1
        run.progress()

    await run.sync(force=True)
    timings = run.vectors.timings
    report.embed_seconds = round(timings.embed, 3)
    report.write_seconds = round(report.write_seconds + timings.sqlite + timings.chroma, 3)
    report.parse_seconds = round(report.parse_seconds, 3)
    report.seconds = round(time.perf_counter() - started, 3)
    await archive.store.finish_run(run_id, report.as_dict())
    return report
