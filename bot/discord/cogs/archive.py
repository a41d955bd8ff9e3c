"""``/archive``: add one page to the archive from Discord (admins only), from an attached file
or a web address. The checks, the fetch and the ingest are ``bot.services.archive_add``'s;
this cog reads the command and answers, privately."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import admin_only
from bot.discord.markdown import fit
from bot.discord.replies import NO_PINGS, tell
from bot.services.archive_add import (
    ALLOWED_LIST,
    AddedPage,
    AddressPolicy,
    PageAdder,
    PageFetcher,
    Refused,
    Upload,
    attachment_suffix,
    checked_upload,
)

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot

WAITING_NOTICE = "Saved; another ingest is running on this archive, so the page waits for it…"


class AddToArchive(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot
        self.adder = PageAdder(bot.reindexer)
        self.fetcher = PageFetcher(
            AddressPolicy(allow_private=bot.settings.archive_fetch_allow_private)
        )
        self._notices: set[asyncio.Task[None]] = set()

    @app_commands.command(name="archive")
    @app_commands.describe(
        attachment=f"A saved page to add: {ALLOWED_LIST}, up to 20 MB",
        url="The web address of a page to fetch and add (http or https)",
    )
    @admin_only()
    async def archive(
        self,
        interaction: discord.Interaction,
        attachment: discord.Attachment | None = None,
        url: str | None = None,
    ) -> None:
        """Add a page to the archive, from an attached file or a web address."""
        if (attachment is None) == (url is None):
            await tell(interaction, "Give either an attachment or a url, one of the two.")
            return
        if attachment is not None:
            # Refused at once, before a download, when its name or stated size rule it out.
            attachment_suffix(attachment.filename, attachment.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        upload = await self._upload(attachment, url or "")
        added = await self.adder.add(upload, on_wait=lambda: self._say_waiting(interaction))
        await interaction.followup.send(
            added_text(added), ephemeral=True, allowed_mentions=NO_PINGS
        )

    async def _upload(self, attachment: discord.Attachment | None, url: str) -> Upload:
        if attachment is None:
            return await self.fetcher.fetch(url)
        suffix = attachment_suffix(attachment.filename, attachment.size)
        try:
            data = await attachment.read()
        except discord.HTTPException:
            raise Refused("Discord did not hand over that attachment; attach it again.") from None
        return checked_upload(data, suffix)

    def _say_waiting(self, interaction: discord.Interaction) -> None:
        notice = asyncio.create_task(interaction.edit_original_response(content=WAITING_NOTICE))
        self._notices.add(notice)
        notice.add_done_callback(self._notices.discard)

    async def cog_unload(self) -> None:
        for notice in list(self._notices):
            notice.cancel()


def added_text(added: AddedPage) -> str:
    """What /archive added, in one sentence."""
    report = added.report
    notes = [
        f"{count} {what}"
        for count, what in (
            (report.pages_updated, "updated an archived version"),
            (report.pages_unchanged, "already archived as it is"),
            (report.pages_linked, "linked to an archived duplicate"),
        )
        if count
    ]
    titles = "".join(f"“{fit(title, 120)}” " for title in added.titles[:3])
    return (
        f"Added {titles}as `{added.name}`: {_count(report.pages_ingested, 'page')}"
        f"{' (' + '; '.join(notes) + ')' if notes else ''}, "
        f"{_count(added.passages, 'passage')}, {_count(added.comments, 'comment')}."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
