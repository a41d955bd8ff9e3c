"""The Discord shell assembled: the client with its features, pointed at Discord (or a test
server), started with the secret kept out of the logs and Discord's refusals explained."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.answering.engine import Engine
from bot.discord.client import ArchivistBot, Feature, ShardedArchivistBot
from bot.discord.cogs.archive import AddToArchive
from bot.discord.cogs.ask import Ask
from bot.discord.cogs.compare import Compare
from bot.discord.cogs.conversation import Conversation
from bot.discord.cogs.reindex import Reindex
from bot.discord.cogs.search import Search
from bot.discord.cogs.settings import Settings as SettingsCog
from bot.discord.cogs.source import Source
from bot.discord.cogs.sources import Sources
from bot.discord.cogs.stats import Stats
from bot.discord.cogs.timeline import Timeline
from bot.discord.replies import GENERIC_ERROR
from bot.discord.views import ExportCitations, ShowSources, TurnPage, Vote
from bot.settings import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Settings

log = logging.getLogger(__name__)

__all__ = ["GENERIC_ERROR", "ArchivistBot", "create_bot", "point_discord_at", "run_discord"]

COGS: tuple[type[commands.Cog], ...] = (
    Ask,
    Compare,
    Search,
    Source,
    Sources,
    Stats,
    Timeline,
    Reindex,
    AddToArchive,
    SettingsCog,
    Conversation,
)


async def persistent_buttons(bot: ArchivistBot) -> None:
    # The buttons under answers and under replies in pages live in their custom ids (and
    # SQLite): they work across restarts.
    bot.add_dynamic_items(ShowSources, Vote, ExportCitations, TurnPage)


def cog_feature(cog: type[commands.Cog]) -> Feature:
    async def add(bot: ArchivistBot) -> None:
        await bot.add_cog(cog(bot))  # type: ignore[call-arg]

    return add


FEATURES: tuple[Feature, ...] = (persistent_buttons, *(cog_feature(cog) for cog in COGS))


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


def create_bot(settings: Settings, engine: Engine, **client_options: Any) -> ArchivistBot:
    """The bot, with discord.py pointed at the configured endpoints when they are not Discord's."""
    if (settings.discord_api_base, settings.discord_gateway_url) != (
        DISCORD_API_BASE,
        DISCORD_GATEWAY_URL,
    ):
        point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    # A text bot: discord.py's warnings that voice needs PyNaCl and davey are noise here.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    bot_class = ShardedArchivistBot if settings.discord_shards == "auto" else ArchivistBot
    return bot_class(engine, settings, FEATURES, **client_options)


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
