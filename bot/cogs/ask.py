"""``/ask``: a question answered with quotes from the archive."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_format import answer_embed
from bot.engine import Engine

MAX_QUESTION_CHARS = 500


class Ask(commands.Cog):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know, e.g. “what did readers say about the ceasefire?”"
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
    ) -> None:
        """Ask the archive a question; the answer quotes articles and reader comments."""
        # Defer first: the answer can take longer than the 3 s Discord allows before a reply.
        await interaction.response.defer(thinking=True)
        answer = await self.engine.ask(question)
        await interaction.followup.send(
            embed=answer_embed(answer), allowed_mentions=discord.AllowedMentions.none()
        )
