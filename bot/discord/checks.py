"""Permission checks that both hint (``default_permissions``) and enforce (a check run on
every call), since a server's own integration settings can change the hint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.discord.client import archivist


class AdminOnly(app_commands.CheckFailure):
    pass


def is_admin(interaction: discord.Interaction) -> bool:
    """Enforced on every call: the default_permissions hint can be changed by a server's own
    integration settings, so the command checks Manage Server (or an ADMIN_ROLE_IDS role)."""
    if interaction.guild is None:
        raise AdminOnly("This command works in a server only.")
    if interaction.permissions.manage_guild:
        return True
    admin_roles = set(archivist(interaction).settings.admin_role_ids)
    user = interaction.user
    if isinstance(user, discord.Member) and admin_roles & {role.id for role in user.roles}:
        return True
    raise AdminOnly("Only members who can manage this server may use this command.")


def admin_only() -> Callable[[Any], Any]:
    """Hide the command from non-managers by default, and refuse them when they call it."""

    def decorate(command: Any) -> Any:
        command = app_commands.check(is_admin)(command)
        command = app_commands.guild_only()(command)
        return app_commands.default_permissions(manage_guild=True)(command)

    return decorate
