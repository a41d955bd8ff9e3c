"""``/timeline``: a chart of how often the archive mentions something, month by month."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot.cogs.sources import site_autocomplete
from bot.community import filters_from
from bot.discord_format import clip
from bot.discord_ui import FILTER_OPTIONS, NO_PINGS, community

if TYPE_CHECKING:
    from bot.discord_app import ArchivistBot


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
        filters = filters_from(kind, site)
        await interaction.response.defer(thinking=True)
        counts, png = await community(interaction).timeline(query, filters)
        shown = clip(escape_markdown(query), 200)
        if png is None:
            await interaction.followup.send(
                f"No dated passage in the archive matches “{shown}”.", allowed_mentions=NO_PINGS
            )
            return
        articles = sum(c.passages for c in counts if c.kind == "article")
        comments = sum(c.passages for c in counts if c.kind == "comment")
        await interaction.followup.send(
            f"Passages matching “{shown}” per month: {articles} in articles, "
            f"{comments} in reader comments.",
            file=discord.File(io.BytesIO(png), filename="timeline.png"),
            allowed_mentions=NO_PINGS,
        )
