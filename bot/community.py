"""What a server that keeps the bot gets beside plain answers, with no Discord in it: answers
remembered for their buttons, feedback, per-guild comment settings, conversation follow-ups,
paged search, the per-site overview, the timeline and id suggestions.

The Discord cogs stay thin: they parse, call this, and format.
"""

from __future__ import annotations

import asyncio
import calendar
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from bot.answer import Answer
from bot.engine import Engine, NotFound
from bot.settings import Settings
from index.community import CommunityStore, MonthCount, SiteSummary, Suggestion
from index.models import Hit, PassageKind, SearchFilters
from index.text import content_words, words

COMMENTS_SETTING = "comments"
SEARCH_RESULTS = 25
SEARCH_PAGE_SIZE = 5
DOCUMENTS_PAGE_SIZE = 10

# A follow-up that points back with a pronoun at its end ("what did readers say about that?").
_POINTER = re.compile(r"\b(that|this|it|them|those|these|there|him|her)\b(?=[\s?!.…]*$)", re.I)


class CommentMode(StrEnum):
    """How a guild wants reader comments in answers."""

    SHOW = "show"
    SPOILER = "spoiler"  # quoted, hidden behind ||spoiler|| marks
    EXCLUDE = "exclude"  # never quoted


class Rejected(ValueError):
    """A request refused with a message meant for the person who made it."""


@dataclass(frozen=True, slots=True)
class GivenAnswer:
    answer_id: str
    answer: Answer
    comments: CommentMode
    question: str  # as understood: a follow-up resolved against the previous question


def resolve_follow_up(previous: str, question: str) -> str:
    """Read a follow-up in the light of the question before it.

    A follow-up that names its own subject stands alone. One that points back ("what did
    readers say about that?") has the pointer replaced by the previous question's subject;
    one that names nothing at all ("and readers?") gets that subject added.
    """
    own = content_words(question)
    topic_words = [w for w in content_words(previous) if w not in own]
    if not topic_words:
        return question
    topic = " ".join(dict.fromkeys(topic_words))
    if _POINTER.search(question):
        return _POINTER.sub(topic, question, count=1)
    if not own:
        stripped = question.rstrip(" ?!.…")
        return f"{stripped} about {topic}?"
    return question


