"""``/stats``: how much the archive holds and when it was last ingested."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.format import stats_embed
from bot.discord.replies import NO_PINGS

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot


class Stats(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats")
    async def stats(self, interaction: discord.Interaction) -> None:
        """Documents, passages, comments, the last ingest and the index version."""
        await interaction.response.defer(thinking=True)
        stats = await self.bot.engine.stats()
        await interaction.followup.send(embed=stats_embed(stats), allowed_mentions=NO_PINGS)
