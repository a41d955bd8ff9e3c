"""The engine every interface shares (Discord, console, CLI, tests): ask, search, look up."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.answering.answer import ABSTAIN_BELOW, Answer, abstaining, compose
from bot.answering.generator import Generator
from bot.answering.question_dates import DateRange, date_range, without_phrase
from bot.answering.reader_names import (
    MAX_NAME_CANDIDATES,
    TOPIC_PASSAGES,
    authors_pattern,
    folded_with_offsets,
    worded_as_person,
    worded_as_reader,
)
from bot.answering.rerank import Scorer, load_reranker
from bot.settings import Settings
from index.archive import Archive
from index.embedder import Embedder
from index.models import Hit, PassageKind, SearchFilters
from index.text import Span, content_words, fold, sentence_spans, words
from ingest.rebuild import discard_partial_generations

log = logging.getLogger("archivist")

# How many passages are searched for quotable sentences.
PASSAGES_FOR_QUOTES = 8
NEIGHBOURS = 2

_ABOUT_READERS = re.compile(r"\b(readers?|comments?|commenters?|commented)\b", re.IGNORECASE)
_ABOUT_ARTICLE = re.compile(r"\b(the article|the report|the outlet|reported)\b", re.IGNORECASE)


def _log_warm_up_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.warning("warming the archive's caches failed: %s", error)


def _abandon(future: asyncio.Future[Any]) -> None:
    """Stop waiting for work started ahead of need: cancelled while it runs; a failure it met
    already is marked as seen (nothing needed its result, so it is nobody's news)."""
    if not future.done():
        future.cancel()
    elif not future.cancelled():
        future.exception()


class NotFound(LookupError):
    """No passage or document has the id asked for."""


class Engine:
    def __init__(
        self, archive: Archive, generator: Generator | None = None, reranker: Scorer | None = None
    ) -> None:
        self.archive = archive
        # The optional sentence reranker (RERANK_MODEL, ``bot.answering.rerank``).
        self.reranker = reranker
        # The optional generator (LLM_BASE_URL): rewrites an answer's text from its quotes.
        self.generator = generator
        # Whether some passages have no vector in chromadb (None: not looked yet). Looked at
        # once while all have one, at every ask while some do not (so a repair is noticed).
        self._vectors_missing: bool | None = None
        self._warming: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, settings: Settings, embedder: Embedder | None = None) -> Engine:
        # Loaded first: a RERANK_MODEL that cannot load stops the start before the archive opens.
        reranker = (
            load_reranker(settings.rerank_model, settings.embed_device)
            if settings.rerank_model
            else None
        )
        archive = await Archive.open(
            Path(settings.data_dir),
            embed_model=settings.embed_model,
            device=settings.embed_device,
            backend=settings.embed_backend,
            chroma_url=settings.chroma_url,
            embedder=embedder,
            vector_search_ef=settings.vector_search_ef or "by_size",
        )
        # A rebuild killed or failed before its switch left a partial generation: removed here,
        # unless a rebuild holds the archive now (another process may still be building it).
        await discard_partial_generations(archive)
        return cls(archive, Generator.from_settings(settings), reranker)

    def warm_up(self) -> asyncio.Task[None]:
        """Fill the archive's caches beside the first asks (``Archive.warm_up``), so they are
        answered as fast as later ones: a long-running face (the bot, the console) calls it at
        start. A failure only costs the first asks their speed, so it is logged, not raised."""
        if self._warming is None:
            self._warming = asyncio.create_task(self.archive.warm_up())
            self._warming.add_done_callback(_log_warm_up_failure)
        return self._warming

    async def close(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
        if self.generator is not None:
            await self.generator.close()
        await self.archive.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def vector_gap(self) -> tuple[int, int]:
        """How many passages have no vector in chromadb, of how many: (0, n) when all have one.
        A gap means DATA_DIR/chroma was deleted or an ingest was cut short; ``ask`` then falls
        back on keyword search, and the next ingest repairs it (``reconcile_vectors``)."""
        # The two counts alone: ``Archive.stats`` would also sum every passage by kind, and this
        # runs on every ask while vectors are missing.
        passages = await self.archive.store.passage_count()
        if self.archive.model_mismatch():
            # Another model's vectors count as none: asks compare with the configured model.
            self._vectors_missing = passages > 0
            return passages, passages
        vectors = await self.archive.vector_count()
        missing = max(passages - vectors, 0)
        self._vectors_missing = missing > 0
        return missing, passages

    # --- answering -----------------------------------------------------------------------------

    async def infer_filters(
        self, question: str, filters: SearchFilters, *, readers_by_name: bool = True
    ) -> SearchFilters:
        """Read what the question itself says: a reader named in it ("what did Random guy say")
        narrows to that reader; "readers"/"comments" to comments; "the article" to articles.
        A caller's own kind "article" is never narrowed to a reader's comments (only comments
        have authors); ``readers_by_name=False`` reads the question as if it named no reader."""
        if filters.author is None and filters.kind != "article" and readers_by_name:
            author = await self.named_reader(question)
            if author is not None:
                filters = replace(filters, author=author)
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

    async def named_reader(self, question: str) -> str | None:
        """The stored commenter the question names as a person (``worded_as_person``), if
        any: a name that the articles use as a word or a topic is not taken as a reader's
        unless the question says it is one ("reader Tom", ``worded_as_reader``), nor a word of
        the period the question names ("in Jan 2016")."""
        pattern, names = authors_pattern(tuple(await self.archive.authors()))
        folded, offsets = folded_with_offsets(question)
        period = date_range(question)
        period_at = question.find(period.phrase) if period is not None else -1
        period_end = period_at + len(period.phrase) if period is not None else -1
        for found in itertools.islice(pattern.finditer(folded), MAX_NAME_CANDIDATES):
            start, end = offsets[found.start()], offsets[found.end()]
            if period_at >= 0 and start < period_end and end > period_at:
                continue
            name = names[found.group(0)]
            if worded_as_reader(question, start, end):
                return name
            if worded_as_person(question, start, end) and not await self._named_in_articles(name):
                return name
        return None

    async def _named_in_articles(self, name: str) -> bool:
        """Whether the articles use ``name`` themselves: in ``TOPIC_PASSAGES`` passages or
        more, or written in lower case (a common word: "the owner", "a test") in one."""
        try:
            found = await self.archive.store.lexical_search(
                [fold(name)], SearchFilters(kind="article"), TOPIC_PASSAGES
            )
        except sqlite3.Error:
            # A name FTS5 cannot read as a phrase is no word of any article either.
            return False
        if len(found) >= TOPIC_PASSAGES:
            return True
        if not found:
            return False
        passage = await self.archive.passage(found[0][0])
        if passage is None:
            return False
        shown = " ".join(filter(None, (passage.title, passage.text)))
        name_words = r"\W+".join(re.escape(word) for word in name.split())
        return any(
            match.group(0)[:1].islower()
            for match in re.finditer(rf"\b{name_words}\b", shown, re.IGNORECASE)
        )

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
        # Embedded while the filters are read and the first keyword search runs (``search``).
        question_vector = self.archive.embedding(question)
        try:
            answer = await self._ask(question, given, question_vector, passages)
        finally:
            _abandon(question_vector)
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer

    async def _ask(
        self,
        question: str,
        given: SearchFilters,
        question_vector: asyncio.Future[np.ndarray],
        passages: int,
    ) -> Answer:
        await self.archive.refresh()
        filters = await self.infer_filters(question, given)
        # "What did Random guy say?": naming the reader is the whole request.
        only_names_reader = (
            given.author is None
            and filters.author is not None
            and not set(content_words(question)) - set(words(filters.author))
        )
        named = date_range(question) if not (given.since or given.until) else None
        search_text = (without_phrase(question, named) or question) if named else question
        if self._vectors_missing is not False or self.archive.model_mismatch():
            await self.vector_gap()
        idf = await self.question_idf(question)
        # Each reading of the question, tried in turn until one answers: as read, then, when
        # the reader it names was read from its words and none of their comments answers,
        # as if it named none (a word that is also a reader's name, "Any", "Owner", must not
        # cost the asker the answer).
        readings = [(filters, not only_names_reader)]
        if given.author is None and filters.author is not None:
            plain = await self.infer_filters(question, given, readers_by_name=False)
            readings.append((plain, True))
        for reading, require_evidence in readings:
            whole_archive_keywords = None
            if named is not None:
                whole_archive_keywords = asyncio.ensure_future(
                    self._keywords_once_embedded(question, reading, question_vector)
                )
            try:
                answer = await self._answered_in(
                    question,
                    search_text,
                    named,
                    question_vector,
                    idf,
                    reading,
                    passages,
                    require_evidence=require_evidence,
                    whole_archive_keywords=whole_archive_keywords,
                )
            finally:
                if whole_archive_keywords is not None:
                    _abandon(whole_archive_keywords)
            if answer.answered:
                break
        await self._mark_inferred_dates(answer)
        if self.generator is not None:
            answer = await self._generate(answer)
        return answer

    async def _keywords_once_embedded(
        self, question: str, filters: SearchFilters, question_vector: asyncio.Future[np.ndarray]
    ) -> list[tuple[str, float]]:
        """The whole archive's keyword search for a question that names a period, started
        while the period is being searched and weighed: most such questions are answered from
        the whole archive ("who won in 2000?" names the event's year, not the coverage's).
        It waits for the question's embedding, which has both cores until then."""
        await question_vector
        return await self.archive.keyword_search(question, filters)

    async def _answered_in(
        self,
        question: str,
        search_text: str,
        named: DateRange | None,
        question_vector: asyncio.Future[np.ndarray],
        idf: dict[str, float],
        reading: SearchFilters,
        passages: int,
        *,
        require_evidence: bool,
        whole_archive_keywords: asyncio.Future[list[tuple[str, float]]] | None,
    ) -> Answer:
        """The answer from the period the question names (``named``), when anything published
        then answers it; else from the whole archive."""
        if named is not None:
            dated = replace(reading, since=named.since, until=named.until)
            answer = await self._answer(
                question,
                search_text,
                question_vector,
                idf,
                dated,
                passages,
                require_evidence=require_evidence,
            )
            # The filtered bar tells whether anything of the period is about the question;
            # where the asker set no filter, the answer must also convince the abstention
            # model, as an unfiltered ask's does: a page that merely appeared that year must
            # not answer for a fact of that year that a later page holds.
            unconvincing = reading.is_empty() and abstaining() and answer.confidence < ABSTAIN_BELOW
            if answer.answered and not unconvincing:
                return answer
        # The period may be the event's, not the coverage's ("who won in 2000?"); the
        # answer then says that it comes from the whole archive.
        answer = await self._answer(
            question,
            question,
            question_vector,
            idf,
            reading,
            passages,
            require_evidence=require_evidence,
            keyword=whole_archive_keywords,
        )
        if answer.answered and named is not None:
            answer.unmatched_period = named.phrase
        return answer

    async def _mark_inferred_dates(self, answer: Answer) -> None:
        """Flag the quotes whose page has no date of its own, only one read from its text
        (``published_inferred``): shown as such, never as the outlet's publication date."""
        dated = list({quote.document_id for quote in answer.quotes if quote.published})
        inferred = await self.archive.store.dates_from_text(dated)
        for quote in answer.quotes:
            quote.published_inferred = quote.document_id in inferred

    async def _answer(
        self,
        question: str,
        search_text: str,
        question_vector: asyncio.Future[np.ndarray],
        idf: dict[str, float],
        filters: SearchFilters,
        passages: int,
        *,
        require_evidence: bool,
        keyword: asyncio.Future[list[tuple[str, float]]] | None = None,
    ) -> Answer:
        hits = await self.archive.search(
            search_text,
            filters,
            passages,
            query_vector=question_vector,
            refresh=False,
            keyword=keyword,
        )
        vector = await question_vector
        if self._vectors_missing:
            hits = await self._with_similarity(hits, vector)
        sentences, sentence_vectors = await self.candidate_sentences(hits)
        return compose(
            question,
            vector,
            hits,
            sentence_vectors,
            sentences,
            require_evidence=require_evidence,
            idf=idf,
            filtered=not filters.is_empty(),
            reader=filters.author is not None,
            reranker=self.reranker,
        )

    async def _with_similarity(self, hits: list[Hit], question_vector: np.ndarray) -> list[Hit]:
        """``hits`` with each similarity the dense retriever could not give (its vector is
        missing) computed from the passage itself: without it the answer model sees no meaning
        match at all and declines what keyword search found. A few passages, embedded now."""
        lacking = [hit for hit in hits if hit.similarity is None]
        if not lacking:
            return hits
        vectors = await self.archive.embed([hit.passage.text for hit in lacking])
        similarity = {
            id(hit): float(vector @ question_vector)
            for hit, vector in zip(lacking, vectors, strict=True)
        }
        return [
            hit if hit.similarity is not None else replace(hit, similarity=similarity[id(hit)])
            for hit in hits
        ]

    async def _generate(self, answer: Answer) -> Answer:
        """The optional generator's text over the quotes' passages; the extractive answer when
        it declined, failed or wrote nothing supported (``Generator.rewrite`` never raises)."""
        assert self.generator is not None
        if not answer.answered:
            return answer
        passages = await self.archive.store.passages([quote.passage_id for quote in answer.quotes])
        texts = {passage_id: passage.text for passage_id, passage in passages.items()}
        return await self.generator.rewrite(answer, texts)

    async def candidate_sentences(
        self, hits: list[Hit]
    ) -> tuple[list[tuple[Hit, Span]], np.ndarray]:
        """The hits' sentences in passage order with their vectors: those stored at sync, and
        any missing (an archive synced before sentences were kept) embedded now."""
        stored = await self.archive.sentence_vectors([hit.passage.passage_id for hit in hits])
        sentences: list[tuple[Hit, Span]] = []
        blocks: list[np.ndarray | int] = []  # stored vectors, or how many sentences to embed
        missing: list[str] = []
        for hit in hits:
            found = stored.get(hit.passage.passage_id)
            if found is not None:
                spans = [Span(start, end) for start, end in found[0]]
                blocks.append(found[1])
            else:
                spans = sentence_spans(hit.passage.text)
                missing.extend(span.of(hit.passage.text) for span in spans)
                blocks.append(len(spans))
            sentences.extend((hit, span) for span in spans)
        fresh = iter(await self.archive.embed(missing)) if missing else iter(())
        rows: list[np.ndarray] = []
        for block in blocks:
            if isinstance(block, int):
                rows.extend(next(fresh) for _ in range(block))
            else:
                rows.extend(block)
        matrix = np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
        return sentences, matrix

    async def question_idf(self, question: str) -> dict[str, float]:
        terms = content_words(question)
        frequencies, total = await self.archive.document_frequencies(terms)
        return {t: math.log((total + 1) / (frequencies.get(t, 0) + 0.5)) for t in terms}

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
        inferred = await self.archive.store.dates_from_text([passage.document_id])
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
            # The date was read from the page's text; the page states none of its own.
            "published_inferred": passage.document_id in inferred,
            "before": [p.text for p in before],
            "after": [p.text for p in after],
            # Neighbours are of the passage's kind: for a comment, other readers' comments,
            # which must not read as the same reader's words.
            "before_authors": [p.author for p in before],
            "after_authors": [p.author for p in after],
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
