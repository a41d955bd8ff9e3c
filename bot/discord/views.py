"""The views under Discord messages: Previous / Next under replies in pages, and the buttons
under an answer. Their state lives in their custom ids and SQLite, so they work across
restarts."""

from __future__ import annotations

import io
import re
from typing import Any, ClassVar, Self

import discord

from bot.discord.client import community
from bot.discord.format import (
    answer_messages,
    search_embed,
    site_documents_embed,
    sites_embed,
    source_messages,
)
from bot.discord.replies import NO_PINGS, Send, report_failure, send_embeds, tell
from bot.services.citations import EXPORT_FORMATS, FILE_SUFFIXES, render_citations
from bot.services.community import (
    SEARCH_PAGE_SIZE,
    SITES_PAGE_SIZE,
    CommentMode,
    GivenAnswer,
    Listing,
    Rejected,
    SearchResults,
    page,
)


async def send_answer(send: Send, given: GivenAnswer) -> None:
    spoiler = given.comments == "spoiler"
    view = answer_view(given.answer_id) if given.answer.answered else None
    await send_embeds(send, answer_messages(given.answer, spoiler), view)


async def listing_pages(interaction: discord.Interaction, listing: Listing) -> list[discord.Embed]:
    """What a reply lists, as the embeds of its pages: drawn from the archive and the server's
    comment setting as they are now (both may have changed since the reply was first sent)."""
    service = community(interaction)
    if isinstance(listing, SearchResults):
        comments = await service.comment_mode(interaction.guild_id)
        pages = listing.pages(comments)
        spoiler = comments is CommentMode.SPOILER
        return [
            search_embed(
                listing.query,
                hits,
                n,
                len(pages),
                first=n * SEARCH_PAGE_SIZE + 1,
                spoiler_comments=spoiler,
            )
            for n, hits in enumerate(pages)
        ]
    if listing.site:
        chunks = await service.site_documents(listing.site)
        return [
            site_documents_embed(listing.site, chunk, n, len(chunks))
            for n, chunk in enumerate(chunks)
        ]
    summaries = page(await service.sites(), SITES_PAGE_SIZE)
    return [sites_embed(chunk, n, len(summaries)) for n, chunk in enumerate(summaries)]


async def send_listing(interaction: discord.Interaction, listing: Listing) -> None:
    """A reply in pages, after a defer: one message, with Previous / Next when it has more than
    one page (the listing is then kept for them: ``Community.keep_pager``)."""
    pages = await listing_pages(interaction, listing)
    if len(pages) == 1:
        await interaction.followup.send(embed=pages[0], allowed_mentions=NO_PINGS)
        return
    pager_id = await community(interaction).keep_pager(interaction.user.id, listing)
    await interaction.followup.send(
        embed=pages[0], view=pager_view(pager_id, 0, len(pages)), allowed_mentions=NO_PINGS
    )


