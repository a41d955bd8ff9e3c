"""What a server that keeps the bot gets beside plain answers, with no Discord in it: answers
and paged replies remembered for their buttons, feedback, per-guild comment settings,
conversation follow-ups, search, the per-site overview, the timeline and id suggestions.

The Discord cogs stay thin: they parse, call this, and format.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.answering.answer import Answer
from bot.answering.engine import Engine, NotFound
from bot.services.citations import Citation, CitedSpan, cite
from bot.settings import Settings
from index.community import CommunityStore, MonthCount, SiteSummary, Suggestion
from index.models import KINDS, Hit, SearchFilters
from index.sites import site_key
from index.text import content_words, words

COMMENTS_SETTING = "comments"
SEARCH_RESULTS = 25
SEARCH_PAGE_SIZE = 5
SITES_PAGE_SIZE = 8
DOCUMENTS_PAGE_SIZE = 10
NO_COMMENTS = "This server has chosen not to quote reader comments."
#: Discord's limit on an autocomplete choice's value.
CHOICE_VALUE_LIMIT = 100
_SITE_KEY_DIGITS = 12
_SITE_KEY = re.compile(rf"…#(?P<digest>[0-9a-f]{{{_SITE_KEY_DIGITS}}})$")

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


@dataclass(frozen=True, slots=True)
class SearchResults:
    """What a /search reply lists: its query and the passages found, best first."""

    query: str
    hits: list[Hit]

    def pages(self, comments: CommentMode) -> list[list[Hit]]:
        """The hits in pages for Previous / Next, without comments where the server excludes
        them (results kept from before it did may hold some)."""
        excluded = comments is CommentMode.EXCLUDE
        return page(
            [hit for hit in self.hits if not (excluded and hit.passage.kind == "comment")],
            SEARCH_PAGE_SIZE,
        )


@dataclass(frozen=True, slots=True)
class SiteListing:
    """What a /sources reply lists: every site (``site`` None), or one site's pages."""

    site: str | None = None


#: What a reply shown in pages lists; kept for its buttons (``Community.keep_pager``).
Listing = SearchResults | SiteListing


@dataclass(frozen=True, slots=True)
class Pager:
    """A reply in pages, as its buttons find it: who may page it, and what it lists."""

    user_id: int
    listing: Listing


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


