"""``/reindex``: ingest the archive folder again from Discord (admins only), with progress."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import admin_only
from bot.discord.markdown import escape_text
from bot.discord.reindex_messages import progress_text, reindex_report_text
from bot.discord.replies import NO_PINGS, tell
from bot.services.reindex import BadPath, Progress, ReindexBusy

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot

log = logging.getLogger(__name__)


class Reindex(commands.Cog):
    #: Seconds between two edits of the progress message: Discord rate-limits message edits
    #: (about 5 per 5 s per channel), and a bar that moves every second reads fine.
    progress_interval: float = 1.5

    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot
        self._followers: set[asyncio.Task[None]] = set()

    @app_commands.command(name="reindex")
    @app_commands.describe(
        path="A folder or file inside the archive folder (default: all of it)",
        rebuild="Embed every passage again into a new generation of the vectors first",
        prune="Remove archived pages whose files are gone from the folder",
    )
    @admin_only()
    async def reindex(
        self,
        interaction: discord.Interaction,
        path: str | None = None,
        rebuild: bool = False,
        prune: bool = False,
    ) -> None:
        """Ingest the archive folder again (new and changed pages), showing progress here."""
        reindexer = self.bot.reindexer
        try:
            target = reindexer.resolve(path)
        except BadPath as error:
            await tell(interaction, str(error))
            return
        if reindexer.running:
            await tell(interaction, "A re-index is already running; wait for its report.")
            return
        where = reindexer.shown(target)
        await tell(interaction, f"Re-indexing `{where}`; the progress is shown in this channel.")
        # A channel message, edited with the bot's token: an interaction's token (and with it
        # the edits of its response) expires after 15 minutes, and a large archive takes longer.
        message = await _progress_message(interaction, f"**Re-indexing** `{where}`: starting…")
        latest: list[Progress] = []
        changed = asyncio.Event()

        def on_progress(progress: Progress) -> None:
            latest[:] = [progress]
            changed.set()

        try:
            run = reindexer.start(target, on_progress, rebuild=rebuild, prune=prune)
        except ReindexBusy as error:  # lost a race with another /reindex
            await message.edit(content=str(error), allowed_mentions=NO_PINGS)
            return
        follower = asyncio.create_task(
            self._follow(message, where, run, latest, changed, pruned=prune)
        )
        self._followers.add(follower)
        follower.add_done_callback(self._followers.discard)

    async def _follow(
        self,
        message: discord.Message,
        where: str,
        run: asyncio.Task,
        latest: list[Progress],
        changed: asyncio.Event,
        *,
        pruned: bool = False,
    ) -> None:
        async def publish() -> None:
            while True:
                await changed.wait()
                changed.clear()
                await message.edit(content=progress_text(where, latest[0]))
                await asyncio.sleep(self.progress_interval)

        publisher = asyncio.create_task(publish())
        try:
            report = await run
        except Exception:
            log.exception("re-index of %s failed", where)
            final = f"**Re-index of** `{where}` **failed**; the error has been logged."
        else:
            stats = await self.bot.engine.stats()
            notes: list[str] = []
            rebuilt = self.bot.reindexer.last_rebuild
            if rebuilt is not None:
                notes.append(f"Vectors rebuilt: {escape_text(rebuilt.summary())}")
            if pruned:
                notes.append(f"Pruned {report.pages_pruned} page(s) whose files are gone")
            final = reindex_report_text(where, report, stats, tuple(notes))
        finally:
            publisher.cancel()
            await asyncio.gather(publisher, return_exceptions=True)
        try:
            await message.edit(content=final, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.exception("could not post the re-index report")

    async def cog_unload(self) -> None:
        for follower in list(self._followers):
            follower.cancel()


async def _progress_message(interaction: discord.Interaction, text: str) -> discord.Message:
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        try:
            return await channel.send(text, allowed_mentions=NO_PINGS)
        except discord.Forbidden:
            pass  # no Send Messages here: fall back to a followup (edits for 15 minutes)
    return await interaction.followup.send(text, allowed_mentions=NO_PINGS, wait=True)
