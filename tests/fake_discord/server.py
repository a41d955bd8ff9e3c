"""A fake Discord (REST + gateway) for driving the real discord.py in tests.

Discord itself is unreachable from the test environment, and mocking discord.py internals would
test our mocks rather than the library's real wire behaviour.  Instead this module serves just
enough of Discord's HTTP API and gateway on 127.0.0.1 that an unmodified ``commands.Bot`` can log
in, sync application commands, receive gateway events and answer interactions.  Everything the
bot sends is recorded so tests can assert on the exact payloads Discord would have received.

Typical use (``point_discord_at`` is the bot's own, from ``bot.discord_app``)::

    async with FakeDiscord() as fake:
        point_discord_at(fake.api_base, fake.gateway_url)
        async with run_bot(bot, fake):
            interaction = await fake.send_interaction("echo", {"text": "hi"})
            callback = await interaction.wait_for_callback()
            followup = await interaction.wait_for_followup()

Payload shapes follow discord.py 2.7.1's parsers (``state.py``, ``interactions.py``,
``webhook/async_.py``, ``gateway.py``) and the Discord API docs; where a field is required by
discord.py (it indexes it with ``data[...]``) it is always present here.
"""

# Every wait helper takes its own timeout (rather than relying on asyncio.timeout around it) so
# that a timeout can fail with a message listing the traffic the fake did see.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import discord
import discord.gateway
import discord.http
from aiohttp import BodyPartReader, WSMsgType, web

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

_log = logging.getLogger(__name__)

T = TypeVar("T")

# Fixed, readable ids so failures are easy to read; they are valid snowflakes (2023-ish).
DEFAULT_BOT_ID = 1_100_000_000_000_000_001
DEFAULT_GUILD_ID = 1_100_000_000_000_000_100
DEFAULT_CHANNEL_ID = 1_100_000_000_000_000_200
DEFAULT_USER_ID = 1_100_000_000_000_000_300

# What @everyone and the bot may do by default: enough for a bot that reads, writes, embeds
# and uploads; tests of permission handling pass their own values.
DEFAULT_APP_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    use_application_commands=True,
    add_reactions=True,
).value

_DISCORD_EPOCH_MS = 1_420_070_400_000
_API_PREFIX = re.compile(r"/api/v\d+")
_JSON = "application/json"

# Interaction callback types (Discord "interaction callback type" enum).
_CB_PONG = 1
_CB_MESSAGE = 4
_CB_DEFERRED_MESSAGE = 5
_CB_DEFERRED_UPDATE = 6
_CB_UPDATE_MESSAGE = 7

_MESSAGE_FLAG_EPHEMERAL = 1 << 6
_MESSAGE_FLAG_LOADING = 1 << 7


@dataclass
class RecordedFile:
    """One uploaded file part of a multipart request (``files[n]``)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """A REST request the bot made, as Discord would have seen it.

    ``path`` is relative to the API base (``/users/@me``, not ``/api/v10/users/@me``) so tests
    don't depend on the API version.  ``json`` is the parsed JSON body, or for multipart requests
    the parsed ``payload_json`` part, so assertions look the same with or without attachments.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[RecordedFile]
    status: int = 0
    response: Any = None
    #: ``time.monotonic()`` when the request arrived (for latency measurements).
    received_at: float = 0.0

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class FakeChannel:
    """A guild channel announced in GUILD_CREATE. ``type`` 0 is a text channel."""

    id: int
    name: str = "general"
    type: int = 0
    position: int = 0
    topic: str | None = None


@dataclass
class FakeGuild:
    """A guild the bot is in; announced in READY (unavailable) and then GUILD_CREATE."""

    id: int
    name: str = "Test Guild"
    channels: list[FakeChannel] = field(default_factory=list)
    member_count: int = 2
    owner_id: int = DEFAULT_USER_ID
    everyone_permissions: int = DEFAULT_APP_PERMISSIONS
    #: Ids of further roles (no permissions of their own) that members may hold.
    role_ids: list[int] = field(default_factory=list)


@dataclass
class FakeInteraction:
    """Handle for an interaction the fake dispatched; lets a test wait for the bot's answers."""

    id: int
    token: str
    application_id: int
    type: int
    payload: dict[str, Any] = field(repr=False)
    fake: FakeDiscord = field(repr=False)
    responded: bool = False
    original_message_id: int | None = None

    # The paths below are used as regexes as they are: ids are digits and the fake's tokens are
    # letters, digits and "-", none of which is special outside a character class.

    @property
    def callback_path(self) -> str:
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.application_id}/{self.token}"

    def messages(self) -> list[dict[str, Any]]:
        """This interaction's messages as Discord would show them now, oldest first: the
        response (a defer's placeholder until the first followup replaces it) and followups;
        deleted ones are gone. Unlike a request's payload, a message's ``flags`` say who
        really sees it."""
        return [
            message
            for message in self.fake.messages.values()
            if (message.get("interaction_metadata") or {}).get("id") == str(self.id)
        ]

    async def wait_for_callback(self, timeout: float = 5.0) -> RecordedRequest:
        """The initial response (``POST .../callback``); ``.json["type"]`` is the callback type."""
        return await self.fake.wait_for_request("POST", self.callback_path, timeout=timeout)

    async def wait_for_followup(self, timeout: float = 5.0, *, nth: int = 0) -> RecordedRequest:
        """The ``nth`` followup message (``POST /webhooks/{app}/{token}``), 0-based."""
        return await self.fake.wait_for_request("POST", self.webhook_path, timeout=timeout, nth=nth)

    async def wait_for_original_edit(
        self, timeout: float = 5.0, *, nth: int = 0
    ) -> RecordedRequest:
        """The ``nth`` edit of an interaction message (``edit_original_response``,
        ``WebhookMessage.edit``), by ``@original`` or by message id."""
        return await self.fake.wait_for_request(
            "PATCH",
            self.webhook_path + r"/messages/(@original|\d+)",
            timeout=timeout,
            nth=nth,
        )


