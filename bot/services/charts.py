"""Charts as PNG bytes, drawn with matplotlib's Agg backend (no display, thread-safe per figure)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: a server has no display

from matplotlib.figure import Figure

from index.community import MonthCount
from index.models import KINDS, PassageKind

ARTICLE_COLOUR = "#2a7f86"
COMMENT_COLOUR = "#e3a857"
_SERIES: dict[PassageKind, tuple[str, str]] = {
    "article": ("article", ARTICLE_COLOUR),
    "comment": ("reader comments", COMMENT_COLOUR),
}


def _months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("2016-11" … "2017-02"), so gaps show as zero."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def timeline_png(
    query: str, counts: list[MonthCount], kinds: Sequence[PassageKind] = KINDS
) -> bytes:
    """Matching passages per month, the ``kinds`` counted stacked (articles under comments). A
    kind left out (``kind:article``, or comments a server excludes) has no bar and no legend:
    an empty series would claim it was counted."""
    months = _months(min(c.month for c in counts), max(c.month for c in counts))
    per_kind = {kind: dict.fromkeys(months, 0) for kind in KINDS if kind in kinds}
    for count in counts:
        if count.kind in per_kind:
            per_kind[count.kind][count.month] += count.passages
    # Figure() rather than pyplot: no global state, so charts may render in parallel threads.
    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.add_subplot()
    positions = range(len(months))
    bottom = [0] * len(months)
    for kind, per_month in per_kind.items():
        label, colour = _SERIES[kind]
        heights = list(per_month.values())
        axes.bar(positions, heights, bottom=bottom, label=label, color=colour)
        bottom = [below + height for below, height in zip(bottom, heights, strict=True)]
    step = max(1, len(months) // 12)
    axes.set_xticks(list(positions)[::step], months[::step], rotation=45, ha="right")
    axes.set_ylabel("matching passages")
    axes.set_title(f"“{query[:80]}” per month")
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
