"""``/sources``: what is archived, per site (dates, counts), or one site's pages; paged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import community
from bot.discord.markdown import clip
from bot.discord.views import send_listing
from bot.services.community import SiteListing, site_choice_value

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot


async def site_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The archived sites whose name or address holds what has been typed
    (``Community.site_choices``). A choice's value is at most
    100 characters: a longer name is sent as a key the commands resolve back to it."""
    sites = await community(interaction).site_choices(current)
    return [app_commands.Choice(name=clip(s, 100), value=site_choice_value(s)) for s in sites][:25]


class Sources(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    @app_commands.describe(site="List the archived pages of this site instead of every site")
    @app_commands.autocomplete(site=site_autocomplete)
    async def sources(self, interaction: discord.Interaction, site: str | None = None) -> None:
        """What the archive holds: pages, passages and comments per site, with dates."""
        site = await community(interaction).resolve_site(site)
        await interaction.response.defer(thinking=True)
        await send_listing(interaction, SiteListing(site))
