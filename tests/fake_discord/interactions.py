"""Interactions: the slash commands, autocompletes and component clicks the fake dispatches,
and :class:`FakeInteraction`, the handle a test waits on for the bot's answers.

Payload shapes follow discord.py 2.7.1's ``interactions.py`` and the Discord API docs.
"""

# Every wait helper takes its own timeout (rather than relying on asyncio.timeout around it) so
# that a timeout can fail with a message listing the traffic the fake did see.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import DEFAULT_APP_PERMISSIONS, DEFAULT_USER_ID
from .recording import RecordedRequest

if TYPE_CHECKING:
    from .server import FakeDiscord


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


class InteractionMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s interaction builders and senders; the
    interactions it dispatched are its ``interactions``, by token."""

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
        str→3, int→4, bool→5, float→10); an attachment option takes the object
        :meth:`add_attachment` returns, sent as its id with the object in ``resolved``, and
        its bytes served from the fake's CDN. Pass a list of raw option dicts instead for
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
            if attachments := self._attachment_options(data["options"]):
                resolved = {**(resolved or {}), "attachments": attachments}
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
