"""Records the index stores and returns. Plain dataclasses: no I/O, no discord, no ingest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

PassageKind = Literal["article", "comment"]
KINDS: tuple[PassageKind, ...] = ("article", "comment")


def stable_id(prefix: str, *parts: str) -> str:
    """A short, stable content hash: the same parts always give the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}_{digest[:20]}"


def date_as_int(day: date | None) -> int | None:
    """20161212 for 2016-12-12: the form filters compare in chromadb metadata and SQL."""
    return day.year * 10000 + day.month * 100 + day.day if day else None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    comment_id: str
    position: int
    text: str
    author: str | None = None
    published: str | None = None
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class PassageRecord:
    """A retrievable unit of text: part of the article body or of one reader comment.

    ``source_start``/``source_end`` locate ``text`` inside the document body (articles) or inside
    its comment's text (comments), so a passage can always be traced back to the page.
    """

    passage_id: str
    kind: PassageKind
    position: int
    text: str
    source_start: int
    source_end: int
    author: str | None = None
    comment_id: str | None = None


@dataclass(slots=True)
class DocumentRecord:
    """One archived page as stored: metadata, cleaned body, comments and passages."""

    document_id: str
    origin: str
    format: str
    content_hash: str
    body: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    published: date | None = None
    published_inferred: bool = False
    authors: list[str] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    passages: list[PassageRecord] = field(default_factory=list)
    #: every name the page gives its outlet, best first; ``site`` is one of them (or the host)
    site_names: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    kind: PassageKind | None = None
    site: str | None = None
    author: str | None = None
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return not (self.kind or self.site or self.author or self.since or self.until)


@dataclass(frozen=True, slots=True)
class Passage:
    """A stored passage joined with what an answer needs to cite it."""

    passage_id: str
    document_id: str
    kind: PassageKind
    position: int
    text: str
    author: str | None
    title: str | None
    site: str | None
    url: str | None
    published: str | None
    #: ``published`` was read from the page's text: the page states no date of its own
    published_inferred: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage found by search, with the evidence from each retriever."""

    passage: Passage
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = None  # cosine similarity to the query, when dense found it


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    """What ``Archive.stats`` counts (``/stats``, ``archivist stats``)."""

    documents: int
    passages: int
    article_passages: int
    comment_passages: int
    vectors: int
    index_version: int
    last_ingest: str | None
    #: The live generation's chromadb collection (``index_version`` is its number).
    collection: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}
