"""A fake Discord (REST + gateway) for driving the real discord.py in tests.

Discord itself is unreachable from the test environment, and mocking discord.py internals would
test our mocks rather than the library's real wire behaviour.  Instead this package serves just
enough of Discord's HTTP API and gateway on 127.0.0.1 that an unmodified ``commands.Bot`` can log
in, sync application commands, receive gateway events and answer interactions.  Everything the
bot sends is recorded so tests can assert on the exact payloads Discord would have received.

Typical use (``point_discord_at`` is the bot's own, from ``bot.discord.app``)::

    async with FakeDiscord() as fake:
        point_discord_at(fake.api_base, fake.gateway_url)
        async with run_bot(bot, fake):
            interaction = await fake.send_interaction("echo", {"text": "hi"})
            callback = await interaction.wait_for_callback()
            followup = await interaction.wait_for_followup()

Payload shapes follow discord.py 2.7.1's parsers (``state.py``, ``interactions.py``,
``webhook/async_.py``, ``gateway.py``) and the Discord API docs; where a field is required by
discord.py (it indexes it with ``data[...]``) it is always present here.

The parts: ``server`` (:class:`FakeDiscord` and :func:`run_bot`), ``models`` (default ids,
guilds, channels and the payloads built from them), ``recording`` (recorded requests and the
waits on them), ``gateway``, ``commands`` (registered application commands), ``interactions``
(:class:`FakeInteraction` and dispatching interactions), ``rest`` (routing, request recording,
errors) and ``messages`` (the routes that create and edit messages).
"""

from .gateway import PRIVILEGED_INTENTS as PRIVILEGED_INTENTS
from .interactions import FakeInteraction
from .models import (
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_BOT_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    FakeChannel,
    FakeGuild,
)
from .recording import RecordedFile, RecordedRequest
from .server import FakeDiscord, run_bot

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
