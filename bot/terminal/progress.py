"""The progress bar of ``archivist ingest``: files, pages, passages and the embedding rate."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.pipeline import Progress as IngestProgress


@contextmanager
def ingest_progress(enabled: bool) -> Iterator[Callable[[IngestProgress], None] | None]:
    """A callback drawing the bar on stderr, or None when it should not be drawn (not a
    terminal, or JSON wanted on stdout)."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[pages]} pages · {task.fields[passages]} passages ·"),
        TextColumn("{task.fields[vectors]} vectors ({task.fields[rate]:.0f}/s)"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("ingest", total=None, pages=0, passages=0, vectors=0, rate=0.0)

        def update(progress: IngestProgress) -> None:
            bar.update(
                task,
                total=progress.files_total or None,
                completed=progress.files_done,
                pages=progress.pages,
                passages=progress.passages,
                vectors=progress.vectors,
                rate=progress.vectors_per_second,
            )

        yield update
