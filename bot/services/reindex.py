"""Re-indexing the configured archive folder from a running bot, one run at a time.

A thin adapter over ``ingest.pipeline.ingest_paths``: it confines paths to ``ARCHIVE_DIR`` (and
what it reads to files whose resolved path lies there), refuses a second run while one is going,
waits (saying so in its progress) while an ``archivist ingest`` holds the archive, and turns
the growing ingest report into progress (pages, passages, rate, ETA). Questions keep being
answered meanwhile, from the archive as it was: the ingest writes through a connection of its
own and commits page by page, so readers see a page only once it is whole.

A run may first rebuild the vectors (``rebuild``): every passage is embedded again into a new
generation beside the live one (``ingest.rebuild``), and asks are answered from the old one
until the switch, from the new one right after. ``prune`` removes pages whose files are gone
from the archive folder.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.engine import Engine
from index.generations import RebuildReport
from index.text import printable
from ingest.pipeline import WAITING, IngestReport, discover, ingest_paths
from ingest.pipeline import Progress as IngestProgress
from ingest.rebuild import rebuild as rebuild_generation

OUTSIDE_REFUSAL = "That path is outside the archive folder; give one inside it."


class ReindexBusy(RuntimeError):
    """A re-index is already running."""


class BadPath(ValueError):
    """The path asked for is not inside the archive folder, or does not exist."""


@dataclass(slots=True)
class Progress:
    files_total: int
    started: float = field(default_factory=time.monotonic)
    files: int = 0
    pages: int = 0
    passages: int = 0
    vectors: int = 0
    done: bool = False
    waiting: bool = False  # for another ingest on this archive (its lock) to end
    # A rebuild first: passages embedded into the new generation, of how many.
    rebuilding: bool = False
    rebuilt: int = 0
    rebuild_total: int = 0

    @property
    def phase(self) -> str:
        if self.waiting:
            return WAITING
        if self.rebuilding:
            return "rebuilding the vectors"
        return "embedding" if self.vectors else "reading"

    @property
    def fraction(self) -> float:
        """Reading the files is the first fifth of the work, embedding the rest: embedding a
        passage costs far more than reading it. A rebuild counts on its own (its passages
        embedded of all), before the reading starts."""
        if self.done:
            return 1.0
        if self.rebuilding:
            return self.rebuilt / self.rebuild_total if self.rebuild_total else 0.0
        read = self.files / self.files_total if self.files_total else 1.0
        if not self.vectors:
            return 0.2 * min(read, 1.0)
        return 0.2 + 0.8 * min(self.vectors / max(self.passages, 1), 1.0)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Passages per second so far (written, then embedded)."""
        work = self.rebuilt if self.rebuilding else self.vectors or self.passages
        return work / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if self.done:
            return 0.0
        if self.fraction <= 0.02:
            return None
        return self.elapsed * (1 - self.fraction) / self.fraction


class Reindexer:
    def __init__(self, engine: Engine, archive_dir: Path) -> None:
        self.engine = engine
        self.archive_dir = archive_dir
        self._task: asyncio.Task[IngestReport] | None = None
        #: The rebuild the last run made (its report tells generation N → N+1), if it made one.
        self.last_rebuild: RebuildReport | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def resolve(self, path: str | None) -> Path:
        """``path`` (relative to the archive folder) as an existing path inside it."""
        root = self.archive_dir.resolve()
        if not root.is_dir():
            raise BadPath(f"The archive folder `{self.archive_dir}` does not exist on the server.")
        try:
            target = (root / (path or "").strip().lstrip("/")).resolve()
            inside = target.is_relative_to(root)
            exists = inside and target.exists()
        except (ValueError, OSError):
            # A NUL byte, a name too long for the file system, a lone surrogate: no path at all,
            # refused like one that leaves the folder.
            raise BadPath(OUTSIDE_REFUSAL) from None
        if not inside:
            raise BadPath(OUTSIDE_REFUSAL)
        if not exists:
            raise BadPath("Nothing exists at that path inside the archive folder.")
        return target

    def shown(self, target: Path) -> str:
        """``target`` as the messages and the log name it: relative to the archive folder, and
        ``printable`` (a file name may hold a newline or a terminal escape)."""
        return printable(target.relative_to(self.archive_dir.resolve()).as_posix() or ".")

    def start(
        self,
        path: Path,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        rebuild: bool = False,
        prune: bool = False,
    ) -> asyncio.Task[IngestReport]:
        """Start a run in the background. Raises ReindexBusy at once (no await between the check
        and the start) when one is already running. ``rebuild``: embed every passage into a
        new generation of the vectors first; ``prune``: remove pages whose files are gone."""
        if self.running:
            raise ReindexBusy("A re-index is already running; wait for its report.")
        self.last_rebuild = None
        self._task = asyncio.create_task(
            self._run(path, on_progress, rebuild, prune), name="reindex"
        )
        return self._task

    async def _run(
        self,
        path: Path,
        on_progress: Callable[[Progress], None] | None,
        rebuild: bool,
        prune: bool,
    ) -> IngestReport:
        files = await asyncio.to_thread(lambda: sum(1 for _ in discover([path])))
        progress = Progress(files_total=files)

        def waiting(_: str) -> None:
            progress.waiting = True
            if on_progress:
                on_progress(progress)

        def update(step: IngestProgress) -> None:
            progress.waiting = False
            progress.files = step.files_done
            progress.pages = step.pages
            progress.passages = step.passages
            progress.vectors = step.vectors
            if on_progress:
                on_progress(progress)

        def rebuilt(done: int, total: int) -> None:
            progress.waiting = False
            progress.rebuilt, progress.rebuild_total = done, total
            if on_progress:
                on_progress(progress)

        writer = await self.engine.archive.writer()
        try:
            rebuild_started = time.monotonic()
            if rebuild:
                progress.rebuilding = True
                self.last_rebuild = await rebuild_generation(
                    writer, on_progress=rebuilt, on_wait=waiting
                )
                progress.rebuilding = False
                # Asks follow the switch at once, not at their next look at SQLite.
                await self.engine.archive.follow_live_generation()
            # Links in the folder may point anywhere on the server; nothing outside it is read.
            report = await ingest_paths(
                writer,
                [path],
                on_progress=update,
                within=self.archive_dir.resolve(),
                on_wait=waiting,
                prune=prune,
            )
            # The run's time, as the report gives it, is the rebuild's and the ingest's.
            report.seconds = round(time.monotonic() - rebuild_started, 3)
        finally:
            await writer.close()
            self.engine.archive.changed()
        progress.done = True
        progress.files = report.files
        if on_progress:
            on_progress(progress)
        return report