def page(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _site_digest(site: str) -> str:
    return hashlib.sha256(site.encode()).hexdigest()[:_SITE_KEY_DIGITS]


def site_choice_value(site: str) -> str:
    """What a site's autocomplete choice sends back when picked: the name itself when it fits
    Discord's 100 characters, else its start and a digest of the whole name, which
    :meth:`Community.resolve_site` maps back. A name merely cut at 100 characters would match
    no site, and two long names may share their first 100 characters."""
    if len(site) <= CHOICE_VALUE_LIMIT:
        return site
    keep = CHOICE_VALUE_LIMIT - _SITE_KEY_DIGITS - 2
    return f"{site[:keep]}…#{_site_digest(site)}"


def check_search_words(query: str) -> None:
    """/search needs a word to look for; refused before any work is done."""
    if not content_words(query) and not words(query):
        raise Rejected("Give a few words to search for.")


def check_chart_words(query: str) -> list[str]:
    """The words /timeline counts; refused before any work when there are none."""
    terms = content_words(query) or words(query)
    if not terms:
        raise Rejected("Give a few words to chart.")
    return terms


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
        comments, filters = await self.comment_policy(guild_id, filters, question)
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

    async def _remembered(self, answer_id: str) -> dict[str, Any]:
        """An answer given earlier, as stored for its buttons."""
        stored = await self.store.answer(answer_id)
        if stored is None:
            raise Rejected("That answer is no longer known.")
        return stored

    async def cited_sources(
        self, answer_id: str, comments: CommentMode = CommentMode.SHOW
    ) -> list[dict[str, Any]]:
        """The passages an answer quotes, each in context, in the order of the quotes; under
        ``exclude`` without the comments (an answer given before the setting changed may
        quote some)."""
        stored = await self._remembered(answer_id)
        seen = dict.fromkeys(quote["passage_id"] for quote in stored["quotes"])
        sources = []
        for passage_id in seen:
            try:
                source = await self.engine.source(passage_id)
            except NotFound:
                continue  # re-indexed away since the answer was given
            if comments is CommentMode.EXCLUDE and source["kind"] == "comment":
                continue
            sources.append(source)
        return sources

    async def answer_citations(
        self, answer_id: str, comments: CommentMode = CommentMode.SHOW
    ) -> list[Citation]:
        """The citations of an answer's quotes (its Export button), read back from the archive:
        a quote whose passage is gone or holds other words since is left out, and under
        ``exclude`` so are the comments. Refused when nothing is left to cite."""
        quotes = (await self._remembered(answer_id))["quotes"]
        kept = [
            quote
            for quote in quotes
            if not (comments is CommentMode.EXCLUDE and quote["kind"] == "comment")
        ]
        spans = [CitedSpan(q["passage_id"], q["start"], q["end"], q["text"]) for q in kept]
        cited = await cite(self.engine, spans)
        if not cited.citations:
            raise Rejected(
                "The quoted passages are reader comments, which this server does not quote."
                if quotes and not kept
                else "The quoted passages are no longer in the archive."
            )
        return cited.citations

    async def source(
        self, passage_id: str, guild_id: int | None
    ) -> tuple[dict[str, Any], CommentMode]:
        """One passage in context and the guild's comment mode; a comment is refused where the
        guild excludes them. Raises NotFound for an unknown id."""
        found = await self.engine.source(passage_id)
        mode = await self.comment_mode(guild_id)
        if mode is CommentMode.EXCLUDE and found["kind"] == "comment":
            raise Rejected(NO_COMMENTS)
        return found, mode

    async def vote(self, answer_id: str, user_id: int, up: bool) -> None:
        await self._remembered(answer_id)
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

    async def comment_policy(
        self,
        guild_id: int | None,
        filters: SearchFilters | None = None,
        question: str | None = None,
    ) -> tuple[CommentMode, SearchFilters]:
        """The guild's comment mode, and ``filters`` narrowed to articles under ``exclude``.
        Asking for comments there (``kind:comment``, or a ``question`` about readers: "what
        did readers say…") is refused. Cheap (a settings read, the question's own words), so
        callers run it before they defer or start a thread, and the refusal stays private."""
        filters = filters or SearchFilters()
        mode = await self.comment_mode(guild_id)
        if mode is CommentMode.EXCLUDE:
            wanted = await self.engine.infer_filters(question, filters) if question else filters
            if wanted.kind == "comment":
                raise Rejected(NO_COMMENTS)
            filters = replace(filters, kind="article")
        return mode, filters

    # --- browsing ------------------------------------------------------------------------------

    async def search(
        self, query: str, filters: SearchFilters | None = None, *, guild_id: int | None = None
    ) -> SearchResults:
        """The top passages for ``query`` (articles only where the guild excludes comments)."""
        check_search_words(query)
        _, filters = await self.comment_policy(guild_id, filters)
        return SearchResults(query, await self.engine.search(query, filters, SEARCH_RESULTS))

    async def keep_pager(self, user_id: int, listing: Listing) -> str:
        """Remember a reply shown in pages, so that its buttons work later, across restarts
        too; returns the id they carry. Search results are kept as passage ids: every page
        shows the passages the search found, whatever an ingest has done to the ranking since."""
        if isinstance(listing, SearchResults):
            results = [[hit.passage.passage_id, hit.score] for hit in listing.hits]
            kept: dict[str, Any] = {"search": listing.query, "results": results}
        else:
            kept = {"sources": listing.site}
        pager_id = "l_" + secrets.token_hex(8)
        await self.store.save_pager(pager_id, user_id=user_id, listing=kept)
        return pager_id

    async def pager(self, pager_id: str) -> Pager:
        """A reply kept by ``keep_pager``; its passages re-indexed away since are left out."""
        stored = await self.store.pager(pager_id)
        if stored is None:
            raise Rejected("These results are no longer known; run the command again.")
        user_id, kept = stored
        if "search" not in kept:
            return Pager(user_id, SiteListing(kept["sources"]))
        found = await self.engine.archive.store.passages([pid for pid, _ in kept["results"]])
        hits = [Hit(found[pid], score) for pid, score in kept["results"] if pid in found]
        return Pager(user_id, SearchResults(kept["search"], hits))

    async def sites(self) -> list[SiteSummary]:
        return await self.store.sites()

    async def resolve_site(self, site: str | None) -> str | None:
        """The site a ``site`` option names: a long name's autocomplete key
        (:func:`site_choice_value`) becomes the name again; a name typed in another case or
        without its accents, or a site's address ("nationalpost.com"), becomes the stored
        name; anything else is kept as typed (and finds nothing)."""
        if not site:
            return site
        if len(site) == CHOICE_VALUE_LIMIT and (key := _SITE_KEY.search(site)):
            for summary in await self.sites():
                if summary.site and _site_digest(summary.site) == key["digest"]:
                    return summary.site
        return await self.engine.archive.store.site_named(site) or site

    async def site_choices(self, typed: str) -> list[str]:
        """The archived sites whose name holds what has been typed, in any case and without
        accents, or whose address does ("nationalp" finds National Post), in the overview's
        order."""
        key = site_key(typed)
        host = typed.strip().casefold()
        hosts = await self.engine.archive.store.site_hosts()

        def chosen(site: str) -> bool:
            return key in site_key(site) or any(host in h for h in hosts.get(site, []))

        return [
            summary.site for summary in await self.sites() if summary.site and chosen(summary.site)
        ]

    async def site_documents(self, site: str) -> list[list[dict[str, Any]]]:
        documents = (await self.engine.sources())["documents"]
        matching = [d for d in documents if (d["site"] or "").casefold() == site.casefold()]
        return page(matching, DOCUMENTS_PAGE_SIZE)

    async def suggest(self, typed: str, *, guild_id: int | None = None) -> list[Suggestion]:
        """Passages for ``/source``'s autocomplete; articles only where the guild excludes
        comments, since ``/source`` would refuse a comment there."""
        _, filters = await self.comment_policy(guild_id)
        return await self.store.suggest(typed, kind=filters.kind)

    async def timeline(
        self, query: str, filters: SearchFilters | None = None, *, guild_id: int | None = None
    ) -> tuple[list[MonthCount], bytes | None]:
        """Matching passages per month and kind, and the chart of them (None when nothing
        dated matches); articles only where the guild excludes comments. The chart renders in
        a worker thread: matplotlib takes ~100 ms."""
        terms = check_chart_words(query)
        _, filters = await self.comment_policy(guild_id, filters)
        counts = await self.store.timeline(terms, filters)
        if not counts:
            return counts, None
        from bot.services.charts import (
            timeline_png,  # matplotlib: imported only when a chart is drawn
        )

        kinds = (filters.kind,) if filters.kind else KINDS
        return counts, await asyncio.to_thread(timeline_png, query, counts, kinds)
