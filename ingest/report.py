"""What an ingest run reports: its counts and timings, the files and records it skipped, and
where it stands while it runs (for a progress bar)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.text import printable

# What became of one page read: the report counts pages by it.
Outcome = Literal["added", "updated", "unchanged", "linked"]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file, record or line passed over, and why: both as ``printable`` text, so that a name
    holding a newline, a terminal escape or undecodable bytes stays one line wherever the report
    goes (terminal, JSON, the archive's run log, Discord)."""

    path: str
    reason: str

    @classmethod
    def of(cls, path: str, reason: str) -> Skipped:
        return cls(printable(path), printable(reason))

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
