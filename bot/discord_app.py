"""The Discord shell: a ``commands.Bot`` whose cogs parse, call the engine and format."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.cogs.ask import Ask
from bot.cogs.conversation import Conversation
from bot.cogs.reindex import Reindex
from bot.cogs.search import Search
from bot.cogs.settings import Settings as SettingsCog
from bot.cogs.source import Source
from bot.cogs.sources import Sources
from bot.cogs.stats import Stats
from bot.cogs.timeline import Timeline
from bot.community import Community
from bot.discord_ui import GENERIC_ERROR, AskLimiter, ShowSources, Vote, report_failure
from bot.engine import Engine
from bot.reindex import Reindexer
from bot.settings import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Settings

log = logging.getLogger(__name__)

__all__ = ["GENERIC_ERROR", "ArchivistBot", "create_bot", "point_discord_at", "run_discord"]

REDACTED = "[redacted token]"


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
        # The buttons under answers live in their custom ids: they work across restarts.
        self.add_dynamic_items(ShowSources, Vote)
        for cog in (Ask, Search, Source, Sources, Stats, Timeline, Reindex, SettingsCog):
            await self.add_cog(cog(self))
        await self.add_cog(Conversation(self))
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


def create_bot(settings: Settings, engine: Engine, **client_options: Any) -> ArchivistBot:
    """The bot, with discord.py pointed at the configured endpoints when they are not Discord's."""
    if (settings.discord_api_base, settings.discord_gateway_url) != (
        DISCORD_API_BASE,
        DISCORD_GATEWAY_URL,
    ):
        point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    # A text bot: discord.py's warnings that voice needs PyNaCl and davey are noise here.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    if settings.discord_shards == "auto":
        return ShardedArchivistBot(engine, settings, **client_options)
    return ArchivistBot(engine, settings, **client_options)


class RedactSecret(logging.Filter):
    """Replaces a secret wherever it would appear in a log line (message, arguments, trace)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, REDACTED), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, REDACTED)
        return True


def redact_token_in_logs(token: str) -> None:
    """discord.py never logs the token; this keeps it so for every handler, whatever logs."""
    secret_filter = RedactSecret(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)


class DiscordRefused(RuntimeError):
    """Discord would not let the bot in, or could not be reached; the message says what to
    change."""


@contextlib.contextmanager
def refusals_explained(settings: Settings) -> Iterator[None]:
    """Turn Discord's refusals to let the bot in, and a Discord that cannot be reached at all
    at login, into one sentence saying what to change. (Once logged in, discord.py itself
    reconnects through outages.)"""
    try:
        yield
    except aiohttp.ClientConnectionError as error:
        raise DiscordRefused(
            f"cannot reach Discord at {settings.discord_api_base} ({error}): check the network"
            " and DISCORD_API_BASE"
        ) from None
    except discord.LoginFailure:
        raise DiscordRefused("Discord rejected DISCORD_TOKEN: copy the bot's token again") from None
    except discord.PrivilegedIntentsRequired:
        raise DiscordRefused(
            "Discord refused the Message Content intent: enable it for the bot in the developer "
            "portal (Bot → Privileged Gateway Intents), or set DISCORD_MESSAGE_CONTENT=false "
            "(thread follow-ups must then mention the bot)"
        ) from None


async def run_discord(settings: Settings, engine: Engine) -> None:
    """Run the bot until it is stopped."""
    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()
    redact_token_in_logs(token)
    with refusals_explained(settings):
        async with create_bot(settings, engine) as bot:
            await bot.start(token)


async def sync_commands(settings: Settings, engine: Engine) -> int:
    """Register the slash commands globally (they can take an hour to appear everywhere); the
    guilds in DISCORD_GUILD_IDS are synced too, as at every start. Returns the count."""
    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()
    redact_token_in_logs(token)
    with refusals_explained(settings):
        async with create_bot(settings, engine) as bot:
            await bot.login(token)  # runs setup_hook: cogs added, guild commands synced
            synced = await bot.tree.sync()
    log.info("synced %d global commands", len(synced))
    return len(synced)