class TurnPage(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"archivist:page:(?P<pager>l_[0-9a-f]+):(?P<page>\d+):(?P<step>previous|next)",
):
    """Previous or Next under a reply in pages: shows page ``page`` of it, to everyone. A
    dynamic item: its state is in its custom id and SQLite, so it works on replies sent before
    a restart and never times out. Only the member who asked pages (the message is everyone's
    to read, and paging moves it for all)."""

    def __init__(self, pager_id: str, page: int, step: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=step.capitalize(),
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                # The step keeps the two buttons' ids apart where both lead to one page.
                custom_id=f"archivist:page:{pager_id}:{page}:{step}",
            )
        )
        self.pager_id = pager_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TurnPage:
        return cls(match["pager"], int(match["page"]), match["step"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            pager = await community(interaction).pager(self.pager_id)
            if interaction.user.id != pager.user_id:
                await tell(
                    interaction,
                    f"Only <@{pager.user_id}> can page these results; "
                    "run the command yourself to browse your own.",
                )
                return
            pages = await listing_pages(interaction, pager.listing)
            # Fewer pages than when the button was drawn: passages re-indexed away, or comments
            # the server has excluded since.
            shown = min(self.page, len(pages) - 1)
            await interaction.response.edit_message(
                embed=pages[shown],
                view=pager_view(self.pager_id, shown, len(pages)),
                allowed_mentions=NO_PINGS,
            )
        except Exception as error:
            await report_failure(interaction, error)


def pager_view(pager_id: str, shown: int, pages: int) -> discord.ui.View:
    """Previous and Next under page ``shown`` of ``pages``, each off where it leads nowhere."""
    view = discord.ui.View(timeout=None)
    view.add_item(TurnPage(pager_id, max(shown - 1, 0), "previous", disabled=shown <= 0))
    view.add_item(
        TurnPage(pager_id, min(shown + 1, pages - 1), "next", disabled=shown >= pages - 1)
    )
    return view


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    # Never registered itself: each kind of button matches its own custom ids.
    template=r"archivist:(?P<action>[a-z]+):(?P<answer>a_[0-9a-f]+)",
):
    """A button under an answer whose state is the answer's id, in its custom id, and what
    SQLite remembers of the answer: a dynamic item, so it works on answers given before a
    restart. A kind of button names its ``action`` (the custom id's middle) and its look."""

    action: ClassVar[str]
    button_label: ClassVar[str]
    button_style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.button_label,
                style=self.button_style,
                custom_id=f"archivist:{self.action}:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["answer"])


class ShowSources(AnswerButton, template=r"archivist:sources:(?P<answer>a_[0-9a-f]+)"):
    """The passages an answer quotes, in context, privately."""

    action = "sources"
    button_label = "Show sources"
    button_style = discord.ButtonStyle.primary

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            service = community(interaction)
            # The server's setting now, not when the answer was given: it may have changed.
            comments = await service.comment_mode(interaction.guild_id)
            sources = await service.cited_sources(self.answer_id, comments)
            if not sources:
                raise Rejected(
                    "The quoted passages are reader comments, which this server does not quote."
                    if comments is CommentMode.EXCLUDE
                    and await service.cited_sources(self.answer_id)
                    else "The quoted passages are no longer in the archive."
                )
            spoiler = comments is CommentMode.SPOILER
            for embeds in source_messages(sources, spoiler_comments=spoiler):
                await interaction.followup.send(
                    embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS
                )
        except Exception as error:
            await report_failure(interaction, error)


class ExportCitations(AnswerButton, template=r"archivist:export:(?P<answer>a_[0-9a-f]+)"):
    """The citations of an answer's quotes as files (Markdown, CSV, BibTeX: what ``archivist
    ask --format`` prints), privately."""

    action = "export"
    button_label = "Export"

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            service = community(interaction)
            # The server's setting now, as for Show sources.
            comments = await service.comment_mode(interaction.guild_id)
            citations = await service.answer_citations(self.answer_id, comments)
            files = [
                discord.File(
                    io.BytesIO(render_citations(citations, export_format).encode("utf-8")),
                    filename=f"citations-{self.answer_id}.{FILE_SUFFIXES[export_format]}",
                )
                for export_format in EXPORT_FORMATS
            ]
            await interaction.followup.send(
                f"The {len(citations)} quote(s) of this answer, cited as Markdown, CSV and BibTeX.",
                files=files,
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        except Exception as error:
            await report_failure(interaction, error)


class Vote(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"archivist:vote:(?P<answer>a_[0-9a-f]+):(?P<vote>up|down)",
):
    """👍 / 👎 on an answer, stored with the question, the answer and the voter's id."""

    def __init__(self, answer_id: str, up: bool) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"archivist:vote:{answer_id}:{'up' if up else 'down'}",
            )
        )
        self.answer_id = answer_id
        self.up = up

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Vote:
        return cls(match["answer"], match["vote"] == "up")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await community(interaction).vote(self.answer_id, interaction.user.id, self.up)
            await tell(
                interaction,
                "Thanks, your vote is noted."
                if self.up
                else "Thanks: noted. Answers voted down are reviewed.",
            )
        except Exception as error:
            await report_failure(interaction, error)


def answer_view(answer_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ShowSources(answer_id))
    view.add_item(Vote(answer_id, up=True))
    view.add_item(Vote(answer_id, up=False))
    view.add_item(ExportCitations(answer_id))
    return view
