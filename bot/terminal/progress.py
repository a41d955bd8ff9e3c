"""The progress bars of ``archivist ingest`` (files, pages, passages and the embedding rate) and
of ``archivist reindex --rebuild`` (passages embedded into the new generation)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ingest.pipeline import Progress as IngestProgress


@contextmanager
def ingest_progress(
    enabled: bool, console: Console | None = None
) -> Iterator[Callable[[IngestProgress], None] | None]:
    """A callback drawing the bar on stderr (or ``console``), or None when it should not be
    drawn (not a terminal, or JSON wanted on stdout). Log lines are printed above the bar
    while it is drawn (``logs_above``)."""
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
    console = console or Console(file=sys.stderr)
    with (
        Progress(*columns, console=console, transient=True) as bar,
        logs_above(console),
    ):
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


@contextmanager
def rebuild_progress(
    enabled: bool, console: Console | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """A callback for ``rebuild``'s ``on_progress(done, total)`` drawing a bar of the passages
    embedded into the new generation, or None when it should not be drawn (as ``ingest_progress``).
    A rebuild of a large archive embeds for as long as its first ingest did."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("rebuild"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("passages"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    console = console or Console(file=sys.stderr)
    with (
        Progress(*columns, console=console, transient=True) as bar,
        logs_above(console),
    ):
        task = bar.add_task("rebuild", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, total=total or None, completed=done, refresh=True)

        yield update


@contextmanager
def logs_above(console: Console) -> Iterator[None]:
    """Log lines through ``console`` for the duration: rich prints them above its live bar.

    Rich redirects ``print`` to stderr while a bar is live, but a logging handler keeps the
    stream it was given: its lines would land inside the bar and be drawn over. So each root
    handler writing to the console's stream is swapped for a ``RichHandler`` on the console,
    with its level and filters (the token redaction of ``run``), and put back afterwards."""
    root = logging.getLogger()
    swapped = {
        handler: _rich_handler(console, handler)
        for handler in root.handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream is console.file
    }
    for plain, rich in swapped.items():
        root.removeHandler(plain)
        root.addHandler(rich)
    try:
        yield
    finally:
        for plain, rich in swapped.items():
            root.removeHandler(rich)
            root.addHandler(plain)


def _rich_handler(console: Console, replaced: logging.Handler) -> RichHandler:
    handler = RichHandler(console=console, level=replaced.level, show_path=False)
    # The time and level have columns of their own; the logger's name stays in the line.
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for log_filter in replaced.filters:
        handler.addFilter(log_filter)
    return handler
