"""Application commands: the ones the bot registered (``PUT``, a bulk overwrite per scope, as
``tree.sync()`` sends it, and ``GET``), and the lookup and typed options with which the fake
invokes one of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .recording import RecordedRequest
from .rest import FakeHTTPError, json_response

#: Discord's option type for a file the member attaches to the command.
ATTACHMENT_OPTION = 11


@dataclass
class RegisteredCommand:
    """A command the bot registered; ``guild_id`` is None for a global one."""

    guild_id: int | None
    data: dict[str, Any]


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


class CommandMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s command routes and lookups; the registered
    commands are its ``commands``."""

    async def _put_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if int(m["app_id"]) != self.application_id:
            raise FakeHTTPError(403, "Missing Access", 50001)
        guild_id = int(m["guild_id"]) if m.groupdict().get("guild_id") else None
        if not isinstance(req.json, list):
            raise FakeHTTPError(400, "Invalid Form Body: expected a list of commands", 50035)
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
            self.commands[int(command_id)] = RegisteredCommand(guild_id=guild_id, data=data)
            result.append(data)
        return json_response(result)

    async def _get_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild_id = int(m["guild_id"]) if m.groupdict().get("guild_id") else None
        return json_response([c.data for c in self.commands.values() if c.guild_id == guild_id])

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

    @staticmethod
    def _attachment_options(options: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Attachment options (type 11) given as attachment objects (from ``add_attachment``)
        turned into their ids, as Discord sends them; the objects, by id, for ``resolved``."""
        found: dict[str, dict[str, Any]] = {}
        for option in options:
            if option["type"] == ATTACHMENT_OPTION and isinstance(option["value"], Mapping):
                attachment = dict(option["value"])
                option["value"] = attachment["id"]
                found[attachment["id"]] = attachment
        return found
