"""A fake Discord (REST + gateway) for driving the real discord.py in tests: see ``server``."""

from .server import (
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_BOT_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    RecordedFile,
    RecordedRequest,
    run_bot,
)
from .server import PRIVILEGED_INTENTS as PRIVILEGED_INTENTS

__all__ = [
    "DEFAULT_APP_PERMISSIONS",
    "DEFAULT_BOT_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GUILD_ID",
    "DEFAULT_USER_ID",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "RecordedFile",
    "RecordedRequest",
    "run_bot",
]
