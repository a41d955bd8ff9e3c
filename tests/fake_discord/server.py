"""The :class:`FakeDiscord` server, assembled from this package's parts, and :func:`run_bot`,
which runs a bot against it.

``FakeDiscord`` holds all the fake's state (set up in its ``__init__``) and its lifecycle; its
behaviour comes from the mixins: waits (``recording``), payloads (``models``), the gateway
(``gateway``), application commands (``commands``), interactions (``interactions``), and the
REST routes (``rest``, ``messages``).
"""

# Every wait helper takes its own timeout (rather than relying on asyncio.timeout around it) so
# that a timeout can fail with a message listing the traffic the fake did see.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import discord
import discord.gateway
import discord.http
from aiohttp import web

from .commands import CommandMixin, RegisteredCommand
from .gateway import GatewayMixin, GatewaySession
from .interactions import FakeInteraction, InteractionMixin
from .messages import MessageMixin
from .models import (
    DEFAULT_BOT_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    FakeChannel,
    FakeGuild,
    PayloadMixin,
)
from .recording import RecordedRequest, RecordingMixin
from .rest import RestMixin


class FakeDiscord(
    RecordingMixin,
    PayloadMixin,
    GatewayMixin,
    CommandMixin,
    InteractionMixin,
    RestMixin,
    MessageMixin,
):
    """A fake Discord REST API and gateway on 127.0.0.1, for one bot at a time.

    Start it with ``async with FakeDiscord() as fake`` (or ``await fake.start()`` /
    ``await fake.stop()``), then point discord.py at :attr:`api_base` / :attr:`gateway_url` with
    :func:`point_discord_at`.  Requests are answered from in-memory state (registered commands,
    interactions, messages), recorded in :attr:`requests` and can be awaited with
    :meth:`wait_for_request`.  Unknown routes are recorded too and answered with a Discord-style
    404 so a missing route shows up as ``discord.NotFound`` plus an entry in :attr:`unknown`.
    """

    def __init__(
        self,
        *,
        bot_id: int = DEFAULT_BOT_ID,
        bot_name: str = "archivist",
        application_id: int | None = None,
        application_flags: int = 0,
        guilds: Sequence[FakeGuild] | None = None,
        heartbeat_interval_ms: int = 1000,
        expected_token: str | None = None,
        privileged_intents: int = ~0,
    ) -> None:
        """
        Args:
            application_id: defaults to ``bot_id``, as for every modern Discord application.
            guilds: defaults to one guild (:data:`DEFAULT_GUILD_ID`) with one text channel
                (:data:`DEFAULT_CHANNEL_ID`).
            heartbeat_interval_ms: sent in HELLO; short so heartbeat/ACK is exercised in tests.
            expected_token: if set, other tokens get 401 on REST and close code 4004 on the
                gateway, like Discord; by default any token is accepted.
            privileged_intents: the privileged intent bits enabled for the application in the
                developer portal; an IDENTIFY asking for another closes with 4014, like Discord.
        """
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.application_id = application_id if application_id is not None else bot_id
        self.application_flags = application_flags
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.expected_token = expected_token
        self.privileged_intents = privileged_intents
        if guilds is None:
            guilds = [FakeGuild(id=DEFAULT_GUILD_ID, channels=[FakeChannel(id=DEFAULT_CHANNEL_ID)])]
        self.guilds: list[FakeGuild] = list(guilds)

        #: Every REST request, in arrival order (recorded once it has been answered).
        self.requests: list[RecordedRequest] = []
        #: Requests that matched no route (also present in :attr:`requests`).
        self.unknown: list[RecordedRequest] = []
        #: Every frame the bot sent on the gateway (IDENTIFY, heartbeats, ...), parsed.
        self.gateway_received: list[dict[str, Any]] = []
        #: Every frame the fake sent on the gateway.
        self.gateway_sent: list[dict[str, Any]] = []
        #: Registered application commands keyed by id (global ones have ``guild_id`` None).
        self.commands: dict[int, RegisteredCommand] = {}
        #: Messages the fake created (interaction responses, followups, channel messages).
        self.messages: dict[int, dict[str, Any]] = {}
        #: Interactions dispatched by this fake, keyed by token.
        self.interactions: dict[str, FakeInteraction] = {}
        #: Exceptions raised inside the fake's own handlers (a bug in the fake or a payload it
        #: could not understand); answered with 400 so discord.py doesn't retry for seconds.
        self.errors: list[BaseException] = []

        #: Threads the bot started (``POST /channels/{id}/messages/{id}/threads``), by id.
        self.threads: dict[int, dict[str, Any]] = {}

        self._attachments: dict[str, tuple[str | None, bytes]] = {}
        self._ids = itertools.count(1)
        self._session: GatewaySession | None = None
        self._sessions: list[GatewaySession] = []
        self._send_lock = asyncio.Lock()
        self._waiters: set[asyncio.Future[None]] = set()
        self._watched: list[asyncio.Future[Any]] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[str, re.Pattern[str], Any]] = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on an ephemeral 127.0.0.1 port."""
        app = web.Application()
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/attachments/{key:.+}", self._handle_attachment)
        app.router.add_route("*", "/{tail:.*}", self._handle_http)
        # A short shutdown_timeout: stop() closes websockets itself, and nothing else should
        # keep the runner waiting the default 60 s.
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close any gateway connection and stop listening.  Close the bot first: a bot that is
        still running treats the dropped gateway as an outage and starts reconnecting."""
        for session in self._sessions:
            if not session.ws.closed:
                await session.ws.close(code=1001, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._notify()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def http_base(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """REST base for :func:`point_discord_at`, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"{self.http_base}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway URL for :func:`point_discord_at`, e.g. ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://{self.http_base.removeprefix('http://')}/gateway"


@contextlib.asynccontextmanager
async def run_bot(
    bot: discord.Client,
    fake: FakeDiscord,
    token: str = "fake-token",
    *,
    timeout: float = 5.0,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``bot.start(token)`` against ``fake`` for the duration of the block.

    On entry waits until the bot is ready (so its guild/channel cache is filled; give the bot
    ``guild_ready_timeout=0.1`` or readiness takes discord.py's default 2 s).  The task is
    :meth:`FakeDiscord.watch`-ed, so a crash fails waits at once.  On exit closes the bot and
    waits for ``start()`` to return, re-raising its exception if the block itself succeeded.
    """
    task = asyncio.create_task(bot.start(token), name=f"{type(bot).__name__}.start()")
    fake.watch(task)
    try:
        await fake.wait_until_ready(timeout=timeout)
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            [ready, task], timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            await asyncio.gather(ready, return_exceptions=True)
            fake._check_watched("the bot's on_ready")
            raise AssertionError(f"bot did not become ready within {timeout}s")
        yield task
    finally:
        # A deliberate shutdown is not a crash: later waits on this fake must not trip over it.
        fake.unwatch(task)
        await bot.close()
        # close() makes start()'s connect loop return; bound it so a stuck bot fails loudly.
        done, _ = await asyncio.wait([task], timeout=timeout)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise AssertionError(f"bot.start() did not return within {timeout}s of bot.close()")
        # Retrieving the exception here also stops asyncio logging "never retrieved" when the
        # block already failed for another reason.
        crash = None if task.cancelled() else task.exception()
    # Reached only when the block succeeded: surface a bot crash the block didn't notice.
    if crash is not None:
        raise crash
