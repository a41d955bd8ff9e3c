"""The engine every interface shares (Discord, console, CLI, tests): ask, search, look up."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.answer import Answer, compose, sentences_of
from bot.settings import Settings
from index.archive import Archive
from index.embedder import Embedder
from index.models import Hit, PassageKind, SearchFilters
from index.text import content_words, fold, words

# How many passages are searched for quotable sentences.
PASSAGES_FOR_QUOTES = 8
NEIGHBOURS = 2

_ABOUT_READERS = re.compile(r"\b(readers?|comments?|commenters?|commented)\b", re.IGNORECASE)
_ABOUT_ARTICLE = re.compile(r"\b(the article|the report|the outlet|reported)\b", re.IGNORECASE)


class NotFound(LookupError):
    """No passage or document has the id asked for."""


class Engine:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @classmethod
    async def open(cls, settings: Settings, embedder: Embedder | None = None) -> Engine:
        archive = await Archive.open(
            Path(settings.data_dir),
            embed_model=settings.embed_model,
            device=settings.embed_device,
            backend=settings.embed_backend,
            chroma_url=settings.chroma_url,
            embedder=embedder,
        )
        return cls(archive)

    async def close(self) -> None:
        await self.archive.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- answering -----------------------------------------------------------------------------

    async def infer_filters(self, question: str, filters: SearchFilters) -> SearchFilters:
        """Read what the question itself says: a reader named in it ("what did Random guy say")
        narrows to that reader; "readers"/"comments" to comments; "the article" to articles."""
        if filters.author is None:
            folded = fold(question)
            for author in await self.archive.store.authors():
                if len(author) >= 3 and re.search(rf"\b{re.escape(fold(author))}\b", folded):
                    filters = replace(filters, author=author)
                    break
        if filters.kind is None:
            readers = bool(_ABOUT_READERS.search(question)) or filters.author is not None
            article = bool(_ABOUT_ARTICLE.search(question))
            kind: PassageKind | None = (
                "comment"
                if readers and not article
                else "article"
                if article and not readers
                else None
            )
            filters = replace(filters, kind=kind)
        return filters

    async def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        passages: int = PASSAGES_FOR_QUOTES,
    ) -> Answer:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        given = filters or SearchFilters()
        filters = await self.infer_filters(question, given)
        # "What did Random guy say?": naming the reader is the whole request.
        only_names_reader = (
            given.author is None
            and filters.author is not None
            and not set(content_words(question)) - set(words(filters.author))
        )
        question_vector = (await self.archive.embed([question]))[0]
        hits = await self.archive.search(question, filters, passages, query_vector=question_vector)
        sentences = sentences_of(hits)
        sentence_vectors = await self.archive.embed(
            [span.of(hit.passage.text) for hit, span in sentences]
        )
        answer = compose(
            question,
            question_vector,
            hits,
            sentence_vectors,
            sentences,
            require_evidence=not only_names_reader,
        )
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer

    async def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 10
    ) -> list[Hit]:
        return await self.archive.search(query, filters, limit)

    # --- looking things up ---------------------------------------------------------------------

    async def source(self, passage_id: str) -> dict[str, Any]:
        """A passage in context: its text, its document's metadata, and its neighbours."""
        passage = await self.archive.passage(passage_id)
        if passage is None:
            raise NotFound(f"no passage with id {passage_id!r}")
        before, after = await self.archive.store.neighbours(passage, NEIGHBOURS)
        return {
            "passage_id": passage.passage_id,
            "document_id": passage.document_id,
            "kind": passage.kind,
            "author": passage.author,
            "text": passage.text,
            "title": passage.title,
            "site": passage.site,
            "url": passage.url,
            "published": passage.published,
            "before": [p.text for p in before],
            "after": [p.text for p in after],
        }

    async def document(self, document_id: str) -> dict[str, Any]:
        document = await self.archive.store.document(document_id)
        if document is None:
            raise NotFound(f"no document with id {document_id!r}")
        return document

    async def sources(self) -> dict[str, Any]:
        return {"documents": await self.archive.store.documents()}

    async def stats(self) -> dict[str, Any]:
        return (await self.archive.stats()).as_dict()