@dataclass
class _RegisteredCommand:
    guild_id: int | None
    data: dict[str, Any]


@dataclass
class _Session:
    ws: web.WebSocketResponse
    session_id: str | None = None
    sequence: int = 0
    ready: bool = False


class _FakeHTTPError(Exception):
    """Raised by route handlers to answer with a Discord-style JSON error."""

    def __init__(self, status: int, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code}


# GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT: the intents an application must enable.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py's json_or_text() only parses the body when the header is exactly
    # "application/json"; web.json_response() would send "application/json; charset=utf-8"
    # and discord.py would hand the raw text string to code expecting a dict.
    return web.Response(status=status, body=json.dumps(data).encode(), content_type=_JSON)


def _infer_option_type(value: Any) -> int:
    # bool before int: bool is a subclass of int, and Discord's BOOLEAN is its own type.
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, str):
        return 3
    raise TypeError(f"cannot infer an application command option type for {value!r}")


class FakeDiscord:
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
        self.commands: dict[int, _RegisteredCommand] = {}
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
        self._session: _Session | None = None
        self._sessions: list[_Session] = []
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

    # ------------------------------------------------------------------ waiting

    def watch(self, future: asyncio.Future[Any]) -> None:
        """Make every ``wait_*`` fail immediately once ``future`` is done.

        Pass the bot's ``start()`` task (``run_bot`` does) so a bot that crashed makes the test
        fail with the bot's exception instead of a timeout; or a future a test resolves from an
        error handler.
        """
        self._watched.append(future)
        future.add_done_callback(lambda _: self._notify())

    def unwatch(self, future: asyncio.Future[Any]) -> None:
        """Stop :meth:`watch`-ing ``future`` (e.g. a bot task that was shut down on purpose)."""
        if future in self._watched:
            self._watched.remove(future)

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _check_watched(self, what: str) -> None:
        for future in self._watched:
            if not future.done():
                continue
            name = future.get_name() if isinstance(future, asyncio.Task) else "watched future"
            if future.cancelled():
                raise AssertionError(f"{name} was cancelled while waiting for {what}")
            exc = future.exception()
            if exc is not None:
                raise AssertionError(f"{name} failed while waiting for {what}: {exc!r}") from exc
            raise AssertionError(f"{name} finished ({future.result()!r}) while waiting for {what}")

    async def wait_until(
        self, check: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Return ``check()``'s first non-None result, re-evaluated after every change to the
        fake's state (request recorded, gateway frame, ...).  ``check`` must depend only on the
        fake's state; to wait for something on the bot's side use :meth:`wait_for_future`.

        Raises AssertionError after ``timeout`` seconds (listing recent traffic, so the failure
        says what happened instead) or as soon as a :meth:`watch`-ed future completes.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            self._check_watched(what)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}\n{self.describe_traffic()}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait([waiter], timeout=remaining)
            finally:
                self._waiters.discard(waiter)

    async def wait_for_future(
        self, future: asyncio.Future[T], *, timeout: float = 5.0, what: str = "future"
    ) -> T:
        """Await ``future`` (e.g. ``bot.wait_for(...)`` wrapped in a task) with the same failure
        behaviour as the other waits: a timeout lists the traffic, and a :meth:`watch`-ed
        failure (bot crash, command error) ends the wait at once."""
        future.add_done_callback(lambda _: self._notify())
        await self.wait_until(lambda: True if future.done() else None, timeout=timeout, what=what)
        return future.result()

    def requests_matching(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests with this method whose path fully matches the regex."""
        pattern = re.compile(path_pattern)
        return [
            r
            for r in self.requests
            if r.method == method.upper()
            and pattern.fullmatch(r.path)
            and (where is None or where(r))
        ]

    async def wait_for_request(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        *,
        where: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
        nth: int = 0,
    ) -> RecordedRequest:
        """Wait for the ``nth`` (0-based) request whose path (relative to the API base, e.g.
        ``/users/@me``) fully matches the regex ``path_pattern``; already-recorded requests
        count, so the order of bot action and wait call doesn't matter."""

        def check() -> RecordedRequest | None:
            found = self.requests_matching(method, path_pattern, where)
            return found[nth] if len(found) > nth else None

        pattern = getattr(path_pattern, "pattern", path_pattern)
        return await self.wait_until(
            check, timeout=timeout, what=f"request #{nth} {method.upper()} {pattern}"
        )

    async def wait_for_gateway(
        self,
        op: int,
        *,
        where: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
        nth: int = 0,
    ) -> dict[str, Any]:
        """Wait for the ``nth`` gateway frame the bot sent with opcode ``op`` (2 = IDENTIFY,
        1 = heartbeat, 3 = presence, 6 = RESUME, 8 = request members); returns the whole frame
        (``{"op": ..., "d": ...}``)."""

        def check() -> dict[str, Any] | None:
            found = [
                f
                for f in self.gateway_received
                if f.get("op") == op and (where is None or where(f))
            ]
            return found[nth] if len(found) > nth else None

        return await self.wait_until(check, timeout=timeout, what=f"gateway op {op} #{nth}")

    async def wait_until_ready(self, timeout: float = 5.0) -> None:
        """Wait until a bot has identified and been sent READY plus every GUILD_CREATE."""

        def check() -> bool | None:
            return True if self._session is not None and self._session.ready else None

        await self.wait_until(check, timeout=timeout, what="an identified gateway session")

    def describe_traffic(self, limit: int = 25) -> str:
        """Recent traffic, for failure messages."""
        lines = [f"recent REST requests ({len(self.requests)} total):"]
        lines += [f"  {r}" for r in self.requests[-limit:]]
        if self.unknown:
            lines.append("UNKNOWN routes (answered 404): " + ", ".join(map(str, self.unknown)))
        if self.errors:
            lines.append("errors inside the fake: " + ", ".join(map(repr, self.errors)))
        ops = [f.get("t") or f"op{f.get('op')}" for f in self.gateway_received[-limit:]]
        lines.append(f"gateway frames from bot: {ops}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ ids & payload builders

    def snowflake(self) -> int:
        """A fresh, increasing snowflake whose timestamp is now."""
        ms = int(time.time() * 1000) - _DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def bot_user_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.bot_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "bot": True,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
            "premium_type": 0,
        }

    @staticmethod
    def user_payload(user_id: int = DEFAULT_USER_ID, username: str = "tester") -> dict[str, Any]:
        """A (human) user object."""
        return {
            "id": str(user_id),
            "username": username,
            "discriminator": "0",
            "global_name": username.title(),
            "avatar": None,
            "public_flags": 0,
            "bot": False,
        }

    @staticmethod
    def member_payload(
        user: dict[str, Any], *, permissions: int | None = None, roles: Sequence[int] = ()
    ) -> dict[str, Any]:
        """A guild member object; ``permissions`` is only present inside interactions."""
        member: dict[str, Any] = {
            "user": user,
            "roles": [str(r) for r in roles],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def guild(self, guild_id: int | None = None) -> FakeGuild:
        """The configured guild with this id (default: the first one)."""
        if guild_id is None:
            if not self.guilds:
                raise LookupError("FakeDiscord has no guilds configured")
            return self.guilds[0]
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise LookupError(f"no configured guild {guild_id}")

    def channel_payload(self, guild: FakeGuild, channel: FakeChannel) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": channel.topic,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        if channel.type in (2, 13):  # voice / stage channels need these
            payload.update(bitrate=64000, user_limit=0, rtc_region=None)
        return payload

    def guild_create_payload(self, guild: FakeGuild) -> dict[str, Any]:
        """Full GUILD_CREATE data: the guild, its channels, @everyone and the bot's member."""
        # @everyone's id is the guild id
        everyone = self._role_payload(
            guild.id, name="@everyone", permissions=guild.everyone_permissions, position=0
        )
        text_channels = [c for c in guild.channels if c.type == 0]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [everyone, *(self._role_payload(role_id) for role_id in guild.role_ids)],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(text_channels[0].id) if text_channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": guild.member_count,
            "voice_states": [],
            # Discord always includes the bot's own member, which is what makes guild.me work.
            "members": [self.member_payload(self.bot_user_payload())],
            "channels": [self.channel_payload(guild, c) for c in guild.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    @staticmethod
    def _role_payload(
        role_id: int, *, name: str | None = None, permissions: int = 0, position: int = 1
    ) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name or f"role-{role_id}",
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def _guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        for guild in self.guilds:
            if any(c.id == channel_id for c in guild.channels):
                return guild
        thread = self.threads.get(channel_id)
        if thread is not None:
            return self.guild(int(thread["guild_id"]))
        return None

    def add_attachment(
        self, filename: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """Host ``data`` on the fake's CDN and return an attachment object pointing at it, for
        use in a MESSAGE_CREATE a test dispatches (``Attachment.read()`` then fetches it)."""
        attachment_id = self.snowflake()
        key = f"{attachment_id}/{filename}"
        self._attachments[key] = (content_type, data)
        url = f"{self.http_base}/attachments/{key}"
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    def message_payload(
        self,
        *,
        channel_id: int,
        content: str = "",
        author: dict[str, Any] | None = None,
        embeds: Sequence[dict[str, Any]] = (),
        components: Sequence[dict[str, Any]] = (),
        attachments: Sequence[dict[str, Any]] = (),
        flags: int = 0,
        message_type: int = 0,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A complete message object (author defaults to the bot), stored in :attr:`messages`."""
        message_id = self.snowflake()
        guild = self._guild_of_channel(channel_id)
        message: dict[str, Any] = {
            "id": str(message_id),
            "type": message_type,
            "channel_id": str(channel_id),
            "author": author if author is not None else self.bot_user_payload(),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": list(attachments),
            "embeds": list(embeds),
            "components": list(components),
            "pinned": False,
            "flags": flags,
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
        if extra:
            message.update(extra)
        self.messages[message_id] = message
        return message

    # ------------------------------------------------------------------ gateway: sending

    async def dispatch(self, event: str, data: Mapping[str, Any], *, timeout: float = 5.0) -> int:
        """Send a DISPATCH (op 0) event, e.g. ``dispatch("MESSAGE_CREATE", {...})``.

        Waits (up to ``timeout``) for a ready gateway session first, so a test can fire events
        right after starting the bot.  Returns the sequence number used.
        """
        await self.wait_until_ready(timeout=timeout)
        assert self._session is not None
        return await self._send_dispatch(self._session, event, dict(data))

    async def send_message(
        self,
        content: str,
        *,
        channel_id: int | None = None,
        author_id: int = DEFAULT_USER_ID,
        username: str = "tester",
        attachments: Sequence[dict[str, Any]] = (),
        extra: Mapping[str, Any] | None = None,
        mention_bot: bool = False,
    ) -> dict[str, Any]:
        """Dispatch MESSAGE_CREATE for a message a human posted in a guild channel (default:
        the first guild's first channel) or in a thread the bot started.  ``attachments`` come
        from :meth:`add_attachment`; ``mention_bot`` lists the bot in ``mentions`` (put its
        ``<@id>`` in ``content`` too, as a client would)."""
        if channel_id is None:
            channel_id = self.guild().channels[0].id
        guild = self._guild_of_channel(channel_id)
        user = self.user_payload(author_id, username)
        extra_fields: dict[str, Any] = dict(extra or {})
        if mention_bot:
            extra_fields.setdefault("mentions", [self.bot_user_payload()])
        if guild is not None:
            # MESSAGE_CREATE carries a partial member (no "user") for guild messages.
            member = self.member_payload(user)
            del member["user"]
            extra_fields.setdefault("member", member)
        message = self.message_payload(
            channel_id=channel_id,
            content=content,
            author=user,
            attachments=attachments,
            extra=extra_fields,
        )
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def _send(self, session: _Session, frame: dict[str, Any]) -> None:
        # One writer at a time: heartbeat ACKs (from the connection's reader) and dispatches
        # (from test code) interleave, and concurrent frame writes are not safe.
        async with self._send_lock:
            await self._send_unlocked(session, frame)

    async def _send_unlocked(self, session: _Session, frame: dict[str, Any]) -> None:
        self.gateway_sent.append(frame)
        await session.ws.send_str(json.dumps(frame))

    async def _send_dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> int:
        # Sequence numbers must reach the bot in order, so assign and send under one lock.
        async with self._send_lock:
            session.sequence += 1
            seq = session.sequence
            await self._send_unlocked(session, {"op": 0, "t": event, "s": seq, "d": data})
        return seq

    # ------------------------------------------------------------------ interactions

    def _find_command(self, name: str, command_type: int, guild_id: int | None) -> dict[str, Any]:
        # Guild commands shadow global ones, as in Discord's client.
        for scope in ([guild_id] if guild_id is not None else []) + [None]:
            for registered in self.commands.values():
                data = registered.data
                if (
                    registered.guild_id == scope
                    and data["name"] == name
                    and data.get("type", 1) == command_type
                ):
                    return data
        known = sorted(
            f"{c.data['name']} (guild {c.guild_id})" if c.guild_id else c.data["name"]
            for c in self.commands.values()
        )
        raise LookupError(
            f"command {name!r} (type {command_type}) was never registered with the fake "
            f"(did the bot sync its tree?); registered: {known}"
        )

    def _build_interaction(
        self,
        interaction_type: int,
        data: dict[str, Any] | None,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        username: str,
        dm: bool,
        permissions: int,
        app_permissions: int,
        locale: str,
        message: dict[str, Any] | None = None,
        roles: Sequence[int] = (),
    ) -> FakeInteraction:
        interaction_id = self.snowflake()
        token = f"interaction-token-{interaction_id}"
        user = self.user_payload(user_id, username)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = message
        if dm:
            dm_channel_id = channel_id if channel_id is not None else self.snowflake()
            payload.update(
                user=user,
                context=1,  # BOT_DM
                authorizing_integration_owners={"1": str(user_id)},
                channel_id=str(dm_channel_id),
                channel={"id": str(dm_channel_id), "type": 1, "recipients": [user], "flags": 0},
            )
        else:
            guild = self.guild(guild_id)
            channel = (
                guild.channels[0]
                if channel_id is None
                else next((c for c in guild.channels if c.id == channel_id), None)
            )
            if channel is None:
                raise LookupError(f"channel {channel_id} is not in guild {guild.id}")
            channel_obj = self.channel_payload(guild, channel)
            channel_obj["permissions"] = str(permissions)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self.member_payload(user, permissions=permissions, roles=roles),
                context=0,  # GUILD
                authorizing_integration_owners={"0": str(guild.id)},
                channel_id=str(channel.id),
                channel=channel_obj,
            )
        interaction = FakeInteraction(
            id=interaction_id,
            token=token,
            application_id=self.application_id,
            type=interaction_type,
            payload=payload,
            fake=self,
        )
        self.interactions[token] = interaction
        return interaction

    def _command_options(
        self, command: dict[str, Any], options: Mapping[str, Any], focused: str | None
    ) -> list[dict[str, Any]]:
        # Prefer the type the bot registered (e.g. an int passed for a NUMBER option); fall
        # back to inferring it from the Python value.
        declared = {o["name"]: o.get("type") for o in command.get("options", [])}
        built = []
        for name, value in options.items():
            option: dict[str, Any] = {
                "name": name,
                "type": declared.get(name) or _infer_option_type(value),
                "value": value,
            }
            if name == focused:
                option["focused"] = True
            built.append(option)
        return built

    async def send_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        username: str = "tester",
        dm: bool = False,
        permissions: int = DEFAULT_APP_PERMISSIONS,
        app_permissions: int = DEFAULT_APP_PERMISSIONS,
        locale: str = "en-US",
        resolved: dict[str, Any] | None = None,
        command_type: int = 1,
        target_id: int | None = None,
        roles: Sequence[int] = (),
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for an application command the bot registered.

        ``options`` maps option names to values (types come from the registered command, else
        str→3, int→4, bool→5, float→10); pass a list of raw option dicts instead for
        subcommands or user/channel options (with ``resolved``).  Defaults to the first guild's
        first channel; ``dm=True`` sends it from a DM instead.  The command must have been
        synced to the fake (its id and guild scope are what Discord would send).
        """
        command = self._find_command(name, command_type, None if dm else self.guild(guild_id).id)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": command_type}
        if command.get("guild_id"):
            # Discord includes guild_id for guild-scoped commands; discord.py's tree uses it
            # to look the command up among guild commands.
            data["guild_id"] = command["guild_id"]
        if isinstance(options, Mapping):
            data["options"] = self._command_options(command, options, None)
        elif options is not None:
            data["options"] = list(options)
        if resolved is not None:
            data["resolved"] = resolved
        if target_id is not None:
            data["target_id"] = str(target_id)
        interaction = self._build_interaction(
            2,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            username=username,
            dm=dm,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
            roles=roles,
        )
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        username: str = "tester",
    ) -> FakeInteraction:
        """Dispatch an autocomplete interaction (type 4) while the user types option
        ``focused``; the bot answers with callback type 8 (``data.choices``)."""
        command = self._find_command(name, 1, self.guild(guild_id).id)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": self._command_options(command, options, focused),
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        interaction = self._build_interaction(
            4,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            username=username,
            dm=False,
            permissions=DEFAULT_APP_PERMISSIONS,
            app_permissions=DEFAULT_APP_PERMISSIONS,
            locale="en-US",
        )
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def send_component(
        self,
        custom_id: str,
        message: dict[str, Any] | int,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        user_id: int = DEFAULT_USER_ID,
        username: str = "tester",
    ) -> FakeInteraction:
        """Dispatch a component interaction (type 3): a click on button ``custom_id``
        (``component_type`` 2) or a select (pass ``values``), on ``message`` -- a message object
        or the id of one the fake created (e.g. ``int(followup.response["id"])``).  discord.py
        routes it to the View stored for that message id."""
        if isinstance(message, int):
            if message not in self.messages:
                raise LookupError(f"message {message} was not created by this fake")
            message = self.messages[message]
        channel_id = int(message["channel_id"])
        guild = self._guild_of_channel(channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        interaction = self._build_interaction(
            3,
            data,
            guild_id=guild.id if guild else None,
            channel_id=channel_id,
            user_id=user_id,
            username=username,
            dm=guild is None,
            permissions=DEFAULT_APP_PERMISSIONS,
            app_permissions=DEFAULT_APP_PERMISSIONS,
            locale="en-US",
            message=message,
        )
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    # ------------------------------------------------------------------ HTTP plumbing

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Any]]:
        app = r"(?P<app_id>\d+)"
        guild = r"(?P<guild_id>\d+)"
        token = r"(?P<token>[^/]+)"
        msg = r"(?P<message_id>@original|\d+)"
        table: list[tuple[str, str, Any]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("PUT", rf"/applications/{app}/commands", self._put_commands),
            ("PUT", rf"/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", rf"/applications/{app}/commands", self._get_commands),
            ("GET", rf"/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("POST", rf"/interactions/(?P<interaction_id>\d+)/{token}/callback", self._callback),
            ("POST", rf"/webhooks/{app}/{token}", self._followup),
            ("GET", rf"/webhooks/{app}/{token}/messages/{msg}", self._get_webhook_message),
            ("PATCH", rf"/webhooks/{app}/{token}/messages/{msg}", self._edit_webhook_message),
            ("DELETE", rf"/webhooks/{app}/{token}/messages/{msg}", self._delete_webhook_message),
            ("POST", r"/channels/(?P<channel_id>\d+)/messages", self._create_channel_message),
            ("GET", r"/channels/\d+/messages/(?P<message_id>\d+)", self._get_channel_message),
            (
                "PATCH",
                r"/channels/\d+/messages/(?P<message_id>\d+)",
                self._edit_channel_message,
            ),
            (
                "POST",
                r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)/threads",
                self._start_thread,
            ),
            ("POST", r"/channels/\d+/typing", self._typing),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        """Parse a JSON body, or a multipart body's ``payload_json`` plus its file parts."""
        payload: Any = None
        files: list[RecordedFile] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)  # discord.py never nests multiparts
                data = await part.read()
                if part.name == "payload_json":
                    payload = json.loads(data)
                else:
                    files.append(
                        RecordedFile(
                            field=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
        elif request.can_read_body:
            body = await request.read()
            if body:
                payload = json.loads(body) if request.content_type == _JSON else body
        return payload, files

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        prefix = _API_PREFIX.match(request.path)
        path = request.path[prefix.end() :] if prefix else request.path
        recorded = RecordedRequest(
            received_at=time.monotonic(),
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=None,
            files=[],
        )
        response: web.Response
        try:
            recorded.json, recorded.files = await self._read_body(request)
            response = await self._route(recorded, is_api=prefix is not None)
        except _FakeHTTPError as exc:
            response = _json_response(exc.body, exc.status)
        except Exception as exc:  # a bug in the fake must not look like a Discord outage
            _log.exception("FakeDiscord failed handling %s %s", request.method, path)
            self.errors.append(exc)
            # 400, not 500: discord.py retries 5xx with multi-second sleeps.
            response = _json_response(
                {"message": f"FakeDiscord internal error: {exc!r}", "code": 50035}, 400
            )
        recorded.status = response.status
        if response.body and response.content_type == _JSON:
            assert isinstance(response.body, bytes)
            recorded.response = json.loads(response.body)
        # Recorded only after the state change, so a woken waiter sees consistent state.
        self.requests.append(recorded)
        self._notify()
        return response

    async def _route(self, recorded: RecordedRequest, *, is_api: bool) -> web.Response:
        if is_api:
            # Interaction callbacks and webhooks authenticate by the token in the URL.
            needs_auth = not recorded.path.startswith(("/interactions/", "/webhooks/"))
            authorization = recorded.headers.get("Authorization")
            if (
                self.expected_token is not None
                and needs_auth
                and authorization != f"Bot {self.expected_token}"
            ):
                raise _FakeHTTPError(401, "401: Unauthorized", 0)
            for method, pattern, handler in self._routes:
                if method == recorded.method and (match := pattern.fullmatch(recorded.path)):
                    return await handler(recorded, match)
        self.unknown.append(recorded)
        _log.warning("FakeDiscord: no route for %s %s", recorded.method, recorded.path)
        raise _FakeHTTPError(404, f"404: Not Found (FakeDiscord has no route for {recorded})", 0)

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        if key not in self._attachments:
            return web.Response(status=404)
        content_type, data = self._attachments[key]
        return web.Response(body=data, content_type=content_type)

    # ------------------------------------------------------------------ REST handlers

    async def _get_me(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response(self.bot_user_payload())

    async def _get_gateway(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_application(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        # discord.py learns its application_id from this call during login() (before the
        # gateway), and warns if interactions_endpoint_url is set, so it must be null.
        return _json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.user_payload(),
                "team": None,
                "flags": self.application_flags,
                "bot": self.bot_user_payload(),
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _put_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if int(m["app_id"]) != self.application_id:
            raise _FakeHTTPError(403, "Missing Access", 50001)
        guild_id = int(m["guild_id"]) if m.groupdict().get("guild_id") else None
        if not isinstance(req.json, list):
            raise _FakeHTTPError(400, "Invalid Form Body: expected a list of commands", 50035)
        # Bulk overwrite: Discord keeps the id of a command whose name+type survive and drops
        # the rest of that scope.
        previous = {
            (c.data["name"], c.data.get("type", 1)): c.data["id"]
            for c in self.commands.values()
            if c.guild_id == guild_id
        }
        self.commands = {k: c for k, c in self.commands.items() if c.guild_id != guild_id}
        result = []
        for command in req.json:
            key = (command["name"], command.get("type", 1))
            command_id = previous.get(key) or str(self.snowflake())
            data = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": command_id,
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if guild_id is not None:
                data["guild_id"] = str(guild_id)
            self.commands[int(command_id)] = _RegisteredCommand(guild_id=guild_id, data=data)
            result.append(data)
        return _json_response(result)

    async def _get_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild_id = int(m["guild_id"]) if m.groupdict().get("guild_id") else None
        return _json_response([c.data for c in self.commands.values() if c.guild_id == guild_id])

    def _interaction_for(self, token: str) -> FakeInteraction:
        try:
            return self.interactions[token]
        except KeyError:
            raise _FakeHTTPError(404, "Unknown Webhook", 10015) from None

    def _attachments_for(
        self,
        payload: dict[str, Any],
        files: list[RecordedFile],
        existing: Sequence[dict[str, Any]] = (),
    ) -> list[dict[str, Any]]:
        # discord.py lists new uploads as {"id": <index into files[n]>, "filename": ...} and
        # kept attachments by their real (snowflake) id.
        uploads = {f.field: f for f in files}
        kept = {a["id"]: a for a in existing}
        result = []
        for entry in payload.get("attachments", []):
            upload = uploads.get(f"files[{entry['id']}]")
            if upload is not None:
                attachment = self.add_attachment(
                    entry.get("filename") or upload.filename or "file",
                    upload.data,
                    upload.content_type or "application/octet-stream",
                )
                if "description" in entry:
                    attachment["description"] = entry["description"]
                result.append(attachment)
            elif str(entry["id"]) in kept:
                result.append(kept[str(entry["id"])])
        return result

    def _interaction_message(
        self,
        interaction: FakeInteraction,
        data: dict[str, Any],
        files: list[RecordedFile],
        *,
        flags: int = 0,
    ) -> dict[str, Any]:
        source = interaction.payload
        user = source.get("user") or source["member"]["user"]
        return self.message_payload(
            channel_id=int(source["channel_id"]),
            content=data.get("content") or "",
            embeds=data.get("embeds") or [],
            components=data.get("components") or [],
            attachments=self._attachments_for(data, files),
            flags=(data.get("flags") or 0) | flags,
            message_type=20 if interaction.type == 2 else 0,
            extra={
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
                "tts": bool(data.get("tts", False)),
                "interaction_metadata": {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": user,
                    "authorizing_integration_owners": source["authorizing_integration_owners"],
                },
            },
        )

    async def _callback(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        interaction = self._interaction_for(m["token"])
        if int(m["interaction_id"]) != interaction.id:
            raise _FakeHTTPError(404, "Unknown interaction", 10062)
        if interaction.responded:
            raise _FakeHTTPError(400, "Interaction has already been acknowledged.", 40060)
        if not isinstance(req.json, dict) or "type" not in req.json:
            raise _FakeHTTPError(400, "Invalid Form Body: missing callback type", 50035)
        interaction.responded = True
        callback_type = req.json["type"]
        data = req.json.get("data") or {}
        message: dict[str, Any] | None = None
        if callback_type == _CB_MESSAGE:
            message = self._interaction_message(interaction, data, req.files)
        elif callback_type == _CB_DEFERRED_MESSAGE:
            # The "is thinking..." placeholder; the first followup/edit replaces it.
            message = self._interaction_message(interaction, data, [], flags=_MESSAGE_FLAG_LOADING)
        elif callback_type in (_CB_UPDATE_MESSAGE, _CB_DEFERRED_UPDATE):
            source = interaction.payload.get("message")
            if source is not None:
                message = self.messages.get(int(source["id"]), source)
                if callback_type == _CB_UPDATE_MESSAGE:
                    self._apply_edit(message, data, req.files)
        if message is not None:
            interaction.original_message_id = int(message["id"])
        if req.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        body: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": callback_type == _CB_DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(
                    (data.get("flags") or 0) & _MESSAGE_FLAG_EPHEMERAL
                ),
            }
        }
        if message is not None:
            body["interaction"]["response_message_id"] = message["id"]
            if callback_type != _CB_DEFERRED_UPDATE:
                body["resource"] = {"type": callback_type, "message": message}
        elif callback_type != _CB_PONG:
            body["resource"] = {"type": callback_type}
        return _json_response(body)

    async def _followup(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        interaction = self._interaction_for(m["token"])
        if not interaction.responded:
            # Discord rejects followups before the initial response; catching this here saves
            # a confusing test failure later.
            raise _FakeHTTPError(404, "Unknown Webhook (interaction not acknowledged)", 10015)
        data = req.json if isinstance(req.json, dict) else {}
        original = self.messages.get(interaction.original_message_id or 0)
        if original is not None and original["flags"] & _MESSAGE_FLAG_LOADING:
            # After a defer, Discord turns the first followup into the original response
            # (ephemeral only if the defer was): see _apply_edit.
            self._apply_edit(original, data, req.files)
            message = original
        else:
            message = self._interaction_message(interaction, data, req.files)
        if req.query.get("wait", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return _json_response(message)

    def _webhook_message(self, m: re.Match[str]) -> dict[str, Any]:
        interaction = self._interaction_for(m["token"])
        message_id = m["message_id"]
        resolved = interaction.original_message_id if message_id == "@original" else int(message_id)
        if resolved is None or resolved not in self.messages:
            raise _FakeHTTPError(404, "Unknown Message", 10008)
        return self.messages[resolved]

    def _apply_edit(
        self, message: dict[str, Any], data: dict[str, Any], files: list[RecordedFile]
    ) -> None:
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in data:
                message[key] = data[key] if data[key] is not None else empty
        if "attachments" in data:
            message["attachments"] = self._attachments_for(data, files, message["attachments"])
        if data.get("flags") is not None:
            # Discord never changes who sees a message by editing it. That includes the first
            # followup after a defer, which edits the "thinking…" placeholder: it keeps the
            # defer's visibility whatever its own flags say, so an "ephemeral" error sent that
            # way after a public defer is public.
            visibility = message["flags"] & _MESSAGE_FLAG_EPHEMERAL
            message["flags"] = (data["flags"] & ~_MESSAGE_FLAG_EPHEMERAL) | visibility
        message["flags"] &= ~_MESSAGE_FLAG_LOADING
        message["edited_timestamp"] = _now_iso()

    async def _get_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response(self._webhook_message(m))

    async def _edit_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._webhook_message(m)
        self._apply_edit(message, req.json if isinstance(req.json, dict) else {}, req.files)
        return _json_response(message)

    async def _delete_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._webhook_message(m)
        del self.messages[int(message["id"])]
        return web.Response(status=204)

    async def _create_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        data = req.json if isinstance(req.json, dict) else {}
        extra: dict[str, Any] = {"tts": bool(data.get("tts", False))}
        if "message_reference" in data:
            extra["message_reference"] = data["message_reference"]
            extra["type"] = 19  # REPLY
        message = self.message_payload(
            channel_id=int(m["channel_id"]),
            content=data.get("content") or "",
            embeds=data.get("embeds") or [],
            components=data.get("components") or [],
            attachments=self._attachments_for(data, req.files),
            flags=data.get("flags") or 0,
            extra=extra,
        )
        return _json_response(message)

    async def _get_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self.messages.get(int(m["message_id"]))
        if message is None:
            raise _FakeHTTPError(404, "Unknown Message", 10008)
        return _json_response(message)

    async def _edit_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self.messages.get(int(m["message_id"]))
        if message is None:
            raise _FakeHTTPError(404, "Unknown Message", 10008)
        self._apply_edit(message, req.json if isinstance(req.json, dict) else {}, req.files)
        return _json_response(message)

    async def _typing(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return web.Response(status=204)

    async def _start_thread(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        """A public thread from a message: like Discord, the thread's id is the message's id.
        THREAD_CREATE follows on the gateway, so discord.py caches the thread."""
        channel_id, message_id = int(m["channel_id"]), int(m["message_id"])
        guild = self._guild_of_channel(channel_id)
        if guild is None or channel_id in self.threads:
            raise _FakeHTTPError(400, "Cannot start a thread here", 50024)
        if message_id in self.threads:
            raise _FakeHTTPError(400, "A thread has already been created for this message", 160004)
        data = req.json if isinstance(req.json, dict) else {}
        thread = {
            "id": str(message_id),
            "guild_id": str(guild.id),
            "parent_id": str(channel_id),
            "owner_id": str(self.bot_id),
            "name": data.get("name", "thread"),
            "type": 11,
            "last_message_id": None,
            "rate_limit_per_user": data.get("rate_limit_per_user") or 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": data.get("auto_archive_duration") or 1440,
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
        }
        self.threads[message_id] = thread
        if self._session is not None:
            await self._send_dispatch(
                self._session, "THREAD_CREATE", {**thread, "newly_created": True}
            )
        return _json_response(thread)

    # ------------------------------------------------------------------ gateway: connection

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = _Session(ws=ws)
        self._sessions.append(session)
        await self._send(
            session, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
        )
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue  # discord.py only sends JSON text frames
                frame = json.loads(msg.data)
                self.gateway_received.append(frame)
                try:
                    await self._on_gateway_frame(session, frame)
                except Exception as exc:  # keep the connection up; surface it via .errors
                    _log.exception("FakeDiscord failed handling gateway frame %r", frame)
                    self.errors.append(exc)
                finally:
                    self._notify()
        finally:
            session.ready = False
            if self._session is session:
                self._session = None
            self._notify()
        return ws

    async def _on_gateway_frame(self, session: _Session, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == 1:  # HEARTBEAT
            await self._send(session, {"op": 11})
        elif op == 2:  # IDENTIFY
            if self.expected_token is not None and data.get("token") != self.expected_token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            if int(data.get("intents", 0)) & PRIVILEGED_INTENTS & ~self.privileged_intents:
                await session.ws.close(code=4014, message=b"Disallowed intent(s).")
                return
            await self._start_session(session)
        elif op == 6:  # RESUME: keep the sequence, replay nothing (the fake buffers no events)
            session.sequence = int(data.get("seq") or 0)
            session.session_id = data.get("session_id")
            session.ready = True
            self._session = session
            await self._send_dispatch(session, "RESUMED", {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS: one chunk (just the bot) so chunking ends
            guild_ids = (
                data["guild_id"] if isinstance(data["guild_id"], list) else [data["guild_id"]]
            )
            for guild_id in guild_ids:
                chunk = {
                    "guild_id": str(guild_id),
                    "members": [self.member_payload(self.bot_user_payload())],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "not_found": [],
                }
                if data.get("nonce") is not None:
                    chunk["nonce"] = data["nonce"]
                await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)
        # op 3 (presence) and others: recorded only.

    async def _start_session(self, session: _Session) -> None:
        session.session_id = f"fake-session-{self.snowflake()}"
        session.sequence = 0
        await self._send_dispatch(
            session,
            "READY",
            {
                "v": 10,
                "user": self.bot_user_payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": [0, 1],
                "application": {"id": str(self.application_id), "flags": self.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "user_settings": {},
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
            },
        )
        for guild in self.guilds:
            await self._send_dispatch(session, "GUILD_CREATE", self.guild_create_payload(guild))
        session.ready = True
        self._session = session


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
