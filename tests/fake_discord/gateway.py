"""The gateway: the websocket discord.py connects to (HELLO; IDENTIFY answered with READY and
a GUILD_CREATE per guild; heartbeats, RESUME, member chunks) and the events tests dispatch on it.

Frames follow discord.py 2.7.1's ``gateway.py``; the close codes are Discord's.
"""

# Every wait helper takes its own timeout (rather than relying on asyncio.timeout around it) so
# that a timeout can fail with a message listing the traffic the fake did see.
# ruff: noqa: ASYNC109

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .models import DEFAULT_USER_ID

_log = logging.getLogger(__name__)

# GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT: the intents an application must enable.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


@dataclass
class GatewaySession:
    """One gateway connection of the bot, from HELLO until it closes."""

    ws: web.WebSocketResponse
    session_id: str | None = None
    sequence: int = 0
    ready: bool = False


class GatewayMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s gateway: the connected session is its
    ``_session`` (every one, also closed ones, in ``_sessions``), and the frames both ways are
    recorded in ``gateway_received`` and ``gateway_sent``."""

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

    async def _send(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        # One writer at a time: heartbeat ACKs (from the connection's reader) and dispatches
        # (from test code) interleave, and concurrent frame writes are not safe.
        async with self._send_lock:
            await self._send_unlocked(session, frame)

    async def _send_unlocked(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        self.gateway_sent.append(frame)
        await session.ws.send_str(json.dumps(frame))

    async def _send_dispatch(
        self, session: GatewaySession, event: str, data: dict[str, Any]
    ) -> int:
        # Sequence numbers must reach the bot in order, so assign and send under one lock.
        async with self._send_lock:
            session.sequence += 1
            seq = session.sequence
            await self._send_unlocked(session, {"op": 0, "t": event, "s": seq, "d": data})
        return seq

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = GatewaySession(ws=ws)
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

    async def _on_gateway_frame(self, session: GatewaySession, frame: dict[str, Any]) -> None:
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

    async def _start_session(self, session: GatewaySession) -> None:
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
