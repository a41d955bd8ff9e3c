"""``/timeline``: a chart of how often the archive mentions something, month by month."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import community
from bot.discord.cogs.sources import site_autocomplete
from bot.discord.markdown import meta
from bot.discord.replies import FILTER_OPTIONS, NO_PINGS, checked_filters
from bot.services.community import CommentMode, check_chart_words

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot


class Timeline(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline")
    @app_commands.describe(
        query="Words to count, e.g. “Aleppo ceasefire”",
        kind=FILTER_OPTIONS["kind"],
        site=FILTER_OPTIONS["site"],
    )
    @app_commands.autocomplete(site=site_autocomplete)
    async def timeline(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, 200],
        kind: Literal["article", "comment"] | None = None,
        site: str | None = None,
    ) -> None:
        """Chart the archived passages matching a query per month, articles and comments."""
        service = community(interaction)
        # Refusals that need no counting come before the defer, so they stay private.
        check_chart_words(query)
        filters = await checked_filters(service, kind, site)
        comments, filters = await service.comment_policy(interaction.guild_id, filters)
        await interaction.response.defer(thinking=True)
        # ``filters`` already follow the server's comment setting, read above.
        counts, png = await service.timeline(query, filters)
        shown = meta(query, 200)
        if png is None:
            await interaction.followup.send(
                f"No dated passage in the archive matches “{shown}”.", allowed_mentions=NO_PINGS
            )
            return
        articles = sum(c.passages for c in counts if c.kind == "article")
        text = f"Passages matching “{shown}” per month: {articles} in articles"
        if comments is CommentMode.EXCLUDE:
            text += " (this server leaves reader comments out)."
        else:
            comment_count = sum(c.passages for c in counts if c.kind == "comment")
            text += f", {comment_count} in reader comments."
        await interaction.followup.send(
            text,
            file=discord.File(io.BytesIO(png), filename="timeline.png"),
            allowed_mentions=NO_PINGS,
        )
