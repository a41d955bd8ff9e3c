"""The fake's world: default ids and permissions, the guilds and channels it announces, and the
Discord objects (users, members, roles, guilds, channels, messages) it builds from them.

Payload shapes follow discord.py 2.7.1's parsers (``state.py``) and the Discord API docs; where
a field is required by discord.py (it indexes it with ``data[...]``) it is always present here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

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


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class PayloadMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s ids and payload builders; the state they
    read and fill (``guilds``, ``messages``, ``threads``, ``_attachments``, ``_ids``) is set up
    in its ``__init__``."""

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
            "timestamp": now_iso(),
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
