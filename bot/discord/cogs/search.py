"""``/search``: the passages that match a query, paged (``views.TurnPage``), each with its id
for ``/source``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import community
from bot.discord.cogs.sources import site_autocomplete
from bot.discord.replies import FILTER_OPTIONS, checked_filters
from bot.discord.views import send_listing
from bot.services.community import check_search_words

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot


class Search(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    @app_commands.command(name="search")
    @app_commands.describe(
        query="Words to look for, e.g. “ceasefire Aleppo”",
        **FILTER_OPTIONS,
    )
    @app_commands.autocomplete(site=site_autocomplete)
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, 300],
        kind: Literal["article", "comment"] | None = None,
        site: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        """Find the archived passages that match a query, best first."""
        service = community(interaction)
        # Refusals that need no search come before the defer, so they stay private.
        check_search_words(query)
        filters = await checked_filters(service, kind, site, since, until)
        _, filters = await service.comment_policy(interaction.guild_id, filters)
        await interaction.response.defer(thinking=True)
        # ``filters`` already follow the server's comment setting, read above.
        await send_listing(interaction, await service.search(query, filters))
