"""The Discord shell: a ``commands.Bot`` whose cogs parse, call the engine and format."""

from __future__ import annotations

import logging
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.cogs.ask import Ask
from bot.cogs.source import Source
from bot.engine import Engine
from bot.settings import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Settings

log = logging.getLogger(__name__)

GENERIC_ERROR = "Something went wrong while answering; the error has been logged."


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic to other endpoints (a proxy, a test server).

    discord.py keeps Discord's hosts in two class attributes, both process-wide:

    * ``discord.http.Route.BASE`` prefixes every REST URL, interaction callbacks, followups and
      ``@original`` edits included: the webhook adapter builds its URLs with the same ``Route``,
      so there is no separate webhook base.
    * ``DiscordWebSocket.DEFAULT_GATEWAY`` is where a plain ``commands.Bot`` connects (it never
      asks ``GET /gateway/bot``) and where it reconnects after an invalidated session. Sharded
      clients and resumes take the URL the server hands out instead.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class ArchivistBot(commands.Bot):
    def __init__(self, engine: Engine, settings: Settings, **client_options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # Archived comments may contain @everyone or role mentions: nothing we send pings.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **client_options,
        )
        self.engine = engine
        self.settings = settings
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        await self.add_cog(Ask(self.engine))
        await self.add_cog(Source(self.engine))
        # Guild commands appear at once; global ones can take an hour, so they are synced only
        # on purpose, never at every start.
        for guild_id in self.settings.discord_guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)

    async def on_ready(self) -> None:
        log.info("connected as %s (%s)", self.user, self.user.id if self.user else "?")

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Every failure reaches the user as a short private message and the log as a trace."""
        command = interaction.command.name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=error)
        message = str(error) if isinstance(error, app_commands.CheckFailure) else GENERIC_ERROR
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)


def create_bot(settings: Settings, engine: Engine, **client_options: Any) -> ArchivistBot:
    """The bot, with discord.py pointed at the configured endpoints when they are not Discord's."""
    if (settings.discord_api_base, settings.discord_gateway_url) != (
        DISCORD_API_BASE,
        DISCORD_GATEWAY_URL,
    ):
        point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    return ArchivistBot(engine, settings, **client_options)


async def run_discord(settings: Settings, engine: Engine) -> None:
    """Run the bot until it is stopped."""
    assert settings.discord_token is not None
    async with create_bot(settings, engine) as bot:
        await bot.start(settings.discord_token.get_secret_value())
