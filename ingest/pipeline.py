"""Ingest files into the archive: read pages, store them in SQLite, bring vectors in line.

A bad file, record or line never stops a run: it is skipped with a one-line reason and the rest
go in. Readers yield pages one at a time and vectors are written in batches as pages arrive, so
no archive is ever held in memory whole. SQLite is the truth and each page commits on its own;
chromadb is derived from it, first reconciled (a run killed between the two stores leaves
vectors without passages or passages without vectors) and then synced, so an interrupted run
is finished by the next one.

Incremental: a file whose bytes (and reading context) are unchanged since it was last ingested
in full is not read again; a page whose content hash is unchanged is not written; a changed
page has exactly its changed passages replaced (and only those are embedded); a page whose body
duplicates a document under another identity is linked to it instead of indexed twice.

Files are known by their resolved path (absolute, symbolic links followed), so the same file
typed another way, or from another directory, is the same file and its pages the same pages.
A page's identity is its URL; without one, its file plus its place in it: the WARC record id,
or the JSONL line number. (A hash of a line's text would survive lines inserted above it, but
an edited line would then be a new page beside the old one until a ``--prune``, and pages
archived before would all change ids.) Archives written before paths were resolved recorded
them as typed: a recorded relative path is matched to a file read now when it resolves to it
from the current directory, or when it is a tail of the file's path and the file's bytes are
the ones recorded; it is then renamed everywhere, keeping the old spelling for identities so
no document id changes (``Store.adopt_source``).

``prune`` considers only pages whose files lie under the paths given to the run, and removes:
pages whose file no longer exists, and pages their file no longer held when it was last read
in full, by this run or an earlier one (a line or record taken out). A removed page that another
existing file also holds (another capture of its URL, in a page or a WARC) is kept and that
file read again to take its place; a copy linked to a removed page is read again as a page of
its own. A recorded relative path is only judged when the folder it names exists from the
current directory: from anywhere else it means nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
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
# A record or line named after a file (``file:12``, ``file#<urn:...>``): origins stored before
# sources were recorded apart stand for their file.
_RECORD_SUFFIX = re.compile(r"(?::\d+|#.*)$")


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
    passages_added: int = 0  # passages with new ids: a changed page's kept ones are not counted
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


def real_path(path: Path) -> Path:
    """``path`` made absolute with every symbolic link resolved: the one name a file is known
    by, however it was typed and wherever the run started."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: discover reports it
        return path.absolute()


def _link_problem(path: Path) -> str | None:
    """Why a symbolic link cannot be followed (None when it can, or is no link)."""
    if not path.is_symlink() or path.exists():
        return None
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
    try:
        target = os.readlink(path)
    except OSError:
        return "broken symbolic link"
    return f"broken symbolic link (its target {target} does not exist)"


def discover(paths: Sequence[Path]) -> Iterator[tuple[Path, str | None]]:
    """Every file under ``paths`` by its resolved path (directories walked in sorted order,
    hidden files left out, each file once however many ways it is reached), with the reason it
    cannot be read, or None. Links that lead nowhere are reported, not passed over."""
    seen: set[Path] = set()
    for given in paths:
        if problem := _link_problem(given):
            yield given.absolute(), problem
            continue
        path = real_path(given)
        if path.is_dir():
            found = False
            for entry in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in entry.relative_to(path).parts):
                    continue
                problem = _link_problem(entry)
                if problem is None and entry.is_symlink() and entry.is_dir():
                    problem = "symbolic link to a directory: not followed (give it as a path)"
                if problem is not None:
                    found = True
                    yield entry, problem
                    continue
                if not entry.is_file():
                    continue
                found = True
                # The walk starts from a resolved folder and never enters a linked one: only
                # a link itself has another real path.
                file = real_path(entry) if entry.is_symlink() else entry
                if file not in seen:
                    seen.add(file)
                    yield file, _unsupported_reason(file)
            if not found:
                yield path, "directory holds no files"
        elif path.is_file():
            if path not in seen:
                seen.add(path)
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


class _Identities:
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


