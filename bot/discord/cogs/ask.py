"""``/ask``: a question answered with quotes from the archive, with buttons under it."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import archivist, community
from bot.discord.cogs.sources import site_autocomplete
from bot.discord.replies import FILTER_OPTIONS, checked_filters
from bot.discord.views import send_answer

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot


def cap_question(command: app_commands.Command[Any, ..., None], limit: int) -> None:
    """Have Discord's client refuse a ``question`` option over ``limit`` characters before it
    is sent (on the cog's own copy of ``command``, before the tree is synced)."""
    params = command._params
    params["question"] = dataclasses.replace(params["question"], max_value=limit)


class Ask(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot
        # Discord's client refuses a question over ASK_MAX_CHARS before it is sent. The limit
        # is a setting, read at run time, so it cannot be an app_commands.Range (fixed when
        # the class is defined); it goes on this cog's own copy of the command (discord.py
        # copies commands per cog instance) before the tree is synced.
        cap_question(self.ask, bot.settings.ask_max_chars)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know, e.g. “what did readers say about the ceasefire?”",
        **FILTER_OPTIONS,
    )
    @app_commands.autocomplete(site=site_autocomplete)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        kind: Literal["article", "comment"] | None = None,
        site: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        """Ask the archive a question; the answer quotes articles and reader comments."""
        service = community(interaction)
        # Refusals that need no work come first, privately: after the defer below, the first
        # message replaces the public "thinking…" placeholder. The cooldown comes after them,
        # so that a refused question costs nothing.
        question = service.check_question(question)
        filters = await checked_filters(service, kind, site, since, until)
        await service.comment_policy(interaction.guild_id, filters, question)
        with archivist(interaction).ask_limiter.counted(interaction.user.id):
            # Defer next: the answer can take longer than the 3 s Discord allows before a reply.
            await interaction.response.defer(thinking=True)
            given = await service.ask(
                question,
                filters,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                user_id=interaction.user.id,
            )
        await send_answer(interaction.followup.send, given)
