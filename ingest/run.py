"""One ingest run's state and steps: reading a file into the archive page by page, counting
what became of each page, feeding new passages to the vector pipeline, and prune.

These share one object because they share its bookkeeping: prune must know which files the run
has already read and asked for, and a page read again by prune must not be counted twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.archive import Archive, VectorPipeline
from index.models import DocumentRecord
from ingest.chunking import ChunkSizes
from ingest.dedupe import Fingerprints, is_duplicate
from ingest.discovery import file_digest, real_path
from ingest.page import Notice, Page, UnreadableFile
from ingest.readers import Reader
from ingest.reading import (
    NO_MORE_ITEMS,
    PageIdentities,
    in_daemon_thread,
    next_item,
    read_items,
)
from ingest.report import IngestReport, Outcome, Progress, Skipped
from ingest.sources import existing_files, gone_files, judged, legacy_match


@dataclass(slots=True)
class _Seen:
    """What one read of a file held: its own pages' documents and its linked copies."""

    documents: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)


class IngestRun:
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
        # The folder a confined run reads nothing outside of (``ingest_paths``'s ``within``).
        self.within: Path | None = None
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
        # The file and origin of the last page read under each URL: another file giving the
        # same URL replaces that page, which the report says.
        self.urls: dict[str, tuple[str, str]] = {}

    async def load_spellings(self) -> None:
        """Read once what matching files to the paths older archives recorded needs."""
        for spelling, digest in (await self.store.legacy_sources()).items():
            self.legacy.setdefault(Path(spelling).name, []).append((spelling, digest))
        self.spellings = await self.store.spellings()

    def skip(self, path: str, reason: str, warning: bool = False) -> None:
        skipped = Skipped.of(path, reason)
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
        chromadb fully in line (deletions, anything left over).

        A page of many passages goes to the model ``batch_size`` at a time, never whole: the
        memory of a batch is bounded, and an interruption (Ctrl-C cancels the run) lands
        between two batches instead of after the whole page."""
        if not force:
            while self.pending >= self.batch_size:
                fed = await self.vectors.feed(self.batch_size)
                self.pending = self.pending - self.batch_size if fed else 0
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
            old = legacy_match(path, digest, candidates)
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
        identities = PageIdentities(source, await self.spelling(path, digest))
        state = await self.store.file_state(source)
        if not force and state is not None and state[0] == digest:
            self.report.files_unchanged += 1
            self.report.pages_unchanged += state[1]
            return
        self.attempted.add(source)
        items = read_items(reader, path)
        seen = _Seen()
        pages = 0
        complete = True
        try:
            while (step := await self._parse(items, identities)) is not NO_MORE_ITEMS:
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
                self.note_url(item, source)
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

    def note_url(self, page: Page, source: str) -> None:
        """Captures of one URL replace one another, the one read last kept: when another file
        of this run gave the same URL, a warning says which page replaced which, instead of the
        earlier one going silently. (Several captures inside one file, a crawl's WARC, are
        that file's own history, and not reported.)"""
        if not page.url:
            return
        earlier = self.urls.get(page.url)
        self.urls[page.url] = (source, page.origin)
        if earlier is not None and earlier[0] != source:
            self.skip(
                page.origin,
                f"same URL as {earlier[1]} ({page.url}), read earlier in this run; the page read"
                " last (this one) is kept",
                warning=True,
            )

    async def _parse(self, items: Iterator[Page | Notice], identities: PageIdentities) -> Any:
        started = time.perf_counter()
        try:
            return await in_daemon_thread(next_item, items, self.sizes, identities)
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
            self.gone = await asyncio.to_thread(gone_files, every, self.scope)
        gone = self.gone
        removed = {i for source in gone for i in sources.get(source, ())}
        if not first:
            # Judged once the files are read: a file about to be read may hold them again.
            removed.update(
                document_id
                for document_id, source in await store.unheld_documents()
                if judged(source, self.scope) is not None
            )

        # Another capture of a removed page (an unread file holding the same URL) takes its
        # place: the page stays and that file is read again.
        captures: set[str] = set()
        if removed:
            held = await store.page_files(sorted(removed))
            for document_id, files in held.items():
                others = [f for f in files if f not in gone and f not in self.attempted]
                found = await asyncio.to_thread(existing_files, others)
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
