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

This module starts a run and walks its files; the parts live beside it: ``discovery`` (finding
files, their digests), ``reading`` (a file's items and page identities), ``sources`` (recorded
files judged against the disk), ``run`` (one run's state: reading a file in, counting, vectors,
prune) and ``report`` (what a run reports).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from index.archive import Archive
from index.generations import discard_partial_generations
from ingest.chunking import ChunkSizes
from ingest.discovery import discover, file_digest, real_path, unsupported_reason
from ingest.lock import WAITING, ingest_lock
from ingest.readers import READERS, reader_for
from ingest.report import IngestReport, Outcome, Progress, Skipped
from ingest.run import IngestRun
from ingest.sites import settle_site_names

# Callers import these from here, where the run is started; they are defined beside what uses
# them most.
__all__ = [
    "DEFAULT_BATCH",
    "WAITING",
    "IngestReport",
    "Outcome",
    "Progress",
    "Skipped",
    "discover",
    "file_digest",
    "ingest_paths",
    "real_path",
]

DEFAULT_BATCH = 256
#: Why a confined run (``within``) skips a file: it is a link to somewhere outside.
OUTSIDE = "link to outside the archive"


async def ingest_paths(
    archive: Archive,
    paths: Sequence[Path],
    *,
    sizes: ChunkSizes | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH,
    within: Path | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest every file under ``paths`` into ``archive``; ``on_skip`` hears of each file or
    record skipped, ``on_progress`` of where the run stands. ``prune`` also removes pages whose
    files are gone or no longer hold them (see above). ``within`` (a resolved folder) confines
    the run: a file whose resolved path lies outside it (a symbolic link pointing out) is
    skipped, not read. One run at a time per archive: while another holds the archive's ingest
    lock (``ingest.lock``), this one waits, having told ``on_wait`` so."""
    async with ingest_lock(archive.store.path, on_wait):
        return await _ingest(archive, paths, sizes, on_skip, on_progress, prune, batch_size, within)


async def _ingest(
    archive: Archive,
    paths: Sequence[Path],
    sizes: ChunkSizes | None,
    on_skip: Callable[[Skipped], None] | None,
    on_progress: Callable[[Progress], None] | None,
    prune: bool,
    batch_size: int,
    within: Path | None,
) -> IngestReport:
    started = time.perf_counter()
    run = IngestRun(
        archive, sizes, batch_size, on_skip, on_progress, scope=[real_path(p) for p in paths]
    )
    run.within = within
    report = run.report
    run_id = await archive.store.start_run()
    # Under the lock no rebuild runs: what a killed one left can go before vectors are synced.
    await discard_partial_generations(archive)
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
                files.append((path, unsupported_reason(path)))
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
            await _ingest_one(run, path, unsupported_reason(path), force=True)

    # Names are settled once the run's pages are all in: a host's name is what most of its
    # pages, old and new, call it.
    await settle_site_names(archive.store)
    await run.sync(force=True)
    timings = run.vectors.timings
    report.embed_seconds = round(timings.embed, 3)
    report.write_seconds = round(report.write_seconds + timings.sqlite + timings.chroma, 3)
    report.parse_seconds = round(report.parse_seconds, 3)
    report.seconds = round(time.perf_counter() - started, 3)
    await archive.store.finish_run(run_id, report.as_dict())
    return report


async def _ingest_one(run: IngestRun, path: Path, problem: str | None, *, force: bool) -> None:
    """Read one file (or report why not); one read again is counted once."""
    if str(path) not in run.counted:
        run.counted.add(str(path))
        run.report.files += 1
    if problem is None and run.within is not None and not path.is_relative_to(run.within):
        problem = OUTSIDE
    if problem:
        run.skip(str(path), problem)
    else:
        reader = reader_for(path)
        assert reader is not None
        await run.ingest_file(path, reader, force=force)
    run.files_done += 1
    run.progress()
