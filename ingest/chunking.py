"""From a ``Page`` to the records the index stores: cleaned body, comments and passages.

Article passages gather whole paragraphs up to a size and split long paragraphs at sentence
boundaries; each comment is its own passage unless it is long. Where a boundary falls inside a
paragraph, the next passage repeats the last sentences of the previous one (up to
``overlap_chars``), so a statement cut from its context is still found with it; paragraph
boundaries need no overlap. Every passage is a slice of the body (or of its comment), so its
offsets lead back to the page.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from index.models import CommentRecord, DocumentRecord, PassageKind, PassageRecord, stable_id
from index.text import Span, sentence_spans
from ingest.page import Page

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class ChunkSizes:
    """Passage sizes in characters: ~700 characters is ~150 word pieces, well inside the 256 the
    bundled model reads."""

    article_chars: int = 700
    comment_chars: int = 1000
    hard_limit_chars: int = 1500
    overlap_chars: int = 200


def _split_long(text: str, span: Span, limit: int) -> list[Span]:
    """Cut a span with no sentence boundary inside the limit at the last space before it."""
    pieces: list[Span] = []
    start = span.start
    while span.end - start > limit:
        cut = text.rfind(" ", start, start + limit)
        cut = cut if cut > start else start + limit
        pieces.append(Span(start, cut))
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    pieces.append(Span(start, span.end))
    return pieces


def _overlap_start(
    sentences: list[Span], chunk: Span, piece: Span, overlap: int, target: int
) -> int:
    """Where the passage after ``chunk`` starts: at the earliest of ``chunk``'s last sentences
    that fit in ``overlap`` characters and keep the new passage within ``target``."""
    start = piece.start
    for sentence in reversed(sentences):
        if sentence.start <= chunk.start or sentence.end > chunk.end:
            break
        if chunk.end - sentence.start > overlap or piece.end - sentence.start > target:
            break
        start = sentence.start
    return start


def pack_spans(
    text: str, target: int, hard_limit: int, units: list[Span], overlap: int = 0
) -> list[Span]:
    """Greedily pack consecutive units (paragraphs or sentences) into spans of at most ``target``
    characters; a unit longer than that is split by sentences (consecutive pieces sharing up to
    ``overlap`` characters of whole sentences), then by words."""
    chunks: list[Span] = []
    current: Span | None = None
    for unit in units:
        if unit.end - unit.start > target:
            if current:
                chunks.append(current)
                current = None
            done: list[Span] = []
            for sentence in sentence_spans(unit.of(text)):
                piece = Span(unit.start + sentence.start, unit.start + sentence.end)
                if current and piece.end - current.start <= target:
                    current = Span(current.start, piece.end)
                    done.append(piece)
                    continue
                if current:
                    chunks.append(current)
                    start = _overlap_start(done, current, piece, overlap, target)
                    if start < piece.start:
                        done.append(piece)
                        current = Span(start, piece.end)
                        continue
                done.append(piece)
                parts = _split_long(text, piece, hard_limit)
                chunks.extend(parts[:-1])
                current = parts[-1]
            continue
        if current and unit.end - current.start <= target:
            current = Span(current.start, unit.end)
        else:
            if current:
                chunks.append(current)
            current = unit
    if current:
        chunks.append(current)
    return chunks


def paragraph_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for part in text.split(PARAGRAPH_SEPARATOR):
        if part.strip():
            spans.append(Span(start, start + len(part)))
        start += len(part) + len(PARAGRAPH_SEPARATOR)
    return spans


def content_hash(page: Page) -> str:
    canonical = json.dumps(
        {
            "title": page.title,
            "url": page.url,
            "site": page.site,
            "site_names": page.site_names,
            "published": page.published.isoformat() if page.published else None,
            "authors": page.authors,
            "body": page.body,
            "comments": [[c.author, c.published, c.parent, c.text] for c in page.comments],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_document(page: Page, sizes: ChunkSizes | None = None) -> DocumentRecord:
    """The stored form of ``page``: ids are content hashes, so the same page gives the same
    records every time."""
    sizes = sizes or ChunkSizes()
    document_id = stable_id("d", page.identity)
    body = PARAGRAPH_SEPARATOR.join(paragraph.strip() for paragraph in page.body)
    passages: list[PassageRecord] = []
    seen: Counter[tuple[str, str]] = Counter()

    def add_passage(kind: PassageKind, text: str, span: Span, **extra: str | None) -> None:
        passage_text = span.of(text)
        occurrence = seen[(kind, passage_text)]
        seen[(kind, passage_text)] += 1
        passages.append(
            PassageRecord(
                passage_id=stable_id("p", document_id, kind, passage_text, str(occurrence)),
                kind=kind,
                position=len(passages),
                text=passage_text,
                source_start=span.start,
                source_end=span.end,
                **extra,  # type: ignore[arg-type]
            )
        )

    for span in pack_spans(
        body,
        sizes.article_chars,
        sizes.hard_limit_chars,
        paragraph_spans(body),
        sizes.overlap_chars,
    ):
        add_passage("article", body, span)

    comments: list[CommentRecord] = []
    comment_seen: Counter[tuple[str | None, str]] = Counter()
    for position, comment in enumerate(page.comments):
        occurrence = comment_seen[(comment.author, comment.text)]
        comment_seen[(comment.author, comment.text)] += 1
        comment_id = stable_id(
            "c", document_id, comment.author or "", comment.text, str(occurrence)
        )
        parent = (
            comments[comment.parent].comment_id
            if comment.parent is not None and 0 <= comment.parent < len(comments)
            else None
        )
        comments.append(
            CommentRecord(
                comment_id, position, comment.text, comment.author, comment.published, parent
            )
        )
        for span in pack_spans(
            comment.text,
            sizes.comment_chars,
            sizes.hard_limit_chars,
            paragraph_spans(comment.text),
        ):
            add_passage("comment", comment.text, span, author=comment.author, comment_id=comment_id)

    return DocumentRecord(
        document_id=document_id,
        origin=page.origin,
        format=page.format,
        content_hash=content_hash(page),
        body=body,
        title=page.title,
        url=page.url,
        site=page.site,
        published=page.published,
        published_inferred=page.published_inferred,
        authors=list(page.authors),
        comments=comments,
        passages=passages,
        site_names=list(page.site_names),
    )
