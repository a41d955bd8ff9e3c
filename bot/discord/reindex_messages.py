"""The messages of ``/reindex``: the progress message it keeps editing and its final report."""

from __future__ import annotations

from typing import Any

from bot.discord.markdown import CONTENT_LIMIT, clip, escape_text, fit
from bot.services.reindex import Progress
from ingest.pipeline import IngestReport


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"


def progress_bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(fraction, 1.0)) * width)
    return "█" * filled + "░" * (width - filled)


def progress_text(where: str, progress: Progress) -> str:
    # While a rebuild embeds, no file has been read yet: its own count is what moves.
    counts = (
        f"passages {progress.rebuilt}/{progress.rebuild_total} embedded into the new generation"
        if progress.rebuilding
        else f"files {progress.files}/{progress.files_total} · pages {progress.pages} · "
        f"passages {progress.passages} · vectors {progress.vectors}"
    )
    return (
        f"**Re-indexing** `{where}`\n"
        f"`{progress_bar(progress.fraction)}` {progress.fraction:.0%} · {progress.phase}\n"
        f"{counts} · {progress.rate:.1f} passages/s · ETA {_duration(progress.eta)}"
    )


def reindex_report_text(
    where: str, report: IngestReport, stats: dict[str, Any], notes: tuple[str, ...] = ()
) -> str:
    text = (
        f"**Re-index of** `{where}` **finished** in {report.seconds:.1f} s\n"
        f"`{progress_bar(1.0)}` 100%\n"
        + "".join(f"{note}\n" for note in notes)  # a rebuild's generations, a prune's count
        + f"{escape_text(report.counts_text())}\n"
        f"{report.passages_added} passages written, {report.vectors_written} vectors embedded\n"
        f"The archive now holds {stats['documents']} documents and {stats['passages']} passages."
    )
    if report.skipped:
        shown = "\n".join(f"• {fit(str(s), 150)}" for s in report.skipped[:5])
        more = len(report.skipped) - 5
        text += f"\nSkipped:\n{shown}" + (f"\n… and {more} more" if more > 0 else "")
    return clip(text, CONTENT_LIMIT)
