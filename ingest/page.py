"""What every reader produces: one archived page, its article and its reader comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: The largest page ingest reads, in bytes of what holds it (a text or HTML file, a JSONL line,
#: a WARC record): a bigger one is skipped with ``too_large``'s reason before it is parsed, so a
#: run's memory is bounded by this and the embedding batch, not by the biggest page
#: (trafilatura refuses bigger HTML anyway). 20 MB is a long book; a news page is rarely 1 MB.
MAX_PAGE_BYTES = 20_000_000


def too_large(size: int, limit: int = MAX_PAGE_BYTES) -> str:
    """Why a page of ``size`` bytes is skipped."""
    return f"page too large ({size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB)"


@dataclass(frozen=True, slots=True)
class PageComment:
    """A reader comment. ``parent`` is the position of the comment it answers, when known."""

    text: str
    author: str | None = None
    published: str | None = None
    parent: int | None = None


@dataclass(slots=True)
class Page:
    """A page as a reader understood it. ``origin`` names where it came from (a file path, plus
    a record id for archives holding many pages) and is its identity when it has no URL."""

    origin: str
    format: str
    body: list[str]
    title: str | None = None
    url: str | None = None
    site: str | None = None
    published: date | None = None
    published_inferred: bool = False
    authors: list[str] = field(default_factory=list)
    comments: list[PageComment] = field(default_factory=list)
    #: every name the page gives its outlet, best first (``ingest.sites``); ``site`` is the
    #: one it is stored under until its archive settles one name for its host
    site_names: list[str] = field(default_factory=list)

    @property
    def identity(self) -> str:
        return self.url or self.origin


class UnreadableFile(Exception):
    """A file no reader can turn into pages; the message is the one-line reason shown to users."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a reader passed over inside a file (a WARC record, a JSONL line), or, with
    ``warning``, a value it could not use (a date that is no date) or, also ``damaged``, damage
    it stopped at after reading what came before. ``origin`` names the record or line. A damaged
    file is read again by the next run; one with only warnings is done."""

    origin: str
    reason: str
    warning: bool = False
    damaged: bool = False
