"""The views under Discord messages: the paged-embed view and the buttons under an answer
(whose state lives in their custom ids, so they work across restarts)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import discord

from bot.discord.client import community
from bot.discord.format import answer_messages, source_messages
from bot.discord.replies import NO_PINGS, Send, report_failure, send_embeds, tell
from bot.services.citations import EXPORT_FORMATS, FILE_SUFFIXES, render_citations
from bot.services.community import CommentMode, GivenAnswer, Rejected

log = logging.getLogger("bot.discord")

PAGER_TIMEOUT_S = 900.0


async def send_answer(send: Send, given: GivenAnswer) -> None:
    spoiler = given.comments == "spoiler"
    view = answer_view(given.answer_id) if given.answer.answered else None
    await send_embeds(send, answer_messages(given.answer, spoiler), view)


class Pager(discord.ui.View):
    """Previous/Next through pre-rendered pages of one public message. Only the member who
    asked pages it (the message is everyone's to read, and paging moves it for all); when the
    pager times out its buttons are disabled, so nobody clicks a dead button."""

    def __init__(self, pages: Sequence[discord.Embed], asked: discord.Interaction) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.pages = list(pages)
        self.owner_id = asked.user.id
        self.index = 0
        #: The message the pager is under, set once it is sent; what the timeout edits.
        self.message: discord.Message | None = None
        #: The latest interaction on the message, whose token can edit it for 15 minutes.
        self.latest = asked
        self._update()

    def _update(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            self.latest = interaction
            return True
        await tell(
            interaction,
            f"Only <@{self.owner_id}> can page these results; "
            "run the command yourself to browse your own.",
        )
        return False

    async def on_timeout(self) -> None:
        self.previous.disabled = self.next.disabled = True
        if self.message is None:
            return
        # The bot's own token edits a public message at any age; an interaction's token only
        # for 15 minutes, about when this runs. It is the fallback, for a channel the bot
        # cannot read (interactions reach it there, its own requests do not).
        channel = self.latest.client.get_partial_messageable(
            self.message.channel.id, guild_id=self.latest.guild_id
        )
        try:
            await channel.get_partial_message(self.message.id).edit(view=self)
            return
        except discord.HTTPException as error:
            failure = error
        if not self.latest.is_expired():
            try:
                await self.latest.edit_original_response(view=self)
                return
            except discord.HTTPException as error:
                failure = error
        log.info("could not disable the buttons of message %s: %s", self.message.id, failure)

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(self.index + step, len(self.pages) - 1))
        self._update()
        await interaction.response.edit_message(
            embed=self.pages[self.index], view=self, allowed_mentions=NO_PINGS
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, +1)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_failure(interaction, error)


async def send_pages(interaction: discord.Interaction, pages: Sequence[discord.Embed]) -> None:
    """Pages after a defer: one message, with Previous/Next when there is more than one."""
    if len(pages) == 1:
        await interaction.followup.send(embed=pages[0], allowed_mentions=NO_PINGS)
        return
    view = Pager(pages, interaction)
    view.message = await interaction.followup.send(
        embed=pages[0], view=view, allowed_mentions=NO_PINGS, wait=True
    )


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
