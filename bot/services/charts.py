"""Charts as PNG bytes, drawn with matplotlib's Agg backend (no display, thread-safe per figure)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: a server has no display

from matplotlib.figure import Figure

from index.community import MonthCount


def _months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("2016-11" … "2017-02"), so gaps show as zero."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def timeline_png(query: str, counts: list[MonthCount]) -> bytes:
    """Matching passages per month, articles and comments stacked."""
    months = _months(min(c.month for c in counts), max(c.month for c in counts))
    article = dict.fromkeys(months, 0)
    comment = dict.fromkeys(months, 0)
    for count in counts:
        (article if count.kind == "article" else comment)[count.month] += count.passages
    # Figure() rather than pyplot: no global state, so charts may render in parallel threads.
    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.add_subplot()
    positions = range(len(months))
    axes.bar(positions, list(article.values()), label="article", color="#2a7f86")
    axes.bar(
        positions,
        list(comment.values()),
        bottom=list(article.values()),
        label="reader comments",
        color="#e3a857",
    )
    step = max(1, len(months) // 12)
    axes.set_xticks(list(positions)[::step], months[::step], rotation=45, ha="right")
    axes.set_ylabel("matching passages")
    axes.set_title(f"“{query[:80]}” per month")
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