@dataclass(slots=True)
class _Seen:
    """What one read of a file held: its own pages' documents and its linked copies."""

    documents: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)


_DONE = object()


def _next_item(
    items: Iterator[Page | Notice], sizes: ChunkSizes | None, identities: _Identities
) -> tuple[Page | Notice, str, DocumentRecord | None, Fingerprints | None] | object:
    """The next item of a reader with, for a page, its identity, records and fingerprints: run
    in a worker thread, since parsing and chunking are the CPU-heavy part of reading."""
    item = next(items, _DONE)
    if not isinstance(item, Page):
        return item if item is _DONE else (item, "", None, None)
    identity = identities.of(item)
    if identity == item.identity:
        document = build_document(item, sizes)
    else:
        # The document id comes from the identity; the origin shown stays the reader's.
        document = build_document(dataclasses.replace(item, origin=identity), sizes)
        document.origin = item.origin
    return item, identity, document, fingerprints(item.body)


class _Run:
    """One ingest run: the report, the skip callbacks, the vector batches, what was read."""

    def __init__(
        self,
        archive: Archive,
        sizes: ChunkSizes | None,
        batch_size: int,
        on_skip: Callable[[Skipped], None] | None,
        on_progress: Callable[[Progress], None] | None,
        scope: Sequence[Path] = (),
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
        # The resolved paths given to the run: prune looks no further.
        self.scope = list(scope)
        # Paths recorded as typed by older archives, by file name: (spelling, digest).
        self.legacy: dict[str, list[tuple[str, str | None]]] = {}
        self.spellings: dict[str, str] = {}
        self.attempted: set[str] = set()  # files this run began to read
        self.gone: set[str] | None = None  # recorded files found missing by the first prune
        self.reread: set[str] = set()  # files prune asked to read (again)
        self.counted: set[str] = set()  # files the report counts
        # Each page read's outcome as the report counts it, by file and page: the pages of a
        # file prune reads again are not counted twice.
        self.outcomes: dict[tuple[str, str], Outcome] = {}

    async def load_spellings(self) -> None:
        """Read once what matching files to the paths older archives recorded needs."""
        for spelling, digest in (await self.store.legacy_sources()).items():
            self.legacy.setdefault(Path(spelling).name, []).append((spelling, digest))
        self.spellings = await self.store.spellings()

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

    async def spelling(self, path: Path, digest: str) -> str:
        """The spelling ``path``'s pages without a URL are identified by: the resolved path,
        or the path an older archive recorded for this file (adopted here, once)."""
        source = str(path)
        candidates = self.legacy.get(path.name)
        if candidates:
            old = _legacy_match(path, digest, candidates)
            if old is not None:
                await self.store.adopt_source(old, source)
                candidates[:] = [c for c in candidates if c[0] != old]
                self.spellings.setdefault(source, old)
        return self.spellings.get(source, source)

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
        identities = _Identities(source, await self.spelling(path, digest))
        state = await self.store.file_state(source)
        if not force and state is not None and state[0] == digest:
            self.report.files_unchanged += 1
            self.report.pages_unchanged += state[1]
            return
        self.attempted.add(source)
        items = _items(reader, path)
        seen = _Seen()
        pages = 0
        complete = True
        try:
            while (step := await self._parse(items, identities)) is not _DONE:
                item, identity, document, prints = step  # type: ignore[misc]
                if isinstance(item, Notice):
                    complete = complete and not item.damaged
                    self.skip(item.origin, item.reason, item.warning)
                    continue
                assert document is not None and prints is not None
                if not document.passages:
                    self.skip(item.origin, "no text to index")
                    continue
                saving = time.perf_counter()
                await self.save(item, identity, document, prints, source, seen)
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
            await self.store.record_file(source, digest, pages, seen.documents, seen.aliases)
        else:
            # Cut short: what it held may be more than was read, so nothing is taken as gone
            # from it, and it is read again next time.
            await self.store.hold_pages(source, seen.documents)

    async def _parse(self, items: Iterator[Page | Notice], identities: _Identities) -> Any:
        started = time.perf_counter()
        try:
            return await asyncio.to_thread(_next_item, items, self.sizes, identities)
        finally:
            self.report.parse_seconds += time.perf_counter() - started

    async def save(
        self,
        page: Page,
        identity: str,
        document: DocumentRecord,
        prints: Fingerprints,
        source: str,
        seen: _Seen,
    ) -> None:
        outcome, added = await self._save(page, identity, document, prints, source, seen)
        report = self.report
        read = (source, identity)
        earlier = self.outcomes.get(read)
        if earlier is None:
            self.outcomes[read] = outcome
            self._count(outcome, 1)
        elif outcome != "unchanged" and outcome != earlier:
            # Read again by prune and changed this time (a copy whose page was removed
            # becomes a page of its own): the later outcome is the run's.
            self._count(earlier, -1)
            self.outcomes[read] = outcome
            self._count(outcome, 1)
        # Only passages with new ids need vectors: a kept one keeps its own.
        report.passages_added += added
        self.pending += added
        self.progress()

    def _count(self, outcome: Outcome, step: int) -> None:
        report = self.report
        if outcome == "added":
            report.pages_added += step
        elif outcome == "updated":
            report.pages_updated += step
        elif outcome == "linked":
            report.pages_linked += step
        else:
            report.pages_unchanged += step

    async def _save(
        self,
        page: Page,
        identity: str,
        document: DocumentRecord,
        prints: Fingerprints,
        source: str,
        seen: _Seen,
    ) -> tuple[Outcome, int]:
        store = self.store
        state = await store.document_state(document.document_id)
        if state is None:
            alias = await store.alias(identity)
            if alias is not None and alias[1] == document.content_hash:
                if (alias[2], alias[3]) != (source, page.origin):
                    await store.save_alias(
                        identity, alias[0], page.origin, source, document.content_hash
                    )
                seen.aliases.add(identity)
                return "unchanged", 0
            original = await self._duplicate_of(page, document, prints)
            if original is not None:
                await store.save_alias(
                    identity, original, page.origin, source, document.content_hash
                )
                seen.aliases.add(identity)
                return "linked", 0
            if alias is not None:
                await store.delete_alias(identity)  # no longer a copy: it becomes its own page
        result = await self.archive.write_document(document)
        if state is None or state[1] != source or result.outcome != "unchanged":
            await store.set_source(document.document_id, source, prints.exact, prints.simhash)
        if result.outcome == "unchanged" and state is not None and state[2] != document.origin:
            # The same page elsewhere: another line of its file, or another capture of its URL.
            await store.set_origin(document.document_id, document.origin)
        seen.documents.add(document.document_id)
        return result.outcome, result.passages_added

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
        """Remove, among pages whose files lie under the run's paths, those whose file is gone
        and those their file no longer held when last read in full (by this run or an earlier
        one). Returns the files to read (again): other captures of a removed page, which take
        its place (the page is kept), and copies linked to a removed page, which become pages
        of their own. Each file is asked for once per run; called before the files are read
        and again after, until it asks for nothing."""
        store = self.store
        sources = await store.sources()
        aliases = await store.alias_sources()
        first = self.gone is None
        if self.gone is None:
            every = {*sources, *(source for _, _, source in aliases)}
            self.gone = await asyncio.to_thread(_gone_files, every, self.scope)
        gone = self.gone
        removed = {i for source in gone for i in sources.get(source, ())}
        if not first:
            # Judged once the files are read: a file about to be read may hold them again.
            removed.update(
                document_id
                for document_id, source in await store.unheld_documents()
                if _judged(source, self.scope) is not None
            )

        # Another capture of a removed page (an unread file holding the same URL) takes its
        # place: the page stays and that file is read again.
        captures: set[str] = set()
        if removed:
            held = await store.page_files(sorted(removed))
            for document_id, files in held.items():
                others = [f for f in files if f not in gone and f not in self.attempted]
                found = await asyncio.to_thread(_existing, others)
                if found:
                    removed.discard(document_id)
                    captures.update(found)

        relinked: set[str] = set()
        unlinked: list[str] = []
        for identity, document_id, source in aliases:
            if source in gone:
                unlinked.append(identity)
            elif document_id in removed:
                unlinked.append(identity)
                relinked.add(source)
        wanted = sorted(captures | relinked)
        # Forgotten before anything is removed, so that were this run cut short, the next one
        # would still read them.
        await store.forget_files(wanted)
        for identity in unlinked:
            await store.delete_alias(identity)
        await store.delete_documents(sorted(removed))
        if first:
            await store.forget_files(sorted(gone), captures=True)
        self.report.pages_pruned += len(removed)
        fresh = [source for source in wanted if source not in self.reread]
        self.reread.update(fresh)
        return [real_path(Path(source)) for source in fresh]


def _legacy_match(
    path: Path, digest: str, candidates: Iterable[tuple[str, str | None]]
) -> str | None:
    """Which path recorded as typed is the file ``path``: the one that resolves to it from the
    current directory, else the only one that is a tail of it recorded with its very bytes."""
    tails = []
    for spelling, recorded in candidates:
        if real_path(Path(spelling)) == path:
            return spelling
        parts = Path(os.path.normpath(spelling)).parts
        if recorded == digest and path.parts[-len(parts) :] == parts:
            tails.append(spelling)
    return tails[0] if len(tails) == 1 else None


def _locate(source: str) -> tuple[Path, bool]:
    """A recorded file as a resolved path, and whether it was recorded as typed (relative)."""
    return real_path(Path(source)), not os.path.isabs(source)


def _gone_files(sources: Iterable[str], scope: Sequence[Path]) -> set[str]:
    """The recorded files under ``scope`` (see ``_judged``) that no longer exist."""
    gone: set[str] = set()
    for source in sources:
        path = _judged(source, scope)
        if path is None or path.exists():
            continue
        # A record or line named after its file (documents stored before sources were kept).
        stem = _RECORD_SUFFIX.sub("", source)
        if stem != source and _locate(stem)[0].exists():
            continue
        gone.add(source)
    return gone


def _judged(source: str, scope: Sequence[Path]) -> Path | None:
    """Where a recorded file is, when it lies under ``scope`` and prune may judge it. A path
    recorded as typed is resolved from the current directory, and judged only when the folder
    it names is there: from another directory it means nothing, and its file may well exist."""
    path, typed = _locate(source)
    if not any(path.is_relative_to(root) for root in scope):
        return None
    if typed and not path.parent.is_dir():
        return None
    return path


def _existing(sources: Iterable[str]) -> list[str]:
    return [source for source in sources if _locate(source)[0].is_file()]


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
    run = _Run(
        archive, sizes, batch_size, on_skip, on_progress, scope=[real_path(p) for p in paths]
    )
    report = run.report
    run_id = await archive.store.start_run()
    deleted, queued = await archive.reconcile_vectors()
    report.vectors_repaired = deleted + queued
    await run.load_spellings()

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
        await _ingest_one(run, path, problem, force=path in forced)
    # Pages the files no longer hold are known once they are read; removing them may call for
    # more files (other captures, linked copies), read here with what was learned above.
    while prune and (more := await run.prune()):
        run.files_total += len(more)
        for path in more:
            await _ingest_one(run, path, _unsupported_reason(path), force=True)

    await run.sync(force=True)
    timings = run.vectors.timings
    report.embed_seconds = round(timings.embed, 3)
    report.write_seconds = round(report.write_seconds + timings.sqlite + timings.chroma, 3)
    report.parse_seconds = round(report.parse_seconds, 3)
    report.seconds = round(time.perf_counter() - started, 3)
    await archive.store.finish_run(run_id, report.as_dict())
    return report


async def _ingest_one(run: _Run, path: Path, problem: str | None, *, force: bool) -> None:
    """Read one file (or report why not); one read again is counted once."""
    if str(path) not in run.counted:
        run.counted.add(str(path))
        run.report.files += 1
    if problem:
        run.skip(str(path), problem)
    else:
        reader = reader_for(path)
        assert reader is not None
        await run.ingest_file(path, reader, force=force)
    run.files_done += 1
    run.progress()
