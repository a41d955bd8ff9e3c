"""``/search``: the passages that match a query, paged, each with its id for ``/source``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import community
from bot.discord.cogs.sources import site_autocomplete
from bot.discord.format import search_embed
from bot.discord.replies import FILTER_OPTIONS, checked_filters
from bot.discord.views import send_pages
from bot.services.community import SEARCH_PAGE_SIZE, CommentMode, check_search_words

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
        comments, filters = await service.comment_policy(interaction.guild_id, filters)
        await interaction.response.defer(thinking=True)
        # ``filters`` already follow the server's comment setting, read above.
        pages = await service.search_pages(query, filters)
        spoiler = comments is CommentMode.SPOILER
        embeds = [
            search_embed(
                query, hits, n, len(pages), first=n * SEARCH_PAGE_SIZE + 1, spoiler_comments=spoiler
            )
            for n, hits in enumerate(pages)
        ]
        await send_pages(interaction, embeds)
