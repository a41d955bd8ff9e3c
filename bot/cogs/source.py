"""``/source``: one archived passage in context, to check a quote against its page."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_format import source_embed
from bot.engine import Engine, NotFound


class Source(commands.Cog):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @app_commands.command(name="source")
    @app_commands.rename(passage_id="id")
    @app_commands.describe(passage_id="A passage id from an answer, e.g. p_23db178de771fb10bddb")
    async def source(self, interaction: discord.Interaction, passage_id: str) -> None:
        """Show an archived passage with the text around it and where it was published."""
        try:
            found = await self.engine.source(passage_id.strip())
        except NotFound:
            # inside a code span markdown is inert, so only a backtick could break out of it
            shown = passage_id[:80].replace("`", "'")
            await interaction.response.send_message(
                f"No archived passage has the id `{shown}`.",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        await interaction.response.send_message(
            embed=source_embed(found), allowed_mentions=discord.AllowedMentions.none()
        )
