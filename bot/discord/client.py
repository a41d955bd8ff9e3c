"""The discord.py client: a ``commands.Bot`` holding the engine, the settings and the per-server
services, with no cog of its own. The features (cogs, persistent buttons) are handed to it by
``bot.discord.app``, so that the cogs can import this module without a cycle."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.engine import Engine
from bot.discord.cooldown import AskLimiter
from bot.discord.replies import report_failure
from bot.services.community import Community
from bot.services.reindex import Reindexer
from bot.settings import Settings

log = logging.getLogger(__name__)

#: Adds one feature (a cog, persistent buttons) to the bot during ``setup_hook``.
Feature = Callable[["ArchivistBot"], Awaitable[None]]


class ArchivistBot(commands.Bot):
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        features: Sequence[Feature] = (),
        **client_options: Any,
    ) -> None:
        intents = discord.Intents.default()
        # Privileged: without it, plain messages in a conversation thread arrive empty.
        intents.message_content = settings.discord_message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            # Archived comments may contain @everyone or role mentions: nothing we send pings.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **client_options,
        )
        self.engine = engine
        self.settings = settings
        self.features = list(features)
        self.reindexer = Reindexer(engine, settings.archive_dir)
        self.ask_limiter = AskLimiter(settings.ask_cooldown_rate, settings.ask_cooldown_seconds)
        self._community: Community | None = None
        self.tree.on_error = self.on_app_command_error

    @property
    def community(self) -> Community:
        if self._community is None:
            raise RuntimeError("the bot has not been set up yet")
        return self._community

    async def setup_hook(self) -> None:
        self._community = await Community.open(self.engine, self.settings)
        for feature in self.features:
            await feature(self)
        # Guild commands appear at once; global ones can take an hour, so they are synced only
        # on purpose (``archivist sync-commands``), never at every start.
        for guild_id in self.settings.discord_guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)

    async def close(self) -> None:
        await super().close()
        if self._community is not None:
            await self._community.close()
            self._community = None

    async def on_message(self, message: discord.Message, /) -> None:
        """No text commands: mentions are questions, handled by the Conversation cog."""

    async def on_ready(self) -> None:
        log.info("connected as %s (%s)", self.user, self.user.id if self.user else "?")

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Every failure reaches the user as a short private message and the log as a trace."""
        await report_failure(interaction, error)


class ShardedArchivistBot(ArchivistBot, commands.AutoShardedBot):
    """The same bot over as many gateway shards as Discord recommends (DISCORD_SHARDS=auto)."""


def archivist(interaction: discord.Interaction) -> ArchivistBot:
    return cast("ArchivistBot", interaction.client)


def community(interaction: discord.Interaction) -> Community:
    return archivist(interaction).community