def date_bound(text: str, end: bool) -> date:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first (``end`` false) or last day it covers."""
    parts = text.strip().split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        if len(parts) > 2:
            return date(year, month, int(parts[2]))
        day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


def filters_from(
    kind: PassageKind | None = None,
    site: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> SearchFilters:
    """Filters from what a user typed; a bad date is refused with a message for them."""
    try:
        return SearchFilters(
            kind=kind,
            site=site.strip() or None if site else None,
            since=date_bound(since, end=False) if since else None,
            until=date_bound(until, end=True) if until else None,
        )
    except ValueError as error:
        raise Rejected(str(error)) from None


def page(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


class Community:
    def __init__(self, engine: Engine, store: CommunityStore, settings: Settings) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings

    @classmethod
    async def open(cls, engine: Engine, settings: Settings) -> Community:
        store = await CommunityStore.open(engine.archive.store.path)
        return cls(engine, store, settings)

    async def close(self) -> None:
        await self.store.close()

    # --- asking --------------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise Rejected("Ask a question: the message holds none.")
        if len(question) > self.settings.ask_max_chars:
            raise Rejected(
                f"That question is {len(question)} characters long; the limit is "
                f"{self.settings.ask_max_chars}. Ask something shorter."
            )
        return question

    async def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
    ) -> GivenAnswer:
        """Answer, honouring the guild's comment setting, and remember the answer so its
        buttons (sources, votes) work later, across restarts too."""
        question = self.check_question(question)
        filters = filters or SearchFilters()
        comments = await self.comment_mode(guild_id)
        if comments is CommentMode.EXCLUDE:
            wanted = await self.engine.infer_filters(question, filters)
            if wanted.kind == "comment":
                raise Rejected("This server has chosen not to quote reader comments.")
            filters = replace(filters, kind="article")
        answer = await self.engine.ask(question, filters)
        answer_id = "a_" + secrets.token_hex(8)
        await self.store.save_answer(
            answer_id,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            question=question,
            answer=answer.as_dict(),
        )
        return GivenAnswer(answer_id, answer, comments, question)

    async def cited_sources(self, answer_id: str) -> list[dict[str, Any]]:
        """The passages an answer quotes, each in context, in the order of the quotes."""
        stored = await self.store.answer(answer_id)
        if stored is None:
            raise Rejected("That answer is no longer known.")
        seen = dict.fromkeys(quote["passage_id"] for quote in stored["quotes"])
        sources = []
        for passage_id in seen:
            try:
                sources.append(await self.engine.source(passage_id))
            except NotFound:
                continue  # re-indexed away since the answer was given
        return sources

    async def vote(self, answer_id: str, user_id: int, up: bool) -> None:
        if await self.store.answer(answer_id) is None:
            raise Rejected("That answer is no longer known.")
        await self.store.vote(answer_id, user_id, 1 if up else -1)

    # --- conversations -------------------------------------------------------------------------

    async def start_conversation(self, thread_id: int, user_id: int, question: str) -> None:
        await self.store.add_turn(thread_id, user_id, question, question)

    async def follow_up(self, thread_id: int, user_id: int, question: str) -> str | None:
        """The follow-up as understood, recorded as the thread's latest question; None when
        ``thread_id`` is not a conversation thread."""
        previous = await self.store.last_question(thread_id)
        if previous is None:
            return None
        resolved = resolve_follow_up(previous, question)
        await self.store.add_turn(thread_id, user_id, question, resolved)
        return resolved

    async def is_conversation(self, thread_id: int) -> bool:
        return await self.store.last_question(thread_id) is not None

    # --- guild settings ------------------------------------------------------------------------

    async def comment_mode(self, guild_id: int | None) -> CommentMode:
        if guild_id is None:
            return CommentMode.SHOW
        value = await self.store.guild_setting(guild_id, COMMENTS_SETTING)
        return CommentMode(value) if value in CommentMode.__members__.values() else CommentMode.SHOW

    async def set_comment_mode(self, guild_id: int, mode: CommentMode) -> None:
        await self.store.set_guild_setting(guild_id, COMMENTS_SETTING, mode.value)

    # --- browsing ------------------------------------------------------------------------------

    async def search_pages(
        self, query: str, filters: SearchFilters | None = None, *, guild_id: int | None = None
    ) -> list[list[Hit]]:
        """The top passages for ``query``, in pages for Previous/Next."""
        if not content_words(query) and not words(query):
            raise Rejected("Give a few words to search for.")
        filters = filters or SearchFilters()
        if await self.comment_mode(guild_id) is CommentMode.EXCLUDE:
            filters = replace(filters, kind="article")
        hits = await self.engine.search(query, filters, SEARCH_RESULTS)
        return page(hits, SEARCH_PAGE_SIZE)

    async def sites(self) -> list[SiteSummary]:
        return await self.store.sites()

    async def site_documents(self, site: str) -> list[list[dict[str, Any]]]:
        documents = (await self.engine.sources())["documents"]
        matching = [d for d in documents if (d["site"] or "").casefold() == site.casefold()]
        return page(matching, DOCUMENTS_PAGE_SIZE)

    async def suggest(self, typed: str) -> list[Suggestion]:
        return await self.store.suggest(typed)

    async def timeline(
        self, query: str, filters: SearchFilters | None = None
    ) -> tuple[list[MonthCount], bytes | None]:
        """Matching passages per month and kind, and the chart of them (None when nothing
        dated matches). The chart renders in a worker thread: matplotlib takes ~100 ms."""
        terms = content_words(query) or words(query)
        if not terms:
            raise Rejected("Give a few words to chart.")
        counts = await self.store.timeline(terms, filters or SearchFilters())
        if not counts:
            return counts, None
        from bot.charts import timeline_png  # matplotlib: imported only when a chart is drawn

        return counts, await asyncio.to_thread(timeline_png, query, counts)
